"""Atomic save and restore of IOC settings as a JSON file.

A save writes a temporary file beside the target, fsyncs it and renames it over the target,
so a crash leaves either the old or the new file, never half of one. A file that cannot be
read back is moved aside (``<name>.corrupt-<time>``) with a logged warning and never
overwritten, so it stays available for inspection.
"""
from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Dict, Optional

logger = logging.getLogger(__name__)

__all__ = ["AutosaveFile"]


class AutosaveFile:
    """One autosave file holding a JSON object."""

    def __init__(self, path: os.PathLike | str) -> None:
        self.path = Path(path)

    def load(self) -> Dict[str, Any]:
        """The saved settings, or ``{}`` when missing or unreadable (with a warning)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            logger.warning("autosave file %s missing: starting from defaults", self.path)
            return {}
        except OSError as ex:
            logger.warning("autosave file %s unreadable (%s): starting from defaults",
                           self.path, ex)
            return {}
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError(f"top level is {type(data).__name__}, not an object")
        except ValueError as ex:
            kept = self.quarantine()
            logger.warning("autosave file %s is corrupt (%s); kept as %s, starting from "
                           "defaults", self.path, ex, kept)
            return {}
        return data

    def quarantine(self) -> Optional[Path]:
        """Move the current file aside under a unique ``.corrupt-<time>`` name."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for n in range(1000):
            suffix = f".corrupt-{stamp}" + (f"-{n}" if n else "")
            target = self.path.with_name(self.path.name + suffix)
            if not target.exists():
                try:
                    os.rename(self.path, target)
                except OSError as ex:
                    logger.error("could not move corrupt %s aside: %s", self.path, ex)
                    return None
                return target
        return None

    def save(self, data: Dict[str, Any]) -> None:
        """Replace the file atomically with ``data``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        payload = json.dumps(data, indent=1, sort_keys=True, allow_nan=False)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
