"""The chart IOC's Archiver Appliance client: history older than the IOC's own, fetched in
the background and held for the frames to draw.

:class:`ArchiveFetcher` (one per IOC, in its event loop) is told every frame which part of
each source's range lies before the IOC's own history (:meth:`~ArchiveFetcher.want`); it
fetches what is missing — one request per source per range change, at most one in flight
per source, each with a time-out — and the frames read what is held
(:meth:`~ArchiveFetcher.samples`) without ever waiting. Requests ask for
``optimized_<columns>(<pv>)``: the Appliance answers raw samples when the range holds no more
than a sample per pixel column, else one ``[mean, std, min, max, count]`` bin per column,
so an answer is never much bigger than the plot is wide. The pure parts are
:mod:`.retrieval` (answers, requests), :mod:`.archivecache` (what to fetch, what is held) and
:mod:`.series` (:func:`merge` of archived and live samples).
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Optional, Set, Tuple

from .archivecache import FetchPlan, Held, hold, plan_fetch
from .history import Samples
from .retrieval import Archived, ArchiveError, data_url, parse_response, request_params
from .series import empty, merge

# aiohttp is loaded at the first fetch: a chart without an archiver starts without it.
if TYPE_CHECKING:
    import aiohttp

logger = logging.getLogger(__name__)

__all__ = ["ArchiveFetcher", "ArchiveError", "Archived", "parse_response", "merge",
           "STATUS_LENGTH", "MAX_ANSWER_BYTES"]

#: Longest status text (a CA STRING holds 40 characters).
STATUS_LENGTH = 40
#: Largest answer read, in bytes; a bigger one is a failure ("archiver answer too large").
MAX_ANSWER_BYTES = 64 * 1024 * 1024
#: Most columns asked for: the Appliance's bins per request.
MAX_COLUMNS = 10_000


def _drop(table: Dict[str, Any], keep: Set[str]) -> list:
    """Remove the entries not in ``keep`` from ``table``; their values."""
    return [table.pop(name) for name in [n for n in table if n not in keep]]


def _fit(text: str) -> str:
    return text if len(text) <= STATUS_LENGTH else text[:STATUS_LENGTH - 3] + "..."


class _Failure(Exception):
    """A fetch that failed, with the status text saying why."""


class ArchiveFetcher:
    """Fetches and holds archived history per source; see the module docstring.

    ``url`` is the Appliance's retrieval base (``http://host:17668/retrieval``), None for no
    archive (status ``off``). ``timeout`` bounds each request, in seconds. ``on_change()`` is
    called in the event loop whenever what is held or the status changed. After a failure a
    source is fetched again no sooner than ``retry`` seconds later.
    """

    def __init__(self, url: Optional[str], *, timeout: float = 10.0,
                 on_change: Callable[[], None], retry: float = 10.0) -> None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"archiver URL must start with http:// or https://, not {url!r}")
        if not (math.isfinite(timeout) and timeout > 0):
            raise ValueError(f"archiver time-out must be a positive number of seconds: {timeout}")
        if not (math.isfinite(retry) and retry >= 0):
            raise ValueError(f"archiver retry must be a number of seconds >= 0: {retry}")
        self.url = url
        self.timeout = timeout
        self.retry = retry
        self.on_change = on_change
        self._held: Dict[str, Held] = {}
        self._wanted: Dict[str, Tuple[float, float, int]] = {}
        self._tasks: Dict[str, asyncio.Task] = {}
        self._errors: Dict[str, Tuple[float, str]] = {}     # source: (when, why)
        self._retries: Dict[str, asyncio.TimerHandle] = {}
        self._started = 0           # fetches started since the last idle moment
        self._session: Optional[aiohttp.ClientSession] = None
        self._closed = False

    # -- what the frames call ---------------------------------------------------------------

    def want(self, source: str, t0: float, t1: float, columns: int) -> None:
        """``[t0, t1)`` of ``source`` (POSIX s; ``t1`` where the IOC's own history of it
        starts) should be held, for a plot ``columns`` pixels wide; starts a background fetch
        of what is missing (within a column's time). Never raises, never waits."""
        try:
            if self.url is None or self._closed or not (math.isfinite(t0) and
                                                        math.isfinite(t1) and t1 > t0):
                return
            self._wanted[source] = (t0, t1, max(1, min(int(columns), MAX_COLUMNS)))
            self._kick(source)
        except Exception:       # noqa: BLE001 - the frame goes on whatever happens here
            logger.exception("archive: want(%r) failed", source)

    def samples(self, source: str, t0: float, t1: float) -> Samples:
        """What is held of ``source`` within ``[t0, t1)``, from the last sample at or before
        ``t0`` on (copies). Cheap: called every frame."""
        held = self._held.get(source)
        if held is None:
            return empty()
        s = held.samples(t0, t1)
        return Samples(s.t.copy(), s.y.copy(), s.severity.copy(), s.array,
                       *(None if a is None else a.copy() for a in (s.lo, s.hi, s.std, s.count)))

    @property
    def status(self) -> str:
        """``off``, ``fetching k of n``, the latest failure's reason, or ``ok`` (<= 40 chars)."""
        if self.url is None:
            return "off"
        if self._tasks:
            done = self._started - len(self._tasks)
            return _fit(f"fetching {done + 1} of {self._started}")
        if self._errors:
            return _fit(max(self._errors.values())[1])
        return "ok"

    def retain(self, sources: Iterable[str]) -> None:
        """Forget everything about sources not in ``sources`` (they left the chart); their
        fetches in flight are cancelled."""
        keep: Set[str] = set(sources)
        _drop(self._held, keep)
        _drop(self._wanted, keep)
        _drop(self._errors, keep)
        for task in _drop(self._tasks, keep):
            task.cancel()
        for handle in _drop(self._retries, keep):
            handle.cancel()

    async def close(self) -> None:
        """Stop fetching (in-flight requests are cancelled) and close the HTTP session."""
        self._closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for handle in self._retries.values():
            handle.cancel()
        self._retries.clear()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- fetching ---------------------------------------------------------------------------

    def _kick(self, source: str) -> None:
        """Start the fetch ``source`` needs, unless one is in flight or it waits to retry."""
        if self._closed or source in self._tasks or source in self._retries \
                or source not in self._wanted:
            return
        t0, t1, columns = self._wanted[source]
        held = self._held.get(source)
        plan = plan_fetch(held.coverage if held else None, t0, t1, columns)
        if plan is None:
            return
        if not self._tasks:
            self._started = 0
        self._started += 1
        self._tasks[source] = asyncio.get_running_loop().create_task(
            self._fetch(source, plan), name=f"archive fetch {source}")
        self._changed()

    async def _fetch(self, source: str, plan: FetchPlan) -> None:
        error: Optional[str] = None
        try:
            answer = await self._request(source, plan)
            if source in self._wanted:
                error = self._keep(source, plan, answer.samples)
        except _Failure as ex:
            error = str(ex)
        except Exception as ex:     # noqa: BLE001 - a bug here must not stop the fetcher
            logger.exception("archive: fetching %s failed", source)
            error = f"archiver error: {type(ex).__name__}"
        finally:
            if self._tasks.get(source) is asyncio.current_task():
                del self._tasks[source]
        self._settle(source, error)
        self._kick(source)
        self._changed()

    def _keep(self, source: str, plan: FetchPlan, answer: Samples) -> Optional[str]:
        """Hold the answer to ``plan``, cut to the wanted range and a range width either
        side; the failure's reason when it is too much to hold."""
        new = hold(self._held.get(source), plan, answer)
        if new is None:
            self._held.pop(source, None)
            return "archiver answer too large"
        t0, t1, _ = self._wanted[source]
        new = new.trimmed(2 * t0 - t1, 2 * t1 - t0)
        if new.coverage.t0 < new.coverage.t1:
            self._held[source] = new
        else:                       # an answer for a range left meanwhile
            self._held.pop(source, None)
        return None

    def _settle(self, source: str, error: Optional[str]) -> None:
        """Record how the fetch for ``source`` ended; after a failure, retry later."""
        if source not in self._wanted:      # it left the chart meanwhile
            return
        if error is None:
            if self._errors.pop(source, None) is not None:
                logger.info("archive: %s fetched again", source)
            return
        if self._errors.get(source, (0.0, ""))[1] != error:
            logger.warning("archive: %s: %s", source, error)
        self._errors[source] = (time.monotonic(), _fit(error))
        if not self._closed:
            self._retries[source] = asyncio.get_running_loop().call_later(
                self.retry, self._retry, source)

    def _retry(self, source: str) -> None:
        self._retries.pop(source, None)
        self._kick(source)

    async def _request(self, source: str, plan: FetchPlan) -> Archived:
        """One GET for ``plan``; its answer, or :class:`_Failure` saying why not."""
        assert self.url is not None
        import aiohttp
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout))
        params = request_params(source, plan.t0, plan.t1, plan.points)
        try:
            async with self._session.get(data_url(self.url), params=params) as resp:
                if resp.status != 200:
                    raise _Failure(f"HTTP {resp.status} for {source}")
                body = bytearray()
                async for chunk in resp.content.iter_chunked(1 << 16):
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise _Failure("archiver answer too large")
        except TimeoutError as ex:
            raise _Failure(f"archiver timed out after {self.timeout:g} s") from ex
        except aiohttp.ClientConnectorError as ex:
            raise _Failure("archiver unreachable") from ex
        except aiohttp.ClientError as ex:
            raise _Failure(f"archiver error: {type(ex).__name__}") from ex
        try:
            return await asyncio.get_running_loop().run_in_executor(
                None, parse_response, bytes(body), source)
        except ArchiveError as ex:
            raise _Failure(f"{ex} from archiver") from ex

    def _changed(self) -> None:
        try:
            self.on_change()
        except Exception:       # noqa: BLE001 - the caller's trouble, not the fetch's
            logger.exception("archive: on_change failed")
