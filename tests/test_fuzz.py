"""Property-based fuzzing of every writable PV of both IOCs, over every wire type (issue 13).

Values: NaN, infinities, denormals, extremes, huge integers, text, bytes and arrays. After
each put (caproto's client: the IOC's error message): the IOC is alive; a refused value came
back as a CA error and changed nothing; an accepted value reads back (pyepics) as finite
numbers or text. After the run: sane settings
restored, the axis still moves, and the autosaved state starts a working IOC.
``make fuzz`` runs more examples (PVCHART_FUZZ_EXAMPLES, default 1000; 100 here otherwise),
random rather than derandomized (Hypothesis' "fuzz" profile, tests/conftest.py).
"""
import os

import numpy as np
import pytest
from caproto import CaprotoError, ChannelType
from caproto.sync.client import ErrorResponseReceived
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iocs.chart.settings import CHART, PRESETS, TRACE
from iocs.motor.fields import FIELDS
from tests.support.harness import PATIENCE, ca_write, caget_fresh, caput, wait_until

pytestmark = pytest.mark.ioc

EXAMPLES = int(os.environ.get("PVCHART_FUZZ_EXAMPLES", 100))
WIRE = [ChannelType.DOUBLE, ChannelType.FLOAT, ChannelType.LONG, ChannelType.INT,
        ChannelType.STRING, ChannelType.CHAR, ChannelType.ENUM]
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 5e-324, 1e-320, 1e308, -1e308, 2.0**31, 1e300]),
    st.integers(min_value=-2**63, max_value=2**63 - 1))
VALUES = st.one_of(NUMBERS, st.text(max_size=60), st.binary(max_size=60),
                   st.lists(NUMBERS, min_size=0, max_size=6))
#: The loaded profile's settings (no deadline; derandomized unless fuzzing), this many examples.
FIGURES = settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))


def read(pv):
    """The PV's value now (pyepics: its channel stays connected between examples)."""
    value = caget_fresh(pv, timeout=PATIENCE)
    assert value is not None, f"{pv} did not answer"
    return value


def same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and np.array_equal(
            a, b, equal_nan=a.dtype.kind == "f" and b.dtype.kind == "f")
    return a == b or (a != a and b != b)          # NaN is NaN


def put(pv, value, dtype):
    """Put and wait up to 1 s; (accepted, error message)."""
    data = value if isinstance(value, list) else [value]
    try:
        ca_write(pv, data, data_type=dtype, notify=True, timeout=1.0, repeater=False)
    except ErrorResponseReceived as ex:
        return False, bytes(ex.args[0].error_message).decode(errors="replace")
    except TimeoutError:
        return True, ""                      # accepted and still busy (a move)
    except (CaprotoError, ValueError, TypeError, OverflowError, UnicodeError):
        assume(False)                        # the client cannot encode it: not our test
    return True, ""


def check_put(ioc, pv, value, dtype, settle):
    before = read(pv)
    accepted, message = put(pv, value, dtype)
    assert ioc.alive(), ioc.log()
    if not accepted:
        assert message.strip(), f"{pv}: refused without a reason"
        assert same(read(pv), before), f"{pv}: a refused {value!r} changed it"
        return
    stored = np.asarray(read(pv))
    if stored.dtype.kind in "iuf":                      # numbers (not text)
        assert np.all(np.isfinite(stored)), f"{pv} stored {stored} from {value!r}"
    settle()                                 # an accepted put may have started something


def test_fuzz_every_writable_motor_field(motor_ioc, prefix, tmp_path):
    m = f"{prefix}motor"
    writable = [f"{m}.{s.name}" for s in FIELDS if not s.read_only]

    def settle():                        # pyepics: its channels stay connected
        for field, value in (("STOP", 1), ("SPMG", "Go"), ("SET", "Use"), ("DISA", 0),
                             ("CNEN", "Enable"), ("JOGF", 0), ("JOGR", 0)):
            caput(f"{m}.{field}", value)

    @FIGURES
    @given(pv=st.sampled_from(writable), value=VALUES, dtype=st.sampled_from(WIRE))
    def fuzz(pv, value, dtype):
        check_put(motor_ioc, pv, value, dtype, settle)
    fuzz()
    sane = dict(MRES=0.0001, UREV=0.02, VMAX=100.0, VBAS=0.0, VELO=10.0, ACCL=0.1,
                BDST=0.0, RTRY=0, DLY=0.0, DHLM=100.0, DLLM=-100.0, OFF=0.0, DIR="Pos",
                SPDB=0.0, FRAC=1.0)
    for field, value in sane.items():
        caput(f"{m}.{field}", value)
    for target in (1.0, -1.0):
        caput(f"{m}.VAL", target)
        assert read(f"{m}.RBV") == pytest.approx(target, abs=1e-3)
    motor_ioc.restart()                          # the autosaved state starts an IOC
    caput(f"{m}.VAL", 0.0)
    assert read(f"{m}.RBV") == pytest.approx(0.0, abs=1e-3)


def test_fuzz_every_writable_chart_setting(chart_ioc, prefix):
    c = f"{prefix}chart:"
    writable = ([c + s.name for s in CHART if s.name != "sources"] + [c + "clear"] +
                [f"{c}T{n}:{s.name}" for n in (1, 2, 8) for s in TRACE] +
                [f"{prefix}SERVER.{s.name}" for s in PRESETS] +
                [f"{prefix}SERVER.choices", f"{prefix}SERVER.jog"])

    def settle():
        caput(f"{prefix}motor.STOP", 1)

    @FIGURES
    @given(pv=st.sampled_from(writable), value=VALUES, dtype=st.sampled_from(WIRE))
    def fuzz(pv, value, dtype):
        check_put(chart_ioc, pv, value, dtype, settle)
    fuzz()
    # a chart that shows something moving: live, a short window (a 31-day window slides by a
    # pixel an hour, a held range or an XY plot of still sources draws nothing new)
    for name, value in (("freeze", "Off"), ("rate", 10.0), ("width", 320), ("height", 240),
                        ("mode", "Time"), ("window", 20.0), ("live", "On")):
        caput(c + name, value)
    uid = read(c + "UniqueId_RBV")
    wait_until(lambda: read(c + "UniqueId_RBV") > uid + 2, PATIENCE, "frames again")
    chart_ioc.restart()
    assert read(c + "width") == 320
