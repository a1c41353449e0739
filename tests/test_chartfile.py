"""Chart files: the own TOML/JSON format and StripTool/Data Browser imports, without an IOC.

The samples in tests/data are written from each format's documentation (see the docstrings of
iocs.chart.chart_imports): vacuum.stp, rf.plt, beamline.toml/.json and malformed ones.
"""
import logging
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iocs.chart.chart_plt import span_seconds
from iocs.chart.chartfile import (
    ChartFile,
    ChartFileError,
    chart_toml,
    load_chart,
    save_chart,
    save_target,
    toml_value,
)
from iocs.chart.settings import CHART, TRACE, check_color, check_size, parse_sources

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = int(os.environ.get("PVCHART_FUZZ_EXAMPLES", 100))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
WINDOW_MAX = CHART["window"].high


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


# ---- each format maps what it should --------------------------------------------------------
def test_striptool_file_maps_sources_colours_ranges_log_and_time():
    c = load_chart(DATA / "vacuum.stp")
    assert c.kind == "stp"
    assert c.chart == {"sources": "BL:VAC:IG1:P,BL:VAC:IP1:I,BL:VAC:VALVE1:POS",
                       "window": 1800.0, "rate": 2.0}
    assert c.traces == {
        "T1": {"label": 'Ion gauge 1, "sector 3" \\ front end', "color": "#0000ff",
               "autoscale": "Off", "ymin": 1e-10, "ymax": 1e-4, "log": "On"},
        "T2": {"color": "#6b8e23", "autoscale": "Off", "ymin": 0.0, "ymax": 0.005,
               "log": "Off"},
        # curve 3 (after a gap) is the third source and keeps StripTool's Color4
        "T3": {"color": "#5f9ea0", "log": "Off"}}


def test_data_browser_file_maps_pvs_axes_colours_time_and_title():
    c = load_chart(DATA / "rf.plt")
    assert (c.kind, c.title) == ("plt", "RF cavity 2")
    assert c.chart == {"sources": "SR:RF2:FWD,SR:RF2:REV,SR:RF2:VAC",
                       "window": 2.5 * 3600, "rate": 0.5}
    power = {"autoscale": "Off", "ymin": 0.0, "ymax": 50.0, "log": "Off"}
    assert c.traces == {
        "T1": {"label": "Forward power", "color": "#e69f00", **power},
        "T2": {"color": "#0072b2", **power},          # display name = PV name: no label
        "T3": {"label": 'Cavity vacuum & "coupler"', "color": "#009e73", "autoscale": "On",
               "ymin": 1e-10, "ymax": 1e-6, "log": "On"}}


def test_own_format_in_toml_and_json_gives_the_same_chart():
    toml, json = load_chart(DATA / "beamline.toml"), load_chart(DATA / "beamline.json")
    assert (toml.kind, json.kind) == ("toml", "json")
    assert toml.chart == json.chart == {
        "sources": "BL:M1:pitch.RBV,BL:M1:pitch.VAL,SR:DCCT", "window": 600.0, "rate": 5.0,
        "width": 800, "height": 600, "layout": "Overlay", "ColorMode": "RGB1"}
    assert toml.traces == json.traces == {
        "T1": {"label": "Pitch (µrad)", "color": "#d55e00"},
        "T2": {"label": "Pitch setpoint", "autoscale": "Off", "ymin": -50.0, "ymax": 50.5},
        "T3": {"label": "Ring current", "log": "On"}}
    assert toml.title == json.title == "Mirror M1 and ring current"
    assert toml.unmapped == json.unmapped == []


