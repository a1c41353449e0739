"""Tasks an IOC starts in its event loop: kept, their failures logged, cancelled together."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Coroutine, Set

logger = logging.getLogger(__name__)

__all__ = ["TaskSet"]


class TaskSet:
    """Holds the tasks it starts, so none is lost and none fails in silence."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._tasks: Set[asyncio.Task] = set()

    def start(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s: %s", self.what, task.exception(),
                         exc_info=task.exception())

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
