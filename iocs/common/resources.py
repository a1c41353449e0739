"""The files pvchart installs beside its code: the displays and the deploy files.

They live at the top of the repository (``displays/``, ``deploy/``) and are installed as the
resource packages ``iocs.displays`` and ``iocs.deploy``; :func:`resource_dir` finds them
through :mod:`importlib.resources`, the same way in an editable install and an installed copy.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["resource_dir", "display_file"]

PACKAGES = {"displays": "iocs.displays", "deploy": "iocs.deploy"}


def resource_dir(kind: str) -> Path:
    """The installed ``displays`` or ``deploy`` folder."""
    if kind not in PACKAGES:
        raise ValueError(f"no resource folder {kind!r} (one of {', '.join(PACKAGES)})")
    folder = Path(str(resources.files(PACKAGES[kind])))
    if not folder.is_dir():
        raise FileNotFoundError(f"pvchart's {kind} folder is not installed ({folder})")
    return folder


def display_file(name: str = "chart.ui") -> Path:
    """An installed display file (``chart.ui``, ``chart_settings.ui`` ...)."""
    return resource_dir("displays") / name
