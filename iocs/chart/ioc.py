"""``chart-ioc``: the command line, where a chart's settings start from, and serving it.

A chart starts from its settings' defaults, then its chart file (``--chart``: the project's
TOML, a StripTool ``.stp`` or a Data Browser ``.plt``), then what autosave kept from the last
run, then the options on the command line. Autosave wins over the file and the options, so
run-time changes survive restarts — except that a file changed since the last start, or an
option given with a new value since then, wins over what was saved.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from caproto.server import PVGroup

from ..common.autosave import AutosaveFile, Autosaver, autosave_path
from ..common.camonitor import client_context
from ..common.iocmain import ioc_parser, prepare, serve
from ..common.names import (
    DEFAULT_AXIS,
    DEFAULT_CHART,
    DEFAULT_PREFIX,
    MAX_SOURCES,
    PRESETS_GROUP,
)
from ..common.names import chart_prefix as chart_pvs
from ..common.settings import SettingsTable
from .chart import ChartIOC
from .chartfile import ChartFile, ChartFileError, load_chart, save_chart, save_target
from .presets import PresetsGroup
from .settings import CHART, IOC_OPTIONS, PRESETS, TRACE, archiver_default, check_size

logger = logging.getLogger(__name__)

__all__ = ["OPTIONS", "build_parser", "pv_groups", "main", "default_sources",
           "starting_values"]

DESCRIPTION = ("Chart IOC: charts source PVs and serves the chart as an areaDetector-style "
               "image (CA) and NTNDArray (PVA).")
#: Every option of chart-ioc that comes from a settings table.
OPTIONS = SettingsTable([*CHART, *PRESETS, *IOC_OPTIONS])


def default_sources(prefix: str) -> str:
    return f"{prefix}{DEFAULT_AXIS}.RBV,{prefix}{DEFAULT_AXIS}.VAL"


def build_parser() -> Tuple[Any, Any]:
    """The ``chart-ioc`` command line: (parser, split_args)."""
    parser, split_args = ioc_parser("chart-ioc", DESCRIPTION, OPTIONS)
    parser.add_argument("--chart", type=_chart_file, default=None, metavar="FILE",
                        help="chart file to start from: .toml/.json (pvchart's own), .stp "
                             "(StripTool) or .plt (Phoebus Data Browser); options given "
                             "here win (default: none)")
    parser.add_argument("--motor", default=None,
                        help="motor record of the named positions and jog (default: "
                             f"<prefix>{DEFAULT_AXIS} for the chart named {DEFAULT_CHART}; "
                             "other charts serve them only when given one)")
    return parser, split_args


def _chart_file(text: str) -> ChartFile:
    """``--chart``'s value: the file, loaded (an unreadable one is a usage error)."""
    try:
        return load_chart(Path(text))
    except ChartFileError as ex:
        raise argparse.ArgumentTypeError(str(ex)) from None


def presets_prefix(prefix: str, name: str) -> str:
    """Where a chart's named positions live: ``<prefix>SERVER`` for the default chart."""
    return f"{prefix}{PRESETS_GROUP}" if name == DEFAULT_CHART else \
        f"{chart_pvs(prefix, name)}{PRESETS_GROUP}"


def pv_groups(prefix: str = DEFAULT_PREFIX) -> List[PVGroup]:
    """The PVGroups this IOC serves (for docs and tests)."""
    return [ChartIOC(chart_pvs(prefix), settings={"sources": default_sources(prefix)}),
            PresetsGroup(presets_prefix(prefix, DEFAULT_CHART),
                         motor=f"{prefix}{DEFAULT_AXIS}")]


def given_options(argv: Sequence[str]) -> List[str]:
    """Names of the settings whose options appear on the command line."""
    given = []
    for s in OPTIONS.options():
        flag = s.option or ""
        if any(a == flag or a.startswith(flag + "=") for a in argv):
            given.append(s.name)
    return given


def starting_values(table: SettingsTable, *, cli: Dict[str, Any], given: Sequence[str],
                    saved: Dict[str, Any], last_start: Dict[str, Any],
                    file_values: Dict[str, Any], file_changed: bool,
                    what: str) -> Dict[str, Any]:
    """Defaults; the chart file (options given win over it); autosave, unless the file
    changed since the last start; options given with a new value since the last start."""
    values = {s.name: cli[s.name] for s in table if s.name in cli}
    values.update({k: v for k, v in file_values.items() if k not in given})
    restored = {} if file_changed else table.restore(saved, what)
    values.update(restored)
    last_cli = last_start.get("cli", {}) if isinstance(last_start.get("cli"), dict) else {}
    for name in given:
        if name in values and (name not in restored or last_cli.get(name) != cli[name]):
            values[name] = cli[name]
    return values


