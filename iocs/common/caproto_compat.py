"""Every use of caproto's internals, in one place, each with its reason.

caproto's public API (``PVGroup``, ``pvproperty``, the clients) covers almost everything the
IOCs do; what it does not is here, so a caproto upgrade is checked in one module (and by the
tests, for the versions ``setup.cfg`` allows):

* :class:`LiteralPrefixGroup`: caproto expands ``{...}`` in a PVGroup prefix as a Python
  format macro (and again in each SubGroup's), so ``XF:31IDA-OP{Tbl-Ax:X1}`` (an NSLS-II
  style name) fails with ``KeyError``; every pvchart PVGroup takes its prefix literally.
* :func:`relay_put_errors`: caproto's asyncio client ignores the server's ErrorResponse to a
  put-with-callback, so a put the other IOC refuses would wait out its whole timeout.
* :func:`flush_monitors`: caproto batches monitor updates per circuit for up to its
  high-load timeout but sends a put's reply at once; a real IOC posts the record's monitors
  first, and clients rely on that order.
* :func:`set_option_help`: caproto's ``template_arg_parser`` gives ``--prefix`` and
  ``--interfaces`` help texts that do not say our defaults; argparse has no public way to
  change an option's help.
* :func:`set_silently`: a channel's value changed without telling subscribers (a test IOC
  simulating a lost update).
"""
from __future__ import annotations

import argparse
import asyncio
from typing import Any

import caproto as ca
import caproto.asyncio.client as ca_client
from caproto.server import PVGroup
from caproto.server.common import HIGH_LOAD_TIMEOUT

__all__ = ["LiteralPrefixGroup", "literal_prefix", "relay_put_errors", "flush_monitors",
           "MONITOR_FLUSH_DELAY", "set_option_help", "set_silently"]

#: Five of caproto's monitor batch periods: covers a loaded 2-core machine.
MONITOR_FLUSH_DELAY = 5 * HIGH_LOAD_TIMEOUT


def literal_prefix(prefix: str) -> str:
    """``prefix`` escaped so that caproto's macro expansion gives it back unchanged."""
    return prefix.replace("{", "{{").replace("}", "}}")


class LiteralPrefixGroup(PVGroup):
    """A PVGroup whose PV names start with ``prefix`` exactly as given, braces included
    (caproto hands a SubGroup its parent's expanded prefix, which this escapes again)."""

    def __init__(self, prefix: str, **kwargs: Any) -> None:
        super().__init__(literal_prefix(prefix), **kwargs)


class _PutErrorRelay(ca_client.VirtualCircuitManager):
    async def _process_command(self, command: Any) -> None:
        if isinstance(command, ca.ErrorResponse):
            ioid = command.original_request.parameter2
            info = self.ioids.get(ioid)
            if info is not None and info.get("pv") is not None and "event" in info:
                del self.ioids[ioid]
                info["response"] = command
                info["event"].set()
                return
        await super()._process_command(command)


def relay_put_errors() -> None:
    """Make the asyncio client hand a refused put's ErrorResponse to the waiting put at once
    (the ``Context`` builds its circuits with the module's ``VirtualCircuitManager``)."""
    ca_client.VirtualCircuitManager = _PutErrorRelay


async def flush_monitors() -> None:
    """Give monitor updates already posted time to leave before a put's reply does."""
    await asyncio.sleep(MONITOR_FLUSH_DELAY)


def set_option_help(parser: argparse.ArgumentParser, dest: str, text: str) -> None:
    """Replace the help text of the option stored in ``dest``."""
    for action in parser._actions:
        if action.dest == dest:
            action.help = text


def set_silently(channel: Any, value: Any) -> None:
    """Change ``channel``'s value without posting it to subscribers."""
    channel._data["value"] = value
