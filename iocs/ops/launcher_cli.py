"""The ``pvchart-iocs`` command: start, stop, status and env of the processes under procServ.

Processes are named anywhere on the command line: ``repeater``, ``motor``, ``chart``,
``chart@NAME`` (another chart, ``<prefix>NAME:``) and ``web``. IOC options (``--axes``,
``--sources``, ``--chart``, ``--rate``, ...) come from each IOC's settings table and go to the
processes that take them; anything after ``--`` goes to every IOC named. All of it is checked
against the IOC's own command line before anything starts, so a typo is a usage error here,
not a restart loop under procServ.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..common.caenv import IocPorts
from ..common.iocmain import join_negative_values
from ..common.names import DEFAULT_PREFIX
from ..common.settings import SettingsTable
from .instances import DEFAULT_INSTANCES, Instance, parse_instances
from .launcher import (
    DEFAULT_WEB_PORT,
    LOCAL_PORTS,
    LOCAL_REPEATER_PORT,
    Launcher,
    LauncherError,
)

__all__ = ["main", "build_parser"]

#: Options every IOC takes, forwarded as given.
COMMON = (("-v", "verbose", "count", "more log messages in the IOCs' logs (default: INFO)"),
          ("--list-pvs", "list_pvs", "store_true",
           "the IOCs log the PVs they serve (default: no)"))


def _tables() -> Dict[str, SettingsTable]:
    from ..chart.ioc import OPTIONS as CHART_OPTIONS
    from ..motor.ioc import OPTIONS as MOTOR_OPTIONS
    return {"motor": MOTOR_OPTIONS, "chart": CHART_OPTIONS}


def _parsers() -> Dict[str, Callable[[], Any]]:
    from ..chart.ioc import build_parser as chart_parser
    from ..motor.ioc import build_parser as motor_parser
    from ..web.settings import build_parser as web_parser
    return {"motor": lambda: motor_parser()[0], "chart": lambda: chart_parser()[0],
            "web": web_parser}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pvchart-iocs", allow_abbrev=False,
        description="Start, stop and watch the pvchart IOCs under procServ.",
        epilog="Examples: 'pvchart-iocs start --local' (everything on loopback, as make demo); "
               "'pvchart-iocs start motor' on one host and 'pvchart-iocs start chart "
               "--sources \"A:m1.RBV,A:m2.RBV\"' on another (site mode); 'pvchart-iocs start "
               "chart@vacuum --chart vacuum.stp' for a second chart; IOC arguments after "
               "'--' go to every IOC named.")
    parser.add_argument("command", choices=("start", "stop", "status", "env"),
                        help="what to do")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="which processes: repeater, motor, chart, chart@NAME, web "
                             "(default: start repeater, motor and chart; stop and status "
                             "all)")
    parser.add_argument("--run-dir", type=Path,
                        default=Path(os.environ.get("PVCHART_RUN_DIR", "run")),
                        help="pid, log, console and env files (default: $PVCHART_RUN_DIR or "
                             "./run)")
    parser.add_argument("--local", action="store_true",
                        help="loopback only, private ports (default: site mode, the EPICS "
                             "environment as given)")
    parser.add_argument("--prefix", default=None,
                        help=f"PV prefix of the IOCs (default: that of the IOCs still running "
                             f"from the run directory, else {DEFAULT_PREFIX})")
    parser.add_argument("--holdoff", type=int, default=1,
                        help="seconds procServ waits before restarting a crashed IOC "
                             "(default: 1)")
    parser.add_argument("--console-group", default=None,
                        help="group that may use the consoles (default: none; sockets 0600)")
    parser.add_argument("--autosave-dir", type=Path, default=None,
                        help="autosave directory (default: <run-dir>/autosave)")
    parser.add_argument("--no-wait", action="store_true",
                        help="start: return before the IOCs answer (default: wait)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="start: seconds to wait for the IOCs to answer (default: 60)")
    parser.add_argument("--web-port", type=int, default=None,
                        help=f"web: HTTP port of pvchart-web (default: {DEFAULT_WEB_PORT})")
    parser.add_argument("--web-bind", default=argparse.SUPPRESS, metavar="ADDRESS",
                        help="web: address pvchart-web listens on (default: loopback)")
    parser.add_argument("--allow-writes", action="store_true", default=argparse.SUPPRESS,
                        help="web: offer controls that write PVs (default: read-only)")
    local = parser.add_argument_group(
        "local mode ports", "(default: those of the IOCs still running from the run directory, "
        "else as shown; charts other than 'chart' get free ports)")
    for name, ports in LOCAL_PORTS.items():
        local.add_argument(f"--{name}-port", type=int, default=None,
                           help=f"CA port of the {name} IOC (default: {ports.ca})")
    local.add_argument("--repeater-port", type=int, default=None,
                       help=f"CA repeater port (default: {LOCAL_REPEATER_PORT})")
    chart = LOCAL_PORTS["chart"]
    local.add_argument("--pva-port", type=int, default=None,
                       help=f"PVA server port of the chart IOC (default: {chart.pva})")
    local.add_argument("--pva-search-port", type=int, default=None,
                       help=f"PVA search port of the chart IOC (default: {chart.pva_udp})")
    ioc = parser.add_argument_group("IOC options (passed to the IOCs that take them)")
    for table in _tables().values():
        table.add_arguments(ioc, forward=True)
    ioc.add_argument("--chart", dest="chart_file", default=argparse.SUPPRESS, metavar="FILE",
                     help="charts: chart file to start from (.toml/.json, .stp, .plt; "
                          "default: none)")
    ioc.add_argument("--motor", dest="motor_record", default=argparse.SUPPRESS,
                     help="chart: motor record of the named positions (default: "
                          "<prefix>motor)")
    ioc.add_argument("--access-file", default=argparse.SUPPRESS,
                     help="EPICS access-security file for the IOCs (default: none)")
    ioc.add_argument("--access-group", default=argparse.SUPPRESS,
                     help="access-security group of the IOCs' PVs (default: DEFAULT)")
    for flag, dest, action, text in COMMON:
        ioc.add_argument(flag, dest=dest, action=action, default=argparse.SUPPRESS, help=text)
    return parser


def ioc_arguments(args: argparse.Namespace, instances: Sequence[Instance],
                  extra: Sequence[str]) -> Dict[str, List[str]]:
    """The command line of each named IOC, from the options given here."""
    tables = _tables()
    out: Dict[str, List[str]] = {}
    for instance in instances:
        if instance.kind == "web":
            out[instance.name] = ([f"--bind={args.web_bind}"] if hasattr(args, "web_bind")
                                  else []) + (["--allow-writes"]
                                              if getattr(args, "allow_writes", False) else [])
            continue
        table = tables.get(instance.kind)
        if table is None:
            continue
        argv = [f"{s.option}={getattr(args, s.name)}" for s in table.options()
                if hasattr(args, s.name)]
        if instance.kind == "chart":
            if hasattr(args, "chart_file"):
                argv.append(f"--chart={Path(args.chart_file).resolve()}")
            if hasattr(args, "motor_record"):
                argv.append(f"--motor={args.motor_record}")
        for key in ("access_file", "access_group"):
            if hasattr(args, key):
                argv.append(f"--{key.replace('_', '-')}={getattr(args, key)}")
        argv += ["-v"] * getattr(args, "verbose", 0)
        argv += ["--list-pvs"] if getattr(args, "list_pvs", False) else []
        out[instance.name] = argv + list(extra)
    return out


def check_ioc_arguments(instances: Sequence[Instance],
                        ioc_args: Dict[str, List[str]]) -> None:
    """Parse each IOC's command line with its own parser: a bad value stops us here."""
    parsers = _parsers()
    for instance in instances:
        if instance.name not in ioc_args:
            continue
        argv = ioc_args[instance.name]
        parser = parsers[instance.kind]()
        try:
            parser.parse_args(["--prefix", "X:", *argv])
        except SystemExit as ex:
            raise LauncherError(f"the {instance.name} IOC refuses {' '.join(argv)!r} (see "
                                "above)") from ex


