"""PrefixChannels: the PVs a composite widget watches under one prefix, as PyDM channels.

A widget that shows several PVs of one IOC (a chart's ``T1:min``, ``T1:max``, ...) names
them by suffix; setting the prefix (``ca://BEAMLINE:chart:``) connects them all, and a new
prefix drops the old channels and every value they gave (events still in flight from them are
ignored, as in :class:`~pydm_widgets.source.ImageSource`). Values (a long text, served as
a char waveform, as a str), connection states, precisions, units and enum strings land in
dictionaries keyed by suffix, and
:attr:`PrefixChannels.changed` names the suffix each time. Suffixes declared writable can be
written with :meth:`PrefixChannels.put`, through PyDM's own channel (read-only mode respected).
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Iterable, List

import numpy as np
from pydm.widgets.channel import PyDMChannel
from qtpy import sip
from qtpy.QtCore import QObject, Signal

from .receiver import ChannelReceiver
from .source import address

__all__ = ["PrefixChannels"]


class _Writer(QObject):
    """The signal a PyDM channel writes from (one per writable PV)."""

    send = Signal((float,), (int,), (str,))


class PrefixChannels(QObject):
    """Channels to ``prefix + suffix`` for each suffix; see the module docstring.

    Parameters
    ----------
    parent : QObject
        The widget that shows the values (it owns these channels).
    suffixes : iterable of str
        The PVs under the prefix, e.g. ``["sources", "T1:min"]``.
    writable : iterable of str, optional
        Those of ``suffixes`` that :meth:`put` may write.
    """

    #: A value, connection state, precision, unit or enum strings arrived: its suffix.
    changed = Signal(str)

    def __init__(self, parent: QObject, suffixes: Iterable[str],
                 writable: Iterable[str] = ()) -> None:
        super().__init__(parent)
        self.suffixes = list(suffixes)
        self.prefix = ""
        self.values: Dict[str, Any] = {}
        self.connected: Dict[str, bool] = {}
        self.precision: Dict[str, int] = {}
        self.units: Dict[str, str] = {}
        self.enum_strings: Dict[str, tuple] = {}
        self._writers = {key: _Writer(self) for key in writable}
        self._receivers: List[ChannelReceiver] = []
        self._generation = 0

    def set_prefix(self, prefix: str) -> None:
        """Watch the PVs under ``prefix`` (``ca://`` unless a protocol is given; empty: none)."""
        prefix = str(prefix or "").strip()
        if prefix == self.prefix and self._receivers:
            return
        self.disconnect_all()
        self.prefix = prefix
        if not prefix or "${" in prefix:          # no prefix, or its macros not yet filled
            return
        gen = self._generation
        for key in self.suffixes:
            writer = self._writers.get(key)
            receiver = ChannelReceiver(
                self, connection=functools.partial(self._store, gen, self.connected, key),
                value=functools.partial(self._store, gen, self.values, key),
                precision=functools.partial(self._store, gen, self.precision, key),
                unit=functools.partial(self._store, gen, self.units, key),
                enum_strings=functools.partial(self._store, gen, self.enum_strings, key))
            self._receivers.append(receiver)
            receiver.connect(address(prefix + key),
                             value_signal=writer.send if writer is not None else None)

    def disconnect_all(self) -> None:
        """Close every channel and forget every value."""
        self._generation += 1
        for receiver in self._receivers:
            receiver.close()
        self._receivers = []
        for table in (self.values, self.connected, self.precision, self.units,
                      self.enum_strings):
            table.clear()

    def channels(self) -> List[PyDMChannel]:
        """The channels open now (for PyDM's connection tools)."""
        return [r.channel for r in self._receivers if r.channel is not None]

    def value(self, key: str, default: Any = None) -> Any:
        """The last value of ``key``, or ``default`` while it is unknown or disconnected."""
        return self.values.get(key, default) if self.connected.get(key) else default

    def put(self, key: str, value: Any) -> bool:
        """Write ``value`` to the PV of writable ``key``; False when it is not connected."""
        writer = self._writers[key]
        if not self.connected.get(key):
            return False
        kind = int if isinstance(value, (bool, int)) else float if isinstance(
            value, float) else str
        writer.send[kind].emit(kind(value))
        return True

    def _store(self, gen: int, table: Dict[str, Any], key: str, value: Any) -> None:
        if gen != self._generation or sip.isdeleted(self):
            return
        if table is self.enum_strings:
            value = tuple(value)
        elif table is self.values:
            value = char_text(value)
        table[key] = value
        self.changed.emit(key)


def char_text(value: Any) -> Any:
    """A char waveform (1-byte integers, NUL-terminated) as the text it holds; anything else
    as it is."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu" and value.dtype.itemsize == 1:
        return value.tobytes().split(b"\0", 1)[0].decode("utf-8", errors="replace")
    return value

