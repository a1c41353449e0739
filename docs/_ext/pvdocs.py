"""Sphinx directives that document pvchart from its code, so the docs cannot drift.

``.. pv-table:: iocs.motor`` -- every PV of the module's ``pv_groups()`` (name, type, access,
units, limits or choices, meaning); ``.. cli-help:: iocs.motor`` -- the IOC's ``--help``;
``.. qt-properties:: pydm_widgets.pvimage:PVImage`` -- a widget's Designer properties.
"""
from __future__ import annotations

import importlib
import os
from typing import List, Tuple

from docutils import nodes
from docutils.parsers.rst import Directive

POSITION_UNITS = "EGU"


def _type_of(channel) -> str:
    name = channel.data_type.name
    count = getattr(channel, "max_length", 1) or 1
    return f"{name}[{count}]" if count > 1 else name


def pv_rows(module_name: str) -> List[Tuple[str, str, str, str, str, str]]:
    """(PV, type, access, units, limits/choices, meaning) for every PV the module serves."""
    from iocs.motor.record import POSITION_FIELDS
    module = importlib.import_module(module_name)
    rows = []
    for group in module.pv_groups():
        canonical = {}
        for pvname, channel in group.pvdb.items():
            if id(channel) in canonical:
                rows.append((pvname, _type_of(channel), "", "", "",
                             f"same channel as {canonical[id(channel)]}"))
                continue
            canonical[id(channel)] = pvname
            spec = channel.pvspec
            access = "read" if spec.read_only else "read/write"
            field = pvname.rsplit(".", 1)[-1]
            units = getattr(channel, "units", "") or (
                POSITION_UNITS if "." in pvname and field in POSITION_FIELDS else "")
            extra = ""
            if getattr(channel, "enum_strings", None):
                extra = " / ".join(s or "(blank)" for s in channel.enum_strings)
            elif getattr(channel, "lower_ctrl_limit", 0) != getattr(channel, "upper_ctrl_limit", 0):
                extra = f"{channel.lower_ctrl_limit:g} .. {channel.upper_ctrl_limit:g}"
            rows.append((pvname, _type_of(channel), access, units, extra, spec.doc or ""))
    return rows


def _table(header: List[str], rows, widths: List[int]) -> nodes.table:
    table = nodes.table()
    group = nodes.tgroup(cols=len(header))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    thead = nodes.thead()
    group += thead
    tbody = nodes.tbody()
    group += tbody
    for target, cells in ((thead, [header]), (tbody, rows)):
        for cells_row in cells:
            row = nodes.row()
            for cell in cells_row:
                entry = nodes.entry()
                entry += nodes.paragraph(text=str(cell))
                row += entry
            target += row
    return table


class PvTable(Directive):
    required_arguments = 1

    def run(self):
        rows = pv_rows(self.arguments[0])
        return [_table(["PV", "type", "access", "units", "limits / choices", "meaning"], rows,
                       [30, 12, 9, 6, 20, 40])]


class CliHelp(Directive):
    required_arguments = 1

    def run(self):
        module = importlib.import_module(self.arguments[0])
        parser = module.build_parser()
        parser = parser[0] if isinstance(parser, tuple) else parser   # IOCs: (parser, split)
        os.environ["COLUMNS"] = "90"
        text = parser.format_help()
        return [nodes.literal_block(text, text)]


class QtProperties(Directive):
    required_arguments = 1

    def run(self):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from qtpy.QtCore import Property
        from qtpy.QtWidgets import QApplication
        app = QApplication.instance() or QApplication([])
        module_name, cls_name = self.arguments[0].split(":")
        cls = getattr(importlib.import_module(module_name), cls_name)
        widget = cls()
        rows = []
        for name, value in vars(cls).items():
            if isinstance(value, Property):
                default = getattr(widget, name)
                rows.append((name, value.type if isinstance(value.type, str)
                             else getattr(value.type, "__name__", str(value.type)),
                             repr(default)))
        widget.deleteLater()
        del app
        return [_table(["property", "type", "default"], rows, [20, 12, 20])]


def setup(app):
    app.add_directive("pv-table", PvTable)
    app.add_directive("cli-help", CliHelp)
    app.add_directive("qt-properties", QtProperties)
    return {"parallel_read_safe": True}