@pytest.mark.parametrize("sample, expected", [
    ("vacuum.stp", ["Strip.Time.NumSamples: not mapped", "Strip.Option.GraphLineWidth: not "
                    "mapped", "Strip.Curve.*.Units: the chart shows the PV's EGU",
                    "Strip.Curve.1.PlotStatus 0: the hidden curve is shown"]),
    ("rf.plt", ["formula ratio = x2/x1: the chart has no formulas",
                "archive data source Accelerator (pbraw://archiver.example.org:17668/"
                "retrieval): the chart uses its own archiver setting",
                "<trace_type> AREA: drawn as the chart's line",
                "<trace_type> SINGLE_LINE: drawn as the chart's line",
                "<period> 1.0: the chart monitors instead of scanning",
                "<pv><visible> false: not mapped", "<title_font>: not mapped",
                "<axis><right> true: not mapped"]),
])
def test_what_does_not_map_is_logged_once_each_with_the_file(sample, expected, caplog):
    with caplog.at_level(logging.WARNING, logger="iocs.chart.chartfile"):
        c = load_chart(DATA / sample)
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert logged == [f"{DATA / sample}: {note}" for note in c.unmapped]
    assert len(set(c.unmapped)) == len(c.unmapped)
    assert set(expected) <= set(c.unmapped)
    # what does map, or asks for what the chart does anyway, is not noted
    assert not any(n.startswith(("<pv><waveform_index>", "<axis><min>", "<title>",
                                 "Strip.Curve.*.Name")) for n in c.unmapped)


# ---- bad files: a clear error naming file and line ------------------------------------------
@pytest.mark.parametrize("sample, line, reason", [
    ("bad_timespan.stp", 2, "Strip.Time.Timespan: 'half an hour' is not a whole number"),
    ("bad_color.stp", 4, "Strip.Color.Color2: '0         green     0' is not a colour"),
    ("nine_curves.stp", 11, "sources: at most 8 sources, not 9"),
    ("not_closed.plt", 7, "not well-formed XML: mismatched tag"),
    ("bad_color.plt", 7, "<color><red> '300' is not 0..255"),
    ("bad_start.plt", 4, "<start>: 'since lunch' is not a relative time"),
    ("broken.toml", 5, "not valid TOML: Invalid value"),
    ("unknown_key.toml", 5, "colour_mode: not a chart setting (one of sources, rate,"),
    ("out_of_range.toml", 8, "T1:ymax: inf is not a finite number"),
])
def test_malformed_sample_names_file_line_and_reason(sample, line, reason):
    with pytest.raises(ChartFileError) as caught:
        load_chart(DATA / sample)
    assert str(caught.value).startswith(f"{DATA / sample}:{line}: {reason}")
    assert caught.value.line == line


