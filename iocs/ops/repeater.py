"""``pvchart-repeater``: a CA repeater bound to 127.0.0.1 only.

``caproto-repeater`` listens on every interface; control-room hosts (and our tests) want the
repeater on loopback, where the IOCs' beacons and the local clients meet.
"""
from __future__ import annotations

import logging
from typing import List, Optional

from caproto.sync.repeater import run

__all__ = ["main"]


def main(argv: Optional[List[str]] = None) -> None:
    """Run the repeater on 127.0.0.1:$EPICS_CA_REPEATER_PORT until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(host="127.0.0.1")


if __name__ == "__main__":
    main()