def split_extra(argv: Sequence[str]) -> Tuple[List[str], List[str]]:
    if "--" in argv:
        i = list(argv).index("--")
        return list(argv[:i]), list(argv[i + 1:])
    return list(argv), []


def launcher_to_start(args: argparse.Namespace) -> Launcher:
    """The launcher ``start`` uses. Processes still running from the run directory set the
    mode, prefix and ports of those started beside them (``pvchart-iocs stop chart`` then
    ``start chart`` brings back the same chart IOC); an option given that differs from them
    is an error, not a second installation in one directory."""
    try:
        previous: Optional[Launcher] = Launcher.from_run_dir(args.run_dir)
    except LauncherError:
        previous = None
    if previous is not None and previous.running():
        local = args.local or previous.local
        prefix = args.prefix or previous.prefix
        known = previous.ports if previous.local else {}
        repeater = args.repeater_port or previous.repeater_port
        web_port = args.web_port or previous.web_port
    else:
        local, prefix, known = args.local, args.prefix or DEFAULT_PREFIX, {}
        repeater = args.repeater_port or LOCAL_REPEATER_PORT
        web_port = args.web_port or DEFAULT_WEB_PORT
    motor, chart = (known.get(n, LOCAL_PORTS[n]) for n in ("motor", "chart"))
    return Launcher(
        args.run_dir, local=local, prefix=prefix,
        ports={"motor": IocPorts(args.motor_port or motor.ca),
               "chart": IocPorts(args.chart_port or chart.ca, args.pva_port or chart.pva,
                                 args.pva_search_port or chart.pva_udp)},
        repeater_port=repeater if local else None, holdoff=args.holdoff,
        autosave_dir=args.autosave_dir, console_group=args.console_group,
        web_port=web_port)


