"""pvchart-web's pure parts: NTNDArray to PNG, the page state, write requests, the command line,
the pages' HTML and the CSV writer (no processes, no sockets)."""
from __future__ import annotations

import csv
import io
import math
import time

import numpy as np
import pytest
from caproto import ChannelType
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from iocs.chart.csvexport import csv_text, series, trace_sources
from iocs.chart.pva import encode_frame
from iocs.web.images import FRAME_HEADER, RawImage, decode, encode_png, frame_message
from iocs.web.pages import chart_page, index_page
from iocs.web.settings import build_parser
from iocs.web.state import (
    READOUTS,
    WRITES,
    chart_state,
    format_number,
    plain_value,
    range_text,
    watched_pvs,
    write_request,
)

pytestmark = pytest.mark.unit


def raw_of(fields) -> RawImage:
    """What :func:`iocs.web.images.raw_image` takes from a p4p Value, from the fields the
    chart IOC posts."""
    return RawImage(payload=np.asarray(fields["value"][1]), codec=fields["codec"]["name"],
                    uncompressed_size=fields["uncompressedSize"],
                    dims=[d["size"] for d in fields["dimension"]],
                    unique_id=fields["uniqueId"],
                    stamp=fields["timeStamp"]["secondsPastEpoch"])


def png_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


frames = st.tuples(st.integers(1, 40), st.integers(1, 40), st.booleans(),
                   st.sampled_from(["LZ4", "None"]), st.integers(0, 2**32 - 1))


@settings(max_examples=60, deadline=None)
@given(frames)
def test_frames_of_the_chart_ioc_become_the_same_pixels_as_png(spec):
    height, width, colour, codec, seed = spec
    rng = np.random.default_rng(seed)
    shape = (height, width, 3) if colour else (height, width)
    pixels = rng.integers(0, 256, size=shape, dtype=np.uint8)
    if seed % 2:                                     # runs too, as a chart has
        pixels[: height // 2] = 255
    decoded = decode(raw_of(encode_frame(pixels, codec, 7, time.time())))
    assert np.array_equal(decoded, pixels)
    assert np.array_equal(png_pixels(encode_png(decoded)), pixels)


@pytest.mark.parametrize("change, message", [
    (dict(dims=[3, 4, 4, 1]), "unsupported image dimensions"),
    (dict(dims=[2, 4, 4]), "unsupported image dimensions"),
    (dict(dims=[0, 4]), "outside"),
    (dict(dims=[70000, 70000]), "outside"),
    (dict(codec="jpeg"), "unsupported codec"),
    (dict(uncompressed_size=10), "uncompressedSize"),
    (dict(payload=np.zeros(48, np.uint16)), "not uint8"),
    (dict(payload=np.frombuffer(b"\xff" * 20, np.uint8)), "corrupt LZ4"),
])
def test_bad_frames_are_refused_with_a_reason(change, message):
    fields = encode_frame(np.zeros((4, 4, 3), np.uint8), "LZ4", 1, 0.0)
    raw = raw_of(fields)
    bad = RawImage(**{**raw.__dict__, **change})
    with pytest.raises(ValueError, match=message):
        decode(bad)


def test_a_raw_frame_of_the_wrong_size_is_refused():
    fields = encode_frame(np.zeros((4, 4), np.uint8), "None", 1, 0.0)
    raw = raw_of(fields)
    with pytest.raises(ValueError, match="bytes for a 4x4 image"):
        decode(RawImage(**{**raw.__dict__, "payload": raw.payload[:-1]}))


def test_png_refuses_what_it_cannot_write():
    for array in (np.zeros((2, 2), np.uint16), np.zeros((2, 2, 4), np.uint8),
                  np.zeros(4, np.uint8)):
        with pytest.raises(ValueError, match="cannot write a PNG"):
            encode_png(array)


def test_frame_message_is_header_then_png():
    png = encode_png(np.zeros((2, 3), np.uint8))
    message = frame_message(2**32 + 5, 1234.5, png)
    assert FRAME_HEADER.unpack_from(message) == (5, 1234.5)
    assert message[FRAME_HEADER.size:] == png


# ---- state ------------------------------------------------------------------------------
def test_plain_values_of_every_ca_form():
    assert plain_value(ChannelType.CTRL_ENUM, [1], [b"Off", b"On"]) == "On"
    assert plain_value(ChannelType.CTRL_ENUM, [5], [b"Off", b"On"]) == 5
    assert plain_value(ChannelType.CTRL_CHAR, np.frombuffer(b"A:m.RBV,B\0\0", np.uint8)) \
        == "A:m.RBV,B"
    assert plain_value(ChannelType.STRING, [b"2 of 2 sources connected"]) == \
        "2 of 2 sources connected"
    assert plain_value(ChannelType.CTRL_DOUBLE, np.array([2.5])) == 2.5
    assert plain_value(ChannelType.CTRL_LONG, np.array([7])) == 7
    assert plain_value(ChannelType.TIME_DOUBLE, np.array([1.0, 2.0])) == [1.0, 2.0]


def test_state_shows_what_the_ioc_serves_and_nothing_else():
    values = {"sources": "A:m.RBV,A:m.VAL", "status": "1 of 2 sources connected",
              "window": 60.0, "freeze": "Off", "T1:label": "", "T1:color": "#112233",
              "T2:label": "valve", "T1:min": 1.0, "T1:max": 2.5, "T2:min": float("nan")}
    state = chart_state("chart", values, {"A:m.RBV": True, "A:m.VAL": False},
                        {"pv": "A:chart:Pva1:Image", "connected": True, "error": ""},
                        writable=False)
    assert [t["source"] for t in state["traces"]] == ["A:m.RBV", "A:m.VAL"]
    assert [t["connected"] for t in state["traces"]] == [True, False]
    assert [t["label"] for t in state["traces"]] == ["A:m.RBV", "valve"]
    assert state["traces"][0]["color"] == "#112233"
    assert state["traces"][1]["color"].startswith("#")            # the palette's
    assert state["readouts"] == ["min", "max"]                    # only those served
    assert state["traces"][0]["readouts"] == {"min": "1", "max": "2.5"}
    assert state["traces"][1]["readouts"] == {"min": "\u2013"}
    assert state["controls"] == []                                # read-only
    assert "sources" not in state["settings"] and state["settings"]["window"] == 60.0
    writable = chart_state("chart", dict(values, back=0, live="On"), {}, {}, writable=True)
    assert writable["controls"] == ["window", "back", "live", "freeze"]  # served ones only


def test_watched_pvs_cover_settings_and_every_trace():
    names = watched_pvs()
    assert {"sources", "status", "end", "endText", "live", "cursor", "archiverStatus"} <= \
        set(names)
    assert {f"T8:{r}" for r in READOUTS} <= set(names) and len(names) == len(set(names))


@pytest.mark.parametrize("values, text", [
    ({"window": 60.0}, "last 1 min"),
    ({"window": 20.0, "live": "On"}, "last 20 s (live)"),
    ({"window": 600.0, "live": "Off", "endText": "2024-05-01 12:00:00"},
     "10 min up to 2024-05-01 12:00:00"),
    ({"window": 7200.0, "freeze": "On"}, "last 2 h, frozen"),
    ({}, ""),
])
def test_range_in_words(values, text):
    assert range_text(values) == text


def test_numbers_as_readouts():
    assert [format_number(v) for v in (3, 1.23456789, float("inf"), -float("inf"), "x")] == \
        ["3", "1.23457", "\u221e", "-\u221e", "x"]


@pytest.mark.parametrize("pv, value, expected", [
    ("window", 30, ("window", 30.0)), ("window", "45.5", ("window", 45.5)),
    ("freeze", "On", ("freeze", "On")), ("freeze", 0, ("freeze", "Off")),
    ("live", "Off", ("live", "Off")), ("back", 1, ("back", 1)), ("forward", True,
                                                                 ("forward", 1)),
])
def test_write_requests_that_pass(pv, value, expected):
    assert write_request(pv, value) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) |
    st.dictionaries(st.text(max_size=5), children, max_size=3), max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(WRITES), json_values), json_values)
