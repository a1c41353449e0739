"""Driving a motor record from a test: pyepics (the usual client) or caproto's sync client
(each call its own connection: for tests that hand pyepics' cached channels to ophyd)."""
from __future__ import annotations

import functools
import threading
from typing import Any, List, Tuple

from caproto import ChannelType

from tests.support.harness import PATIENCE, ca_read, ca_write, caget_fresh

__all__ = ["put", "fresh", "configure", "MonitorLog", "ca_put", "ca_fresh", "ca_configure",
           "ca_severity"]


def put(pv: str, value: Any, wait: bool = True, timeout: float = PATIENCE) -> int:
    """pyepics' caput (waiting for completion unless ``wait`` is False); its status."""
    import epics
    return epics.caput(pv, value, wait=wait, timeout=timeout, connection_timeout=timeout)


def fresh(record: str, field: str, **kwargs: Any) -> Any:
    """``<record>.<field>`` read from the IOC now."""
    return caget_fresh(f"{record}.{field}", **kwargs)


def configure(record: str, **fields: Any) -> None:
    """Put each field in turn, each put completed."""
    for name, value in fields.items():
        assert put(f"{record}.{name}", value) == 1, name


class MonitorLog:
    """Subscriptions of its own to several fields of a record; :meth:`snapshot` gives
    (field, value, server timestamp) in the order the events arrived, starting with each
    field's value at subscription (CA sends it to every new subscription).
    ``with MonitorLog(m, "RBV", "DMOV") as log: ...``

    The subscriptions are made on pyepics' shared channels (``epics.get_pv``) without
    touching its PV objects: a second PV object for a name ophyd or PyDM already hold would
    replace theirs in pyepics' cache, and changing a connected PV's ``auto_monitor`` races
    pyepics' own connection callback (an orphaned subscription: a crash at its next event).
    """

    def __init__(self, record: str, *fields: str) -> None:
        import epics
        self.events: List[Tuple[str, Any, float]] = []
        self._lock = threading.Lock()
        self._subscriptions: List[Tuple[Any, ...]] = []
        pvs = {f: epics.get_pv(f"{record}.{f}", form="time") for f in fields}
        for f, pv in pvs.items():
            assert pv.wait_for_connection(PATIENCE), pv.pvname
            # keep the returned references for as long as the subscription lives
            self._subscriptions.append(epics.ca.create_subscription(
                pv.chid, use_time=True, callback=functools.partial(self._event, f)))

    def _event(self, field: str, value: Any = None, timestamp: float = 0.0,
               **kw: Any) -> None:
        with self._lock:
            self.events.append((field, value, timestamp))

    def of(self, field: str) -> List[Tuple[Any, float]]:
        """(value, timestamp) of one field, in order."""
        with self._lock:
            return [(v, t) for f, v, t in self.events if f == field]

    def values(self, field: str) -> List[Any]:
        return [v for v, _ in self.of(field)]

    def snapshot(self) -> List[Tuple[str, Any, float]]:
        with self._lock:
            return list(self.events)

    def close(self) -> None:
        import epics
        for _, _, event_id in self._subscriptions:
            epics.ca.clear_subscription(event_id)
        self._subscriptions = []

    def __enter__(self) -> MonitorLog:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def ca_fresh(record: str, field: str, as_string: bool = False) -> Any:
    """``<record>.<field>`` read now over a connection of its own (caproto's sync client)."""
    response = ca_read(f"{record}.{field}", timeout=PATIENCE, repeater=False,
                       data_type=ChannelType.STRING if as_string else None)
    value = response.data[0]
    return value.decode() if isinstance(value, bytes) else value.item() if hasattr(
        value, "item") else value


def ca_put(pv: str, value: Any, wait: bool = True, timeout: float = PATIENCE) -> None:
    """Write over a connection of its own; with ``wait``, until the put completes."""
    ca_write(pv, value, notify=wait, timeout=timeout, repeater=False)


def ca_configure(record: str, **fields: Any) -> None:
    for name, value in fields.items():
        ca_put(f"{record}.{name}", value)


def ca_severity(pv: str) -> int:
    return int(ca_read(pv, data_type="time", timeout=PATIENCE,
                       repeater=False).metadata.severity)