@pytest.mark.parametrize("name, content, line, reason", [
    ("a.stp", "StripTool config\n", 1, "not a StripTool configuration"),
    ("a.stp", "StripConfig 1.3\n", 1, "StripConfig 1.3 is newer than 1.2"),
    ("a.stp", "StripConfig 1.2\nStrip.Curve.12.Name X\n", 2, "Strip.Curve.12.Name: bad curve"),
    ("a.stp", "StripConfig 1.2\nStrip.Curve.0.Name X\nStrip.Curve.0.Scale 2\n", 3,
     "Strip.Curve.0.Scale: '2' is neither 0"),
    ("a.stp", "StripConfig 1.2\nStrip.Curve.0.Name X\nStrip.Curve.0.Min low\n", 3,
     "Strip.Curve.0.Min: 'low' is not a number"),
    ("a.stp", "StripConfig 1.2\nStrip.Time.RefreshInterval 0\n", 2,
     "Strip.Time.RefreshInterval: '0' is not a positive number"),
    ("a.stp", "StripConfig 1.2\nStrip.Curve.0.Name bad!name\n", 2, "sources: 'bad!name' is "
     "not a PV name"),
    ("a.plt", "<?xml version='1.0'?>\n<stripchart/>\n", 2, "the root element is <stripchart>"),
    ("a.plt", "<databrowser>\n<pvlist><pv><name>A</name><axis>x</axis></pv></pvlist>\n"
     "</databrowser>", 2, "<axis> 'x' is not an axis index"),
    ("a.plt", "<databrowser>\n<scroll>false</scroll>\n<start>2024-05-01 10:00</start>\n"
     "<end>yesterday</end></databrowser>", 4, "<end> 'yesterday' is not a time"),
    ("a.plt", "<databrowser><scroll>false</scroll>\n<start>2024-05-01T10:00+02:00</start>\n"
     "<end>2024-05-01 12:00</end></databrowser>", 3, "<start> and <end> mix times with"),
    ("a.plt", "<!DOCTYPE d [\n<!ENTITY a 'aaaaaaaa'>\n<!ENTITY b '&a;&a;&a;&a;'>\n]>\n"
     "<databrowser><title>&b;</title></databrowser>", 2, "entity declarations are not "
     "allowed"),
    ("a.toml", "[chart]\nrate = true\n", 2, "rate: true is not a float"),
    ("a.toml", "[chart]\nlayout = true\n", 2, "layout: true is not a menu"),
    ("a.toml", "[chart]\nsources = ['A', 'B']\n", 2, "sources: ['A', 'B'] is not a text"),
    ("a.toml", "[chart]\nwidth = 4096\nheight = 4096\n", 3, "size 4096x4096 exceeds"),
    ("a.toml", "version = 2\n", 1, "version 2: written by a newer pvchart"),
    ("a.toml", "version = 1\nchart.rate = 100\n", 2, "rate: 100 Hz outside 0.1..60"),
    ("a.toml", "version = 1\n\n[T9]\nlabel = 'x'\n", 3, "unknown key 'T9'"),
    ("a.toml", "[T2]\nlabel = 'a label far longer than thirty-nine bytes'\n", 2,
     "T2:label: text longer than 39 bytes"),
    ("a.toml", "[T1]\ncolor = 'blue'\n", 2, "T1:color: 'blue' is not a colour #rrggbb"),
    ("a.json", '{"chart": {\n "rate": 10,\n "window": 0.5}}', 3, "window: 0.5 s outside 1.."),
    ("a.json", '{"chart": {\n "rate": 10,,}}', 2, "not valid JSON: Expecting property name"),
    ("a.json", "[1, 2]", 1, "the top level is not an object"),
    ("a.toml", b"title = 'caf\xe9'\n", 1, "not UTF-8 text (byte 0xe9)"),
    ("a.plt", b"<databrowser>\n\0\0\0</databrowser>", 2, "binary data (a NUL byte)"),
    ("a.stp", b"StripConfig 1.2\n\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 4, "binary data"),
])
def test_malformed_file_names_file_line_and_reason(tmp_path, name, content, line, reason):
    path = write(tmp_path, name, content)
    with pytest.raises(ChartFileError) as caught:
        load_chart(path)
    assert str(caught.value).startswith(f"{path}:{line}: {reason}"), str(caught.value)


def test_missing_unknown_oversize_and_directory_files_are_clear_errors(tmp_path):
    cases = {tmp_path / "none.toml": "no such file",
             write(tmp_path, "chart.xml", "<databrowser/>"): "unknown kind of chart file "
             "'.xml': expected .toml, .json, .stp, .plt",
             write(tmp_path, "big.toml", "#" * (2 << 20)): "larger than 1048576 bytes",
             tmp_path / "folder.plt": "a directory, not a chart file",
             write(tmp_path, "deep.json", "[" * 100000 + "]" * 100000): "nested too deeply"}
    (tmp_path / "folder.plt").mkdir()
    for path, reason in cases.items():
        with pytest.raises(ChartFileError) as caught:
            load_chart(path)
        assert str(caught.value).startswith(f"{path}: {reason}")


def test_many_keys_still_give_the_line_of_the_first_bad_one(tmp_path):
    keys = "".join(f"key{n} = {n}\n" for n in range(60000))
    path = write(tmp_path, "many.toml", f"[chart]\nrate = 5\n{keys}")
    with pytest.raises(ChartFileError, match=r"many.toml:3: key0: not a chart setting"):
        load_chart(path)


def test_striptool_file_in_latin1_loads(tmp_path):
    path = write(tmp_path, "old.stp", "StripConfig 1.2\nStrip.Curve.0.Name BL:T\n"
                                      "Strip.Curve.0.Comment Temp \xb5C\n".encode("latin-1"))
    assert load_chart(path).traces["T1"]["label"] == "Temp µC"


# ---- imports fit values into range, with a note ---------------------------------------------
def test_imported_time_span_clamped_into_the_window_range_with_a_note(tmp_path, caplog):
    path = write(tmp_path, "year.plt", "<databrowser><start>-2 years</start><end>now</end>"
                                       "</databrowser>")
    with caplog.at_level(logging.WARNING):
        c = load_chart(path)
    assert c.chart == {"window": WINDOW_MAX}
    note = f"window {2 * 365 * 86400:g} s clamped to {WINDOW_MAX:g} s"
    assert any(n.startswith(note) for n in c.unmapped)
    assert any(note in r.getMessage() and str(path) in r.getMessage() for r in caplog.records)


def test_imported_rate_and_label_fitted(tmp_path):
    label = "Ion gauge in the front end of sector three, upstream"
    path = write(tmp_path, "fast.stp", f"StripConfig 1.2\nStrip.Time.RefreshInterval 0.001\n"
                                       f"Strip.Curve.0.Name A\nStrip.Curve.0.Comment {label}\n")
    c = load_chart(path)
    assert c.chart["rate"] == CHART["rate"].high
    assert c.traces["T1"]["label"] == label.encode()[:39].decode()
    assert any(n.startswith("T1:label ") and "cut to" in n for n in c.unmapped)


def test_absolute_data_browser_range_becomes_a_live_window(tmp_path):
    path = write(tmp_path, "shift.plt", "<databrowser><scroll>false</scroll>"
                                        "<start>2024/05/01 06:00:00.000</start>"
                                        "<end>2024-05-01 08:30:00.000</end></databrowser>")
    c = load_chart(path)
    assert c.chart == {"window": 2.5 * 3600}
    assert any("shown as a live window" in n for n in c.unmapped)


@pytest.mark.parametrize("text, seconds", [
    ("-1 days", 86400), ("-2 hours -30 minutes", 9000), ("-1.5 hours", 5400),
    ("-3 days -10 minutes -3.124 seconds", 3 * 86400 + 600 + 3.124), ("2 weeks", 14 * 86400),
    ("-1 month", 30 * 86400), ("1 year", 365 * 86400), ("now", 0), ("-90 sec", 90),
    ("-500 ms", 0.5), ("day", 86400)])
def test_data_browser_relative_times(text, seconds):
    assert span_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "yesterday", "-1 fortnights", "1 days ago", "-1"])
