#!/usr/bin/env bash
# Shows PVImage in real Qt Designer's widget box, headless, and saves a screenshot.
#   bash docs/designer_widgetbox.sh [out.png]        (default: designer_widgetbox.png)
# Designer and PyQt5's Designer plugin come from PyPI (qt5-applications, pyqt5-plugins), which
# pin an older PyQt5, so they go into a throwaway venv, never into the project's .venv.
# Needs: Debian's xvfb, xdotool and the X libraries below (installed when missing, as root).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-designer_widgetbox.png}")
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

apt_pkgs="xvfb xdotool libxcb-xinerama0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1
  libgl1 libegl1 libdbus-1-3"
missing=$(for p in $apt_pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then apt-get update -qq && apt-get install -y -qq $missing >/dev/null; fi

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q pyqt5-plugins qt5-applications pydm
"$work/venv/bin/pip" install -q --no-deps -e "$repo"
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1600x1000x24 >/dev/null 2>&1 & pids+=($!)
export DISPLAY=$display
# libpyqt5.so (Designer's Python plugin) loads PyDM's designer plugin, which loads the
# widgets named by the pydm.widget entry points: ours among them.
QT_PLUGIN_PATH="$site/pyqt5_plugins/Qt/plugins" PYQTDESIGNERPATH="$site/pydm" \
  PYTHONHOME=$("$work/venv/bin/python" -c 'import sys; print(sys.base_prefix)') \
  PYTHONPATH="$site:$repo" "$work/venv/bin/qt5-tools" designer >"$work/designer.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do xdotool search --name "Qt Designer" >/dev/null 2>&1 && break; sleep 1; done
sleep 5                                    # let the start-up dialog and plugins settle
xdotool key Escape
xdotool mousemove 127 97 click 1           # the widget box's filter field
xdotool type "PVImage"
sleep 2
"$work/venv/bin/python" - "$out" <<'PY'
import sys
from PyQt5.QtWidgets import QApplication
app = QApplication([])
app.primaryScreen().grabWindow(0).save(sys.argv[1])
PY
echo "Qt Designer's widget box, filtered for PVImage: $out"
