"""``pvchart-repeater``: a CA repeater, for hosts that run none (``caRepeater``) of their own.

It listens on ``EPICS_CA_REPEATER_PORT`` (default 5065, the EPICS default). Site mode binds
every interface, so beacons from IOCs on other hosts reach the clients on this one;
``--host 127.0.0.1`` (local mode) keeps it on loopback.
"""
from __future__ import annotations

import argparse
import logging
import os
from typing import List, Optional

from caproto.sync.repeater import run

from ..common import logs
from ..common.names import SITE_REPEATER_PORT

__all__ = ["main"]


def main(argv: Optional[List[str]] = None) -> None:
    """Run the repeater until interrupted."""
    parser = argparse.ArgumentParser(
        prog="pvchart-repeater", allow_abbrev=False,
        description="A CA repeater for hosts that run none of their own. It listens on "
                    f"EPICS_CA_REPEATER_PORT (default {SITE_REPEATER_PORT}).")
    parser.add_argument("--host", default="0.0.0.0",
                        help="address to bind (default: 0.0.0.0, every interface)")
    args = parser.parse_args(argv)
    logs.configure(logging.INFO)
    port = os.environ.get("EPICS_CA_REPEATER_PORT", str(SITE_REPEATER_PORT))
    logging.getLogger(__name__).info("CA repeater on %s:%s", args.host, port)
    try:
        run(host=args.host)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