def test_any_write_request_is_a_known_control_and_value_or_a_value_error(pv, value):
    try:
        name, checked = write_request(pv, value)
    except ValueError:
        return
    assert name in WRITES
    if name == "window":
        assert math.isfinite(checked) and 1.0 <= checked <= 86400.0
    elif name in ("freeze", "live"):
        assert checked in ("Off", "On")
    else:
        assert checked == 1


# ---- command line and pages --------------------------------------------------------------
def test_the_defaults_are_loopback_port_8080_read_only():
    args = build_parser().parse_args([])
    assert (args.bind, args.port, args.allow_writes, args.charts) == \
        ("127.0.0.1", 8080, False, "chart")


@pytest.mark.parametrize("argv, text", [
    (["--port", "65536"], "outside 1..65535"), (["--port", "1.5"], "not a whole number"),
    (["--bind", "localhost"], "not an IP address"), (["--charts", "chart:x"], "not a chart"),
    (["--charts", ",".join(f"c{i}" for i in range(40))], "at most 32"),
    (["--charts", "a,a"], "listed twice"), (["--charts", ""], "no chart named"),
    (["--port", "http"], "not a number"), (["--prefix", "A B:"], "not a PV prefix"),
    (["--allow-write"], "unrecognized"),
])
def test_bad_options_are_usage_errors(argv, text, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2 and text in capsys.readouterr().err


def test_options_are_normalised():
    args = build_parser().parse_args(["--bind", "::1", "--charts", " a , b-2 "])
    assert (args.bind, args.charts) == ("::1", "a,b-2")


def test_pages_escape_names_and_offer_controls_only_when_writable():
    read_only = chart_page("chart", "<P>chart:", writable=False)
    assert "controls" not in read_only and "<button" not in read_only
    assert "&lt;P&gt;chart:" in read_only and 'href="chart.png"' in read_only
    writable = chart_page("chart", "P:chart:", writable=True)
    assert all(f'data-control="{c}"' in writable for c in WRITES)
    assert "<option value=\"3600\">1 h</option>" in writable
    index = index_page(["chart", "vacuum"], "P:")
    assert 'href="chart/vacuum"' in index and 'src="chart/vacuum.png"' in index
    assert "http" not in index.replace('href="chart', "")         # nothing from elsewhere


# ---- CSV ----------------------------------------------------------------------------------
def test_csv_rows_as_the_display_writes_them():
    data = [series(1, "A:m.RBV", [1.7e9, 1.7e9 + 0.5], [0.1, 0.2], [0, 2]),
            series(2, "A:m.VAL", 1.7e9, 3.0, 1)]                    # one sample: scalars
    text, rows = csv_text(data)
    assert rows == 3 and text.count("\r\n") == 4
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [r["trace"] for r in parsed] == ["1", "1", "2"]
    assert parsed[1]["epoch_s"] == "1700000000.500000" and parsed[1]["value"] == "0.2"
    assert parsed[1]["severity"] == "2" and parsed[1]["time"].endswith(".500")
    assert trace_sources(b"A:m.RBV, A:m.VAL\0junk") == [(1, "A:m.RBV"), (2, "A:m.VAL")]
    assert trace_sources("") == []
