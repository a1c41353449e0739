"""Driving the shipped PyDM displays in tests as an operator would: open them with macros,
wait for their channels, press buttons, type into fields, pick from menus."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest
from qtpy.QtCore import QEvent, Qt
from qtpy.QtWidgets import QApplication, QComboBox, QLineEdit, QWidget

from iocs.ops.display import display_file
from tests.support.harness import caget_fresh

#: Generous deadlines (ms) for a loaded 2-core machine.
CONNECT_MS = 60000          # generous: a loaded machine, many IOCs and displays
CHANGE_MS = 60000


def _pyepics_setups_done(timeout: float = 30.0) -> None:
    """Wait until PyDM's pyepics plugin has finished hooking up the channels it was given.

    The plugin connects a new channel's signals in its thread pool; PyDM's own widgets
    deleted while that runs crash the process (pvchart's are safe: see
    :mod:`pydm_widgets.receiver`). With every worker of the pool held at a barrier, every
    task queued before has finished.
    """
    import threading

    from pydm.data_plugins.epics_plugins.pyepics_plugin_component import PyEPICSPlugin
    pool = PyEPICSPlugin.thread_pool
    if pool is None:
        return
    workers = pool._max_workers                 # (no public view of the pool's size)
    barrier = threading.Barrier(workers + 1, timeout=timeout)
    for _ in range(workers):
        pool.submit(barrier.wait)
    barrier.wait()


def _collect_widgets() -> None:
    """Delete the widgets let go of, now: deferred deletions and Python's garbage, once
    PyDM's plugin threads have stopped touching them."""
    _pyepics_setups_done()
    for _ in range(2):
        gc.collect()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()


@pytest.fixture(autouse=True)
def widgets_collected(qtbot):
    """Widgets of earlier tests are deleted before a test and its own after it, at a safe
    point. Left to Python's garbage collector, a PyDM widget may be deleted while PyDM's data
    plugin holds its lock to add a connection; its ``destroyed`` handler then waits on that
    lock to remove its own, and the test hangs (the lock is not re-entrant; cf. PyDM pull
    request 1282 for the same lock and the rules engine). Import it into a test module."""
    _collect_widgets()
    yield
    _pyepics_setups_done()
    _collect_widgets()


def channel_addresses(display: QWidget) -> List[str]:
    """Every PV address the display's widgets use now."""
    out = []
    for widget in [display, *display.findChildren(QWidget)]:
        channels = getattr(widget, "channels", None)
        if callable(channels):
            out += [c.address for c in (channels() or []) if c is not None and c.address]
    return out


def open_display(qtbot, macros: Optional[Dict[str, str]] = None, name: str = "chart.ui",
                 show: bool = True, owned: bool = True):
    """A PyDM ``Display`` of the shipped ``name`` with ``macros``, its MacroDefaults applied;
    closed after the test unless not ``owned`` (a display the test lets something replace)."""
    from pydm import Display
    display = Display(ui_filename=str(display_file(name)), macros=dict(macros or {}))
    if owned:
        qtbot.addWidget(display)
    if show:
        display.show()
    qtbot.waitUntil(lambda: channel_addresses(display) and
                    not any("${" in a for a in channel_addresses(display)),
                    timeout=CONNECT_MS)
    _pyepics_setups_done()          # its channels hooked up before anything can close them
    return display


def child(display: QWidget, cls: type, name: str) -> QWidget:
    widget = display.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name!r}"
    return widget


def wait_writable(qtbot, widget: QWidget) -> None:
    """Until a PyDM input widget is connected with write access (PyDM enables it then) and
    has its channel's value (a PyDM button sends nothing before)."""
    qtbot.waitUntil(lambda: widget.isEnabled() and getattr(widget, "_connected", True) and
                    getattr(widget, "value", 0) is not None, timeout=CONNECT_MS)


def press(qtbot, button: QWidget) -> None:
    """Click a PyDM push button the way a mouse does (press and release on it)."""
    wait_writable(qtbot, button)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_and_enter(qtbot, edit: QLineEdit, text: str) -> None:
    """Focus a line edit, replace its text by typing ``text`` and press Enter."""
    wait_writable(qtbot, edit)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick ``text`` in a combo box with the keyboard (each step is a user's choice)."""
    wait_writable(qtbot, combo)
    qtbot.waitUntil(lambda: combo.findText(text) >= 0, timeout=CONNECT_MS)
    target = combo.findText(text)
    combo.setFocus()
    for _ in range(2 * combo.count()):
        if combo.currentIndex() == target:
            return
        key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        qtbot.keyClick(combo, key)
    raise AssertionError(f"could not choose {text!r} in {combo.objectName()}")


def wait_pv(qtbot, pv: str, wanted: Callable[[Any], bool], timeout_ms: int = CHANGE_MS,
            **caget: Any) -> Any:
    """Until the IOC's value of ``pv`` (read afresh) is ``wanted``, with Qt's events
    processed meanwhile (PyDM writes from the event loop); returns that value."""
    seen: List[Any] = []

    def check() -> bool:
        seen[:] = [caget_fresh(pv, **caget)]
        return seen[0] is not None and bool(wanted(seen[0]))
    qtbot.waitUntil(check, timeout=timeout_ms)
    return seen[0]


@contextmanager
def watching(names: Sequence[str], timeout: float = 15.0) -> Iterator[Dict[str, List[Any]]]:
    """Every update of the PVs ``names`` while in the block, by name (a list of values each,
    the first being the value at the start). Through caproto's own client: pyepics would
    share, and its ``disconnect`` close, the channels of a PyDM display under test."""
    from caproto.threading.client import Context

    from tests.support.harness import wait_until
    updates: Dict[str, List[Any]] = {}

    def seen(sub, response):
        data = response.data
        data = data.tolist() if hasattr(data, "tolist") else list(data)   # strings: a list
        updates.setdefault(sub.pv.name, []).append(data[0] if len(data) == 1 else data)
    context = Context()
    subscriptions = []
    try:
        for pv in context.get_pvs(*names, timeout=timeout):
            sub = pv.subscribe(data_type="time")
            sub.add_callback(seen)              # (caproto keeps a weak reference: ``seen``)
            subscriptions.append(sub)
        try:
            wait_until(lambda: len(updates) == len(names), timeout, "a first update")
        except TimeoutError:
            raise AssertionError("no update of "
                                 f"{sorted(set(names) - set(updates))}") from None
        yield updates
    finally:
        for sub in subscriptions:
            sub.clear()
        context.disconnect()


def display_on(qtbot, view, name: str = "chart.ui") -> Tuple[QWidget, str]:
    """Display ``name`` on a chart (a :class:`~tests.support.shared.ChartView`) whose
    sources are connected and which has published a frame, and the chart's PV prefix."""
    from tests.support.chart import chart_ready
    chart = chart_ready(view.chart)
    return open_display(qtbot, {"P": view.prefix}, name=name), chart
