#!/usr/bin/env bash
# Debian's Qt Designer with PyDM's plugins, PVImage in its widget box: the commands of
# docs/pvimage.rst, run headless under Xvfb; saves a screenshot of the widget box.
#   bash docs/designer_widgetbox.sh [out.png]      (default: docs/designer_widgetbox.png)
# Installs qttools5-dev-tools (designer) and python3-pyqt5 (PyQt5's Designer plugin,
# libpyqt5.so) when missing, as root. pvchart and PyDM go into a throwaway venv that sees
# Debian's PyQt5 (--system-site-packages): the plugin runs Debian's Python and PyQt5.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$repo/docs/designer_widgetbox.png}")
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

apt_pkgs="qttools5-dev-tools python3-pyqt5 python3-pyqt5.qtsvg python3-venv xvfb xdotool"
missing=$(for p in $apt_pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then apt-get update -qq && apt-get install -y -qq $missing >/dev/null; fi

# The documented commands (docs/pvimage.rst, "In Qt Designer").
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install -q "$repo"
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$work/venv/bin/python" -c 'import PyQt5, sys; sys.exit(0 if PyQt5.__file__.startswith("/usr/lib/python3/") else "PyQt5 is not Debian'"'"'s")'

Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=:$(head -1 "$work/display")
PYQTDESIGNERPATH="$site/pydm" PYTHONPATH="$site" QT_QPA_PLATFORM=xcb \
  designer >"$work/designer.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do xdotool search --onlyvisible --name "Qt Designer" >/dev/null 2>&1 && break
  sleep 0.5; done
xdotool search --onlyvisible --name "Qt Designer" >/dev/null || {
  cat "$work/designer.log"; echo "Qt Designer did not open" >&2; exit 1; }
sleep 3                                    # the start-up dialog and the plugins settle
xdotool key Escape                         # close the "New Form" dialog
xdotool mousemove 127 97 click 1           # the widget box's filter field
xdotool type "PVImage"
sleep 1
"$work/venv/bin/python" - "$out" <<'PY'
import sys
from PyQt5.QtWidgets import QApplication
app = QApplication([])
app.primaryScreen().grabWindow(0, 0, 0, 420, 520).save(sys.argv[1])
PY
grep -i -B4 "pvimage\|error\|traceback" "$work/designer.log" || true
echo "Qt Designer's widget box, filtered for PVImage: $out"
