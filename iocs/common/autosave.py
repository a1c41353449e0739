"""Atomic save and restore of IOC settings as a JSON file, written off the event loop.

A save writes a temporary file beside the target, fsyncs it and renames it over the target,
so a crash leaves either the old or the new file, never half of one; a failed save (full disk)
removes its temporary file and reports the error. A file that cannot be read back (not UTF-8,
not JSON, not an object) is moved aside (``<name>.corrupt-<time>``) with a logged warning and
never overwritten, so it stays available for inspection.

:class:`Autosaver` is the one policy both IOCs use: a change requests a save, requests within
``delay`` seconds are coalesced into one write, and the write runs in a worker thread.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, Optional

logger = logging.getLogger(__name__)

__all__ = ["AutosaveFile", "Autosaver", "autosave_path", "write_atomically"]


def autosave_path(folder: Path, prefix: str, kind: str) -> Path:
    """``folder/<prefix without colons>.<kind>.json``: one file per IOC prefix and kind."""
    safe = prefix.replace(":", "_").strip("_") or "pvchart"
    return Path(folder) / f"{safe}.{kind}.json"


class AutosaveFile:
    """One autosave file holding a JSON object."""

    def __init__(self, path: os.PathLike | str) -> None:
        self.path = Path(path)

    def load(self) -> Dict[str, Any]:
        """The saved settings, or ``{}`` when missing or unreadable (with a warning)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            logger.warning("autosave file %s missing: starting from defaults", self.path)
            return {}
        except OSError as ex:
            logger.warning("autosave file %s unreadable (%s): starting from defaults",
                           self.path, ex)
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError(f"top level is {type(data).__name__}, not an object")
        except ValueError as ex:          # UnicodeDecodeError and JSONDecodeError included
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
        """Replace the file atomically with ``data``; on failure nothing is left behind."""
        write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True, allow_nan=False))


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8): the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Autosaver:
    """Saves ``collect()`` to ``file`` shortly after each :meth:`request`, in a worker thread.

    ``on_result(ok, message)`` (in the event loop) hears how each write went, so an IOC can
    show a failing disk in a PV instead of only in its log.
    """

    def __init__(self, file: AutosaveFile, collect: Callable[[], Dict[str, Any]], *,
                 delay: float = 0.2,
                 on_result: Optional[Callable[[bool, str], Any]] = None) -> None:
        self.file = file
        self.collect = collect
        self.delay = delay
        self.on_result = on_result
        self._task: Optional[asyncio.Task] = None
        self._again = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")

    def request(self) -> None:
        """Save soon; requests before the write starts are served by that one write."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = loop.create_task(self._run())

    async def flush(self) -> None:
        """Wait until every requested save is written."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._again = False
            await asyncio.sleep(self.delay)
            try:
                await loop.run_in_executor(self._executor, self.file.save, self.collect())
            except (OSError, ValueError) as ex:
                logger.error("autosave to %s failed: %s", self.file.path, ex)
                await self._report(False, f"autosave failed: {ex}")
            else:
                await self._report(True, f"saved {time.strftime('%H:%M:%S')}")
            if not self._again:
                return

    async def _report(self, ok: bool, message: str) -> None:
        if self.on_result is not None:
            result = self.on_result(ok, message)
            if asyncio.iscoroutine(result):
                await result
