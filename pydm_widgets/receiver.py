"""ChannelReceiver: a PyDM channel whose events arrive in real Qt slots, on an object that
outlives the plugin's work on it.

PyDM's pyepics plugin hooks a new channel's slots up in its thread pool, several channels at
once. Two things crash the process there (a segfault in the plugin's ``add_listener``): a slot
that is a plain Python callable (a ``functools.partial``, a lambda), for which PyQt creates a
proxy object in that thread, and a receiver deleted (its widget closed) before the pool got
to it. So a receiver declares one Qt slot per kind of event and hands each event to the
Python callable given for that kind; and until it is *hooked up* it belongs to no widget: it
is kept here and only then becomes a child of its owner. A pyepics channel is hooked up at
its first connection event (the plugin sends one, connected or not, once it has connected
the slots); a channel of any other plugin once :meth:`ChannelReceiver.connect` returns (they
hook up in the calling thread). A receiver closed, or whose owner was deleted, before it is
hooked up is deleted only then.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Set

from pydm.data_plugins import plugin_for_address
from pydm.widgets.channel import PyDMChannel
from qtpy import sip
from qtpy.QtCore import QObject, Slot

__all__ = ["ChannelReceiver"]

Callback = Optional[Callable[[Any], None]]

#: Receivers not yet hooked up (kept alive here, owned by no widget).
_PENDING: Set[ChannelReceiver] = set()


def _hooks_up_in_a_pool(address: str) -> bool:
    """Whether the plugin of ``address`` connects slots in a thread pool (pyepics)."""
    from pydm.data_plugins.epics_plugins.pyepics_plugin_component import PyEPICSPlugin
    return isinstance(plugin_for_address(address), PyEPICSPlugin)


class ChannelReceiver(QObject):
    """Receives one PyDM channel's events and passes each to its callback.

    Parameters
    ----------
    owner : QObject
        The object the events are for; the receiver becomes its child once hooked up
        (deleting the owner then deletes the receiver and drops events queued for it).
    connection, value, severity, precision, unit, enum_strings : callable, optional
        What to call with each kind of event; a kind without one (but the connection) is
        not connected.
    """

    def __init__(self, owner: QObject, connection: Callback = None, value: Callback = None,
                 severity: Callback = None, precision: Callback = None, unit: Callback = None,
                 enum_strings: Callback = None) -> None:
        super().__init__()
        self._owner = owner
        self._calls = {"connection": connection, "value": value, "severity": severity,
                       "precision": precision, "unit": unit, "enum_strings": enum_strings}
        self._hooked_up = False
        self._closed = False
        self.channel: Optional[PyDMChannel] = None
        _PENDING.add(self)

    def connect(self, address: str, value_signal: Any = None) -> PyDMChannel:
        """Connect a PyDM channel to ``address`` that delivers its events here;
        ``value_signal`` is the signal it writes from, if any."""
        calls = self._calls
        self.channel = PyDMChannel(
            address=address, value_signal=value_signal,
            connection_slot=self.on_connection,
            value_slot=self.on_value if calls["value"] else None,
            severity_slot=self.on_severity if calls["severity"] else None,
            prec_slot=self.on_precision if calls["precision"] else None,
            unit_slot=self.on_unit if calls["unit"] else None,
            enum_strings_slot=self.on_enum_strings if calls["enum_strings"] else None)
        self.channel.connect()
        if not _hooks_up_in_a_pool(address):
            self._hook_up()
        return self.channel

    def close(self, owner_deleted: bool = False) -> None:
        """Disconnect the channel and pass nothing on from now; the receiver is deleted once
        hooked up. ``owner_deleted``: the owner, and the signal the channel wrote from with
        it, are gone (Qt has dropped that connection)."""
        if self.channel is not None and not self._closed:
            self.channel.disconnect(destroying=owner_deleted)
        self._calls = dict.fromkeys(self._calls)
        self._closed = True
        if self._hooked_up:
            self.deleteLater()

    @property
    def hooked_up(self) -> bool:
        """Whether the plugin has finished connecting this receiver's slots."""
        return self._hooked_up

    def _hook_up(self) -> None:
        if self._hooked_up:
            return
        self._hooked_up = True
        _PENDING.discard(self)
        owner_deleted = sip.isdeleted(self._owner)
        if self._closed or owner_deleted:
            self.close(owner_deleted=owner_deleted)
        else:
            self.setParent(self._owner)

    def _pass(self, kind: str, value: Any) -> None:
        call = self._calls[kind]
        if call is not None:
            call(value)

    @Slot(bool)
    def on_connection(self, connected: bool) -> None:
        self._hook_up()
        self._pass("connection", connected)

    @Slot(int)
    @Slot(float)
    @Slot(str)
    @Slot(bool)
    @Slot(object)
    def on_value(self, value: Any) -> None:
        self._pass("value", value)

    @Slot(int)
    def on_severity(self, severity: int) -> None:
        self._pass("severity", severity)

    @Slot(int)
    def on_precision(self, precision: int) -> None:
        self._pass("precision", precision)

    @Slot(str)
    def on_unit(self, unit: str) -> None:
        self._pass("unit", unit)

    @Slot(tuple)
    def on_enum_strings(self, strings: tuple) -> None:
        self._pass("enum_strings", strings)
