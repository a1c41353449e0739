"""Render docs/_generated/display.png with the project's own headless path.

Starts the IOCs under procServ (launcher, free loopback ports, a temporary run directory),
runs ``pvchart-display --screenshot`` against them, and stops them again.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iocs.common.caenv import free_port  # noqa: E402
from iocs.ops.launcher import Launcher  # noqa: E402


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs/_generated/display.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="pvchart-docs-")) / "run"
    launcher = Launcher(run_dir, motor_port=free_port(), chart_port=free_port(),
                        repeater_port=free_port())
    try:
        launcher.start()
        return subprocess.call([sys.executable, "-m", "iocs.ops.display", "--run-dir",
                                str(run_dir), "--screenshot", str(out)], cwd=ROOT)
    finally:
        launcher.stop()


if __name__ == "__main__":
    sys.exit(main())
