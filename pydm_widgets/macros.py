"""MacroDefaults: default values for the ``${NAME}`` macros of a PyDM display.

PyDM substitutes a display's macros only when it is opened with them (``pydm -m 'P=X:'
chart.ui``); a macro it was not given stays ``${P}`` in every channel. Placed first in a .ui
file, this invisible widget holds the defaults (``P=BEAMLINE:, M=motor``): once the display is
built, every string property of its widgets that still holds ``${NAME}`` gets the default,
and the widgets reconnect to the channels that names. Macros that were given win. The
display's window title is one of those properties; a PyDM main window, which copied the title
when it took the display, is told to read it again.
"""
from __future__ import annotations

import logging
from string import Template
from typing import Dict, Optional

from pydm.utilities import is_qt_designer
from pydm.utilities.macro import parse_macro_string
from qtpy.QtCore import Property, QTimer
from qtpy.QtWidgets import QWidget

logger = logging.getLogger(__name__)

__all__ = ["MacroDefaults", "apply_macros", "expand"]


def expand(text: str, macros: Dict[str, str]) -> str:
    """``text`` with ``macros`` substituted, as often as a default names another macro."""
    for _ in range(10):
        new = Template(text).safe_substitute(macros)
        if new == text:
            break
        text = new
    return text


def apply_macros(root: QWidget, macros: Dict[str, str]) -> int:
    """Substitute ``macros`` into every string property of ``root`` and its widgets that
    still holds a ``${...}``; returns how many properties changed."""
    changed = 0
    for widget in [root, *root.findChildren(QWidget)]:
        meta = widget.metaObject()
        for i in range(meta.propertyCount() if meta is not None else 0):
            prop = meta.property(i)  # type: ignore[union-attr]
            if prop.typeName() not in ("QString", "QStringList") or not prop.isWritable():
                continue
            name = prop.name()
            value = widget.property(name)
            if isinstance(value, str) and "${" in value:
                new: object = expand(value, macros)
            elif isinstance(value, list) and any("${" in str(v) for v in value):
                new = [expand(str(v), macros) for v in value]
            else:
                continue
            if new != value:
                widget.setProperty(name, new)
                changed += 1
    return changed


class MacroDefaults(QWidget):
    """Defaults for the macros a display was opened without (see the module docstring)."""

    _qt_designer_ = {"group": "PyDM Display Widgets", "is_container": False}

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._defaults = ""
        if not is_qt_designer():
            self.setFixedSize(0, 0)
            self.hide()

    def readDefaults(self) -> str:
        return self._defaults

    def setDefaults(self, text: str) -> None:
        self._defaults = str(text or "")
        if not is_qt_designer():
            QTimer.singleShot(0, self.apply)       # once the whole display is built

    defaults = Property(str, readDefaults, setDefaults)

    def apply(self) -> None:
        """Fill the macros still unexpanded in this widget's display."""
        try:
            macros = parse_macro_string(self._defaults) if self._defaults else {}
        except ValueError as ex:
            logger.error("MacroDefaults: cannot parse %r: %s", self._defaults, ex)
            return
        root: QWidget = self.parentWidget() or self
        parent = root.parentWidget()
        while parent is not None and not hasattr(root, "macros"):
            root, parent = parent, parent.parentWidget()
        given = root.macros() if callable(getattr(root, "macros", None)) else None
        if isinstance(given, dict):                # later loads (related displays, ...)
            for key, value in macros.items():     # see the defaults too
                given.setdefault(key, value)
        apply_macros(root, {k: str(v) for k, v in macros.items()})
        _retitle(root)


def _retitle(display: QWidget) -> None:
    """Have a PyDM main window showing ``display`` take its (now expanded) title again."""
    window = QWidget.window(display)      # a child named "window" may shadow the method
    showing = getattr(window, "display_widget", None)
    update = getattr(window, "update_window_title", None)
    if callable(showing) and showing() is display and callable(update):
        update()
