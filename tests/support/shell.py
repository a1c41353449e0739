"""Running the product's commands as a user's shell does: a plain environment (no EPICS
settings, no screen, nothing of the test session), free loopback ports for ``--local``."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, List, Sequence, Union

from iocs.common.caenv import free_port

__all__ = ["ROOT", "plain_env", "local_ports", "run"]

#: The checkout the tests run from.
ROOT = Path(__file__).resolve().parents[2]


def plain_env(**extra: str) -> Dict[str, str]:
    """A shell's environment: no EPICS settings, no screen, nothing of this test session."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EPICS_", "PYTHON")) and k != "DISPLAY"}
    env.update(QT_QPA_PLATFORM="offscreen", **extra)
    return env


def local_ports() -> List[str]:
    """``pvchart-iocs start --local`` options naming free loopback ports."""
    return ["--motor-port", str(free_port()), "--chart-port", str(free_port()),
            "--repeater-port", str(free_port()), "--pva-port", str(free_port()),
            "--pva-search-port", str(free_port())]


def run(args: Sequence[Union[str, Path]], cwd: Path, env: Dict[str, str],
        timeout: float = 180) -> subprocess.CompletedProcess:
    """Run a command to its end; fail with its output unless it exits 0."""
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(map(str, args))}: {r.returncode}\n{r.stdout[-3000:]}" \
                              f"\n{r.stderr[-3000:]}"
    return r
