"""What every pvchart IOC's ``main()`` shares: its command line, logging, access security, and
one asyncio lifecycle (restore, serve, startup tasks, flush on SIGTERM).

The network is the site's: the IOC serves on ``EPICS_CAS_INTF_ADDR_LIST`` (default every
interface) at ``EPICS_CA_SERVER_PORT``/``EPICS_CAS_SERVER_PORT`` (default 5064), beaconing and
searching as the EPICS environment it was given says. ``--local`` isolation is the launcher's
business: it hands the IOC a loopback environment (see :mod:`iocs.common.caenv`).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import re
import signal
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple

from caproto.asyncio.server import start_server
from caproto.server import template_arg_parser

from . import access, logs
from .caproto_compat import set_option_help
from .names import DEFAULT_PREFIX
from .settings import SettingsTable

logger = logging.getLogger(__name__)

__all__ = ["ioc_parser", "prepare", "serve", "join_negative_values"]

#: A value that argparse would take for an option: a negative number, or a list of numbers
#: starting with one (``--hard-limits -50,50``).
_NEGATIVE_VALUE = re.compile(r"^-(\d|\.\d)[\d.eE+\-]*([,:\s]+[+\-]?[\d.eE+\-]+)*$")


def ioc_parser(prog: str, description: str,
               table: Optional[SettingsTable] = None) -> Tuple[argparse.ArgumentParser, Any]:
    """caproto's IOC options (with their defaults in the help), the IOC's own, and ours."""
    parser, split_args = template_arg_parser(default_prefix=DEFAULT_PREFIX, desc=description,
                                             supported_async_libs=("asyncio",))
    parser.prog = prog
    parser.epilog = None
    parser.allow_abbrev = False          # an option is named in full, or not at all
    set_option_help(parser, "prefix", f"PV prefix (default: {DEFAULT_PREFIX})")
    set_option_help(parser, "interfaces", "interfaces to serve on (default: "
                    "EPICS_CAS_INTF_ADDR_LIST, else every interface)")
    if table is not None:
        table.add_arguments(parser)
    parser.add_argument("--autosave-dir", type=Path, default=None,
                        help="directory for autosave files (default: no autosave)")
    parser.add_argument("--access-file", type=Path, default=None,
                        help="EPICS access-security file (default: everyone may read and "
                             "write)")
    parser.add_argument("--access-group", default="DEFAULT",
                        help="access-security group of this IOC's PVs (default: DEFAULT)")
    return parser, split_args


def join_negative_values(argv: Sequence[str]) -> List[str]:
    """``argv`` with ``--option -50,50`` written ``--option=-50,50``, so argparse takes a
    value starting with a minus sign for the option's value, not for another option."""
    out: List[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--") and "=" not in arg and i + 1 < len(argv) and \
                _NEGATIVE_VALUE.match(argv[i + 1]):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def prepare(parser: argparse.ArgumentParser, split_args: Any,
            argv: Optional[Sequence[str]]) -> Tuple[argparse.Namespace, Dict[str, Any],
                                                    Dict[str, Any]]:
    """Parse the command line, set up logging and access security; usage errors exit 2."""
    args = parser.parse_args(join_negative_values(sys.argv[1:] if argv is None else argv))
    policy = None
    if args.access_file is not None:
        try:
            policy = access.load(args.access_file, args.access_group)
        except access.AccessFileError as ex:
            parser.error(str(ex))
    ioc_options, run_options = split_args(args)
    logs.configure(logging.DEBUG if args.verbose and args.verbose > 1 else logging.INFO)
    access.install(policy)
    return args, ioc_options, run_options


def serve(pvdb: Dict[str, Any], run_options: Dict[str, Any], *,
          restore: Optional[Callable[[], Awaitable[None]]] = None,
          startup: Optional[Callable[[Any], Awaitable[None]]] = None,
          shutdown: Optional[Callable[[], Awaitable[None]]] = None) -> None:
    """Restore state, then serve ``pvdb`` until interrupted; all in one event loop.

    ``restore`` runs before the server answers anyone, ``startup`` as caproto's startup hook,
    ``shutdown`` after the server stops (SIGTERM or SIGINT), e.g. to flush autosave.
    """
    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None, "runs inside a task"
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            if restore is not None:
                await restore()
            await start_server(pvdb, interfaces=run_options.get("interfaces"),
                               log_pv_names=run_options.get("log_pv_names", False),
                               startup_hook=startup)
        except asyncio.CancelledError:
            logger.info("stopping")
        finally:
            if shutdown is not None:
                await shutdown()
    asyncio.run(main())