def test_data_browser_relative_time_refused(text):
    with pytest.raises(ValueError, match="is not a relative time"):
        span_seconds(text)


# ---- the writer and the round trip ----------------------------------------------------------
@pytest.mark.parametrize("value, text", [
    ('say "hi"', r'"say \"hi\""'), ("C:\\path", r'"C:\\path"'), ("two\nlines", r'"two\nlines"'),
    ("tab\tcr\r", r'"tab\tcr\r"'), ("\x01\x7f\x1b", r'"\u0001\u007F\u001B"'),
    ("µA ✓ 𝜇", '"µA ✓ 𝜇"'), (1.0, "1.0"), (-0.0, "-0.0"), (1e-300, "1e-300"),
    (12, "12"), (True, "true"), (False, "false")])
def test_toml_values(value, text):
    assert toml_value(value) == text


def test_writer_refuses_what_toml_cannot_hold():
    for bad in (float("nan"), float("inf"), None, [1]):
        with pytest.raises((ValueError, TypeError)):
            toml_value(bad)


PV_NAMES = st.lists(st.from_regex(r"[A-Za-z0-9_:.\-]{1,30}", fullmatch=True), max_size=8,
                    unique=True).map(",".join)
TEXT = st.text(st.one_of(st.sampled_from('"\\\n\r\t\b\f\x7f\x01\x1f\'#=[]'),
                         st.characters(blacklist_categories=("Cs",))), max_size=40)


def setting_values(setting):
    """Any value ``setting`` accepts, as its coerce returns it."""
    if setting.check is parse_sources:
        raw = PV_NAMES
    elif setting.check is check_color:
        raw = st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True)
    elif setting.kind == "float":
        raw = st.floats(setting.low, setting.high, allow_nan=False, allow_infinity=False)
    elif setting.kind == "int":
        raw = st.integers(int(setting.low), int(setting.high))
    elif setting.kind == "menu":
        raw = st.sampled_from(setting.choices)
    else:
        raw = st.one_of(st.just(setting.default), TEXT)

    def valid(value):
        try:
            setting.coerce(value)
        except ValueError:
            return False
        return True
    return raw.filter(valid).map(setting.coerce)


def settings_of(table):
    return st.fixed_dictionaries({}, optional={s.name: setting_values(s)
                                               for s in table.saved()})


@PROPERTY
@given(chart=settings_of(CHART),
       traces=st.dictionaries(st.sampled_from([f"T{n}" for n in range(1, 9)]),
                              settings_of(TRACE), max_size=8),
       title=TEXT)