def main(argv: Optional[List[str]] = None) -> int:
    """``pvchart-iocs``."""
    ours, extra = split_extra(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_intermixed_args(join_negative_values(ours))
    try:
        instances = parse_instances(args.names)
    except ValueError as ex:
        parser.error(str(ex))
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("caproto").setLevel(logging.WARNING)   # not "Channel connected."
    try:
        if args.command == "start":
            instances = instances or parse_instances(DEFAULT_INSTANCES)
            launcher = launcher_to_start(args)
            ioc_args = ioc_arguments(args, instances, extra)
            check_ioc_arguments(instances, ioc_args)
            started = launcher.start([i.name for i in instances], ioc_args,
                                     wait=not args.no_wait, timeout=args.timeout)
            mode = "local (loopback)" if launcher.local else "site"
            print(f"started: {', '.join(started) or 'nothing (already running)'}; {mode} "
                  f"mode; client settings: pvchart-iocs env, or . {launcher.run_dir}/ca.env")
            if "web" in started:
                print(f"web: http://localhost:{launcher.web_port}/")
            return 0
        launcher = Launcher.from_run_dir(args.run_dir)
        names = [i.name for i in instances] or None
        if args.command == "stop":
            print("stopped: " + (", ".join(launcher.stop(names)) or "nothing was running"))
            return 0
        if args.command == "env":
            print(launcher.env_text(), end="")
            return 0
        return print_status(launcher, names)
    except LauncherError as ex:
        print(f"pvchart-iocs: {ex}", file=sys.stderr)
        return 2


def print_status(launcher: Launcher, names: Optional[Sequence[str]]) -> int:
    """One line per process (charts: their sources' state); exit 0 when all named run (or,
    none named, all but the repeater), 3 when some do, 4 when none does."""
    status = launcher.status(names)
    mode = "local" if launcher.local else "site"
    for name, s in status.items():
        state = f"running, pid {' '.join(map(str, s['children']))}" if s["children"] \
            else "STOPPED"
        print(f"{name:14s} {state:22s} {mode:5s} procServ {s['procserv'] or '-':>7} "
              f"port {s['port']:5d} restarts {s['restarts']}  console {s['console']}"
              + (f"  sources: {s['sources']}" if s["sources"] else ""))
    up = [n for n, s in status.items() if s["children"]]
    wanted = [n for n in status if n != "repeater"] or list(status)
    if names is None:
        wanted = [n for n in wanted if n in DEFAULT_INSTANCES or status[n]["procserv"]] or \
            wanted
    if all(n in up for n in wanted):
        return 0
    return 3 if up else 4


if __name__ == "__main__":
    sys.exit(main())
