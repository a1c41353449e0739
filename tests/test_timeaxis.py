"""The time axis: relative units when live, round local date/time ticks when looking back."""
import os
import re
import time

import pytest

from iocs.chart.timeaxis import (
    AbsoluteTicks,
    RelativeTicks,
    TimeLabels,
    absolute_label,
    absolute_step,
    absolute_ticks,
    axis_label,
    relative_unit,
)

pytestmark = pytest.mark.unit
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
#: Central European time with its summer time, as a POSIX rule (needs no tz database).
CET = "CET-1CEST,M3.5.0,M10.5.0/3"
#: 2025-10-27 12:00 CET: the day after the clocks went back.
END = 1761562800.0


@pytest.fixture
def zone():
    """Local time is CET/CEST for the test."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = CET
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.mark.parametrize("window, unit", [(10, "s"), (60, "s"), (600, "min"),
                                          (2 * HOUR, "min"), (DAY, "h"), (7 * DAY, "days"),
                                          (31 * DAY, "days")])
def test_live_axis_counts_back_in_a_unit_for_the_span(window, unit):
    assert relative_unit(window)[0] == unit
    ticks = RelativeTicks(window, 8).tick_values(-window, 0.0)
    assert 2 <= len(ticks) <= 9 and ticks[-1] == 0.0
    labels = [TimeLabels(window)(t) for t in ticks]
    assert labels[-1] == "0" and all(re.fullmatch(r"-?\d+(\.\d+)?", s) for s in labels)
    assert axis_label(END, window, True) == f"time relative to now ({unit})"


def test_live_minute_looks_as_it_did():
    ticks = RelativeTicks(60.0, 9).tick_values(-60.0, 0.0)
    assert ticks == [-60.0, -50.0, -40.0, -30.0, -20.0, -10.0, 0.0]


@pytest.mark.parametrize("window", [MINUTE, 10 * MINUTE, HOUR, 6 * HOUR, DAY, 3 * DAY, 7 * DAY,
                                    31 * DAY])
def test_look_back_ticks_fall_on_round_local_times(zone, window):
    step = absolute_step(window, 8)
    ticks = absolute_ticks(END - window, END, step)
    assert 2 <= len(ticks) <= 9
    assert all(END - window <= t <= END for t in ticks)
    for t in ticks:
        local = time.localtime(t)
        seconds = local.tm_hour * 3600 + local.tm_min * 60 + local.tm_sec
        if step < DAY:
            assert seconds % step == 0, time.ctime(t)
        else:
            assert seconds == 0, time.ctime(t)         # local midnight, also across DST
    labels = [absolute_label(t, step) for t in ticks]
    dates = [s for s in labels if re.fullmatch(r"\d\d [A-Z][a-z]{2}", s)]
    assert len(set(dates)) == len(dates)
    if window < DAY:
        assert len(set(labels)) == len(labels)
    if window >= 3 * DAY:
        assert len(dates) >= 2                              # a span of days shows dates
    if window <= MINUTE:
        assert all(re.fullmatch(r"\d\d:\d\d:\d\d", s) for s in labels)
    else:
        assert all(re.fullmatch(r"\d\d:\d\d|\d\d [A-Z][a-z]{2}", s) for s in labels)


def test_a_day_back_shows_the_date_at_midnight_and_in_the_label(zone):
    step = absolute_step(DAY, 8)
    labels = [absolute_label(t, step) for t in absolute_ticks(END - DAY, END, step)]
    assert "27 Oct" in labels and "18:00" in labels
    assert axis_label(END, DAY, False) == "CET 2025-10-26 .. 2025-10-27"
    assert axis_label(END, HOUR, False) == "CET 2025-10-27"


def test_tickers_work_in_seconds_before_the_right_edge(zone):
    ticks = AbsoluteTicks(END, HOUR, 7)
    rel = ticks.tick_values(-HOUR, 0.0)
    assert rel[-1] == 0.0 and rel[0] == -HOUR              # 11:00 .. 12:00, every 10 min
    labels = TimeLabels(HOUR, END, ticks.step)
    assert [labels(x) for x in rel] == ["11:00", "11:10", "11:20", "11:30", "11:40", "11:50",
                                        "12:00"]