def test_round_trip_any_valid_settings(chart, traces, title):
    if "width" in chart and "height" in chart:
        try:
            check_size(chart["width"], chart["height"])
        except ValueError:
            assume(False)
    with tempfile.TemporaryDirectory() as folder:       # chart_toml: save_chart without fsync
        path = Path(folder) / "chart.toml"
        path.write_text(chart_toml(chart, traces, title), encoding="utf-8")
        loaded = load_chart(path)
    given_traces = {name: values for name, values in traces.items() if values}
    assert (loaded.chart, loaded.traces, loaded.title) == (chart, given_traces, title)
    assert loaded.unmapped == []


def test_saved_file_is_commented_and_loads_again(tmp_path):
    imported = load_chart(DATA / "rf.plt")
    path = tmp_path / "rf.toml"
    save_chart(path, imported.chart, imported.traces, imported.title)
    text = path.read_text()
    assert text.startswith("# pvchart chart file (TOML, format 1)")
    assert "# Time span shown (1.." in text and "\n[T3]\n" in text
    again = load_chart(path)
    assert (again.chart, again.traces, again.title) == \
        (imported.chart, imported.traces, imported.title)


@pytest.mark.parametrize("chart, traces, reason", [
    ({"rate": 100.0}, {}, "rate: 100 Hz outside"),
    ({"bogus": 1}, {}, "chart: no setting 'bogus'"),
    ({}, {"T9": {}}, "no trace T9"),
    ({}, {"T1": {"color": "red"}}, "'red' is not a colour"),
    ({"width": 4096, "height": 4096}, {}, "size 4096x4096 exceeds"),
])
def test_save_refuses_invalid_settings_and_writes_nothing(tmp_path, chart, traces, reason):
    path = tmp_path / "chart.toml"
    with pytest.raises(ValueError, match=reason.replace("(", r"\(")):
        save_chart(path, chart, traces)
    assert list(tmp_path.iterdir()) == []


# ---- where chart:save writes ----------------------------------------------------------------
def test_save_target_rules(tmp_path):
    own, auto = tmp_path / "beam.toml", tmp_path / "autosave"
    assert save_target(own, auto, "BL:chart:") == own
    assert save_target(tmp_path / "beam.TOML", None, "x") == tmp_path / "beam.TOML"
    for imported in ("vacuum.stp", "rf.plt", "beamline.json", "OLD.STP"):
        target = save_target(tmp_path / imported, auto, "BL:chart:")
        assert target == (tmp_path / imported).with_suffix(".toml") != tmp_path / imported
    assert save_target(None, auto, "BL:chart:") == auto / "BL_chart.chart.toml"
    with pytest.raises(ValueError, match="nowhere to save"):
        save_target(None, None, "BL:chart:")


@pytest.mark.parametrize("sample", ["vacuum.stp", "rf.plt", "beamline.json"])
def test_saving_an_import_never_overwrites_it(tmp_path, sample):
    source = tmp_path / sample
    source.write_bytes((DATA / sample).read_bytes())
    loaded = load_chart(source)
    target = save_target(source, tmp_path / "autosave", "BL:chart:")
    save_chart(target, loaded.chart, loaded.traces, loaded.title)
    assert source.read_bytes() == (DATA / sample).read_bytes()
    again = load_chart(target)
    assert isinstance(again, ChartFile) and again.kind == "toml"
    assert (again.chart, again.traces) == (loaded.chart, loaded.traces)


# ---- damaged files never escape as anything but ChartFileError -----------------------------
SAMPLES = ["beamline.toml", "beamline.json", "vacuum.stp", "rf.plt"]


@PROPERTY
@given(sample=st.sampled_from(SAMPLES), data=st.data())
def test_damaged_sample_loads_or_gives_a_chart_file_error(sample, data):
    raw = bytearray((DATA / sample).read_bytes())
    del raw[data.draw(st.integers(0, len(raw)), label="cut"):]
    for _ in range(data.draw(st.integers(0, 4), label="edits")):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / sample
        path.write_bytes(bytes(raw))
        try:
            load_chart(path)
        except ChartFileError as ex:
            assert str(ex).startswith(f"{path}")
