"""The channels behind a PVImage: the image (``ca://`` waveform or ``pva://`` NTNDArray) and,
for Channel Access, the size and colour-mode PVs.

An ``imagePrefix`` fills in areaDetector's ``ArrayData``, ``ArraySize0_RBV`` ..
``ArraySize2_RBV`` and ``ColorMode_RBV``; explicit channels win over it. Every change of the
addresses reconnects everything under a new *generation*: events still in flight from the old
channels are dropped, so an old source's frame is never shown; so are events that reach a
source whose widget was already destroyed. A frame whose size is unknown
makes :meth:`ImageSource.refetch_sizes` read the size PVs again (their update may have been
lost), at most once a second. While a ``pva://`` image is disconnected, the widget subscribes
to it anew every second (:meth:`ImageSource.resubscribe_image`), so a restarted IOC is seen
within a second of its return rather than after the client's search back-off.
"""
from __future__ import annotations

import functools
import time
from typing import Any, Dict, List, Optional

from pydm.widgets.channel import PyDMChannel
from qtpy import sip
from qtpy.QtCore import QObject, Signal

from iocs.common.names import AD_COLOR_MODES, AD_IMAGE_PVS

from .receiver import ChannelReceiver

__all__ = ["ImageSource", "AD_SUFFIXES", "AD_MODE_NAMES", "address"]

#: Names of the areaDetector PVs an ``imagePrefix`` fills in.
AD_SUFFIXES = AD_IMAGE_PVS
AD_MODE_NAMES = AD_COLOR_MODES
REFETCH_INTERVAL = 1.0


def address(text: str) -> str:
    """A channel address with its protocol (``ca://`` unless one is given)."""
    text = (text or "").strip()
    if text and "://" not in text:
        text = "ca://" + text
    return text


class ImageSource(QObject):
    """Connects the channels an image needs and reports what they deliver."""

    frame = Signal(object)            #: new image data
    values_changed = Signal()         #: a size or colour-mode value changed
    connection = Signal(bool)         #: the image channel (dis)connected
    severity = Signal(int)            #: the image channel's alarm severity

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.prefix = ""
        self.explicit: Dict[str, str] = {"image": "", "width": "", "height": "", "mode": ""}
        self.values: Dict[str, Any] = {}
        self.mode_strings = AD_MODE_NAMES
        self._receivers: Dict[str, ChannelReceiver] = {}      #: by key ("image", "mode", ...)
        self.generation = 0
        self._last_refetch = 0.0

    def addresses(self) -> Dict[str, str]:
        """Addresses in use, explicit channels winning over the prefix."""
        prefix = address(self.prefix)
        eff = {}
        for key in ("image", "mode"):
            eff[key] = address(self.explicit[key]) or (prefix + AD_SUFFIXES[key]
                                                       if prefix else "")
        for key in ("width", "height"):
            eff[key] = address(self.explicit[key])
        pva = eff["image"].startswith("pva://")          # an NTNDArray describes itself
        for key in ("size0", "size1", "size2"):
            eff[key] = prefix + AD_SUFFIXES[key] if prefix and not pva and not (
                eff["width"] and eff["height"]) else ""
        if pva and not self.explicit["mode"]:
            eff["mode"] = ""
        return eff

    @property
    def is_pva(self) -> bool:
        return self.addresses()["image"].startswith("pva://")

    @property
    def image_channel(self) -> Optional[PyDMChannel]:
        """The image's channel, if one is connected."""
        receiver = self._receivers.get("image")
        return receiver.channel if receiver is not None else None

    @property
    def aux(self) -> Dict[str, PyDMChannel]:
        """The size and colour-mode channels connected, by key."""
        return {key: r.channel for key, r in self._receivers.items()
                if key != "image" and r.channel is not None}

    def channels(self) -> List[PyDMChannel]:
        return [r.channel for r in self._receivers.values() if r.channel is not None]

    def disconnect_all(self) -> None:
        for receiver in self._receivers.values():
            receiver.close()
        self._receivers.clear()

    def reconnect(self) -> None:
        """Drop every channel and value, then connect what the addresses now name."""
        self.generation += 1
        gen = self.generation
        self.disconnect_all()
        self.values.clear()
        eff = self.addresses()
        if eff["image"]:
            self._connect_image(eff["image"], gen)
        self._connect_aux(gen, eff)

    def resubscribe_image(self) -> None:
        """Subscribe to the image anew: a PVA client then searches for it at once, instead of
        waiting out its search back-off after the server went away."""
        address = self.addresses()["image"]
        if self.image_channel is None or not address:
            return
        self._connect_image(address, self.generation)

    def _receiver(self, key: str, **calls: Any) -> ChannelReceiver:
        """A receiver for the channel of ``key``, replacing (closing) the one it had."""
        old = self._receivers.pop(key, None)
        if old is not None:
            old.close()
        self._receivers[key] = ChannelReceiver(self, **calls)
        return self._receivers[key]

    def _connect_image(self, address: str, gen: int) -> None:
        receiver = self._receiver("image", connection=functools.partial(self._conn, gen),
                                  value=functools.partial(self._image, gen),
                                  severity=functools.partial(self._severity, gen))
        receiver.connect(address)

    def _connect_aux(self, gen: int, eff: Dict[str, str]) -> None:
        for key in ("width", "height", "mode", "size0", "size1", "size2"):
            if eff[key]:
                receiver = self._receiver(
                    key, value=functools.partial(self._value, gen, key),
                    enum_strings=functools.partial(self._enums, gen) if key == "mode" else None)
                receiver.connect(eff[key])

    def refetch_sizes(self) -> bool:
        """Read the size and mode PVs afresh (their last update may have been lost).

        A monitor cannot be asked twice (pyepics shares one per channel and replays its cached
        value), so this reads each CA channel directly, at most once a second.
        """
        now = time.monotonic()
        if not self.aux or now - self._last_refetch < REFETCH_INTERVAL:
            return False
        self._last_refetch = now
        import epics
        changed = False
        for key, ch in self.aux.items():
            if ch.address.startswith("ca://"):
                value = epics.caget(ch.address[5:], use_monitor=False, timeout=0.5)
                if value is not None and self.values.get(key) != value:
                    self.values[key] = value
                    changed = True
        if changed:
            self.values_changed.emit()
        return changed

    # ---- slots (each carries the generation it was connected under) ---------------------
    def _current(self, gen: int) -> bool:
        """An event of the channels now in use, for a source that still exists."""
        return gen == self.generation and not sip.isdeleted(self)

    def _conn(self, gen: int, connected: bool) -> None:
        if self._current(gen):
            self.connection.emit(bool(connected))

    def _severity(self, gen: int, severity: int) -> None:
        if self._current(gen):
            self.severity.emit(int(severity))

    def _enums(self, gen: int, strings: Any) -> None:
        if self._current(gen) and strings:
            self.mode_strings = tuple(strings)
            self.values_changed.emit()

    def _value(self, gen: int, key: str, value: Any) -> None:
        if self._current(gen):
            self.values[key] = value
            self.values_changed.emit()

    def _image(self, gen: int, value: Any) -> None:
        if self._current(gen):
            self.frame.emit(value)
