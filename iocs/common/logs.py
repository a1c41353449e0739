"""Logging for the IOCs: plain lines that read well in a procServ log.

One handler on the root logger writes ``LEVEL logger: message`` to stderr, which procServ
records; caproto's own (coloured) handlers are removed and its loggers propagate to ours. The
launcher runs procServ with ``--logstamp``, so it sets ``PVCHART_LOG_STAMPED=1`` and lines
carry procServ's timestamp only; run by hand, an IOC stamps its own lines.
"""
from __future__ import annotations

import logging
import os
import sys

__all__ = ["configure", "STAMPED_ENV", "OncePerMessage"]

STAMPED_ENV = "PVCHART_LOG_STAMPED"


class OncePerMessage(logging.Filter):
    """Lets a repeating caproto error through once, as one line (a missing repeater makes
    caproto log a traceback with every beacon)."""

    REPEATING = ("Failed to send beacon",)

    def __init__(self) -> None:
        super().__init__()
        self.seen: set = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith(self.REPEATING):
            return True
        if message in self.seen:
            return False
        self.seen.add(message)
        record.exc_info = record.exc_text = None
        record.msg, record.args = message + " (reported once)", ()
        return True


def configure(level: int = logging.INFO) -> None:
    """Route every logger (caproto's included) to one plain handler on stderr."""
    stamped = os.environ.get(STAMPED_ENV) == "1"
    fmt = "%(levelname)s %(name)s: %(message)s"
    if not stamped:
        fmt = "%(asctime)s " + fmt
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt, datefmt="%Y-%m-%d %H:%M:%S"))
    handler.addFilter(OncePerMessage())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in list(logging.root.manager.loggerDict):
        if name == "caproto" or name.startswith("caproto."):
            log = logging.getLogger(name)
            for old in list(log.handlers):
                log.removeHandler(old)
            log.propagate = True
    # caproto asks for INFO on its context logger (server start, --list-pvs); keep its
    # chattier loggers at WARNING unless asked.
    if level > logging.DEBUG:
        logging.getLogger("caproto").setLevel(logging.WARNING)