def _section(saved: Dict[str, Any], key: str) -> Dict[str, Any]:
    section = saved.get(key)
    return section if isinstance(section, dict) else {}


def _digest(path: Optional[Path]) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else ""


def main(argv: Optional[List[str]] = None) -> None:
    """``chart-ioc``: serve the live chart (and, for the default chart, named positions)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, split_args = build_parser()
    args, ioc_options, run_options = prepare(parser, split_args, argv)
    prefix = ioc_options["prefix"]
    cli = OPTIONS.from_args(args)
    cli["sources"] = cli["sources"] or default_sources(prefix)
    if "archiver" not in given_options(argv):
        try:
            cli["archiver"] = archiver_default()
        except ValueError as ex:
            parser.error(f"$PVCHART_ARCHIVER: {ex}")
    name = cli["name"]
    chart_file: Optional[ChartFile] = args.chart
    chart_path = chart_file.path if chart_file is not None else None
    given = given_options(argv)
    kind = "chart" if name == DEFAULT_CHART else f"chart-{name}"
    autosave = (AutosaveFile(autosave_path(args.autosave_dir, prefix, kind))
                if args.autosave_dir is not None else None)
    saved = autosave.load() if autosave is not None else {}
    last_start = _section(saved, "_start")
    digest = _digest(chart_path)
    file_changed = chart_file is not None and last_start.get("file") != digest
    def start_from(table: SettingsTable, section: str, file_values: Dict[str, Any],
                   what: str) -> Dict[str, Any]:
        return starting_values(table, cli=cli, given=given, saved=_section(saved, section),
                               last_start=last_start, file_values=file_values,
                               file_changed=file_changed, what=what)

    chart_values = start_from(CHART, "chart", chart_file.chart if chart_file else {},
                              "chart autosave")
    try:
        check_size(chart_values["width"], chart_values["height"])
    except ValueError as ex:
        parser.error(str(ex))
    traces: Dict[str, Dict[str, Any]] = {f"T{n}": {} for n in range(1, MAX_SOURCES + 1)}
    if chart_file is not None:
        traces.update({k: dict(v) for k, v in chart_file.traces.items()})
    if not file_changed:
        for key, values in _section(saved, "traces").items():
            if key in traces and isinstance(values, dict):
                traces[key].update(TRACE.restore(values, f"{key} autosave"))
    chart = ChartIOC(chart_pvs(prefix, name), settings=chart_values, traces=traces,
                     retention=cli["retention"], archiver=cli["archiver"],
                     archiver_timeout=cli["archiver_timeout"])
    presets = None
    if name == DEFAULT_CHART or args.motor is not None:
        preset_values = start_from(PRESETS, "presets", {}, "named positions autosave")
        presets = PresetsGroup(presets_prefix(prefix, name),
                               motor=args.motor or f"{prefix}{DEFAULT_AXIS}",
                               values=preset_values, on_change=chart.request_save)
    this_start = {"cli": {n: cli[n] for n in given}, "file": digest}

    def collect() -> Dict[str, Any]:
        kept = dict(chart.all_settings(), _start=this_start)
        if presets is not None:
            kept["presets"] = presets.settings()
        return kept

    if autosave is not None:
        chart.autosaver = Autosaver(autosave, collect, on_result=chart.autosave_result)
    target = save_target(chart_path, args.autosave_dir, f"{prefix}{name}") \
        if (chart_path is not None or args.autosave_dir is not None) else None
    if target is not None:
        async def save() -> str:
            settings = chart.all_settings()
            save_chart(target, settings["chart"], settings["traces"],
                       title=chart_file.title if chart_file else "")
            logger.info("chart settings saved to %s", target)
            return f"saved to {target.name}"
        chart.on_save = save

    async def restore() -> None:
        await chart.restore()
        if chart_path is not None:
            await chart.file.write(str(chart_path.resolve()), verify_value=False)
        if presets is not None:
            await presets.restore()
        chart.request_save()             # records this start's command line and file

    pvdb = dict(chart.pvdb, **(presets.pvdb if presets is not None else {}))

    async def startup(async_lib: Any) -> None:
        context = client_context()
        if presets is not None:
            await presets.connect(context)
        await chart.run(context)

    serve(pvdb, run_options, restore=restore, startup=startup, shutdown=chart.shutdown)


if __name__ == "__main__":
    main()
