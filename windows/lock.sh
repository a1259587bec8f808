#!/usr/bin/env bash
# Re-resolve windows/requirements-win.lock: the Windows (amd64, CPython 3.12) pins of the app, its
# tests and the build tools. Every version is the one of requirements.lock except the overrides
# below (Wine 8 cannot run numpy 2: it lacks crealf; PyQt5-Qt5 has
# no Windows wheel after 5.15.2); Windows-only packages (pefile,
# pywin32-ctypes, colorama, tzdata, pytwain, comtypes) come from resolving for Windows itself.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/uv-0.13.9/bin/uv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/overrides.txt" <<'OVR'
numpy==1.26.4
opencv-python-headless==4.10.0.84
pyqt5-qt5==5.15.2
OVR
# requirements.lock's pins as constraints (markers dropped: the resolution is for Windows only)
grep -E '^[A-Za-z0-9_.-]+==' requirements.lock | sed -E 's/ *;.*//; s/ *\\$//' \
	| grep -v -E '^(numpy|opencv-python-headless|pyqt5-qt5)==' > "$tmp/constraints.txt"
printf '%s\n' 'setuptools>=68' wheel 'pyinstaller==6.22.3' > "$tmp/build.txt"
"$UV" pip compile setup.cfg "$tmp/build.txt" --extra test --generate-hashes \
	--python-platform x86_64-pc-windows-msvc --python-version 3.12 \
	-c "$tmp/constraints.txt" --override "$tmp/overrides.txt" \
	--custom-compile-command "windows/lock.sh" --quiet -o windows/requirements-win.lock
# the constraints' temporary path would change the lock on every run
sed -i -E 's#-c /tmp/[^ ]*/constraints\.txt#-c requirements.lock#' windows/requirements-win.lock
