"""Atomic autosave files: round trip, missing and corrupt files."""
import json
import logging

import pytest

from iocs.common.autosave import AutosaveFile

pytestmark = pytest.mark.unit


def test_round_trip_and_atomic_replace(tmp_path):
    f = AutosaveFile(tmp_path / "sub" / "a.json")
    f.save({"x": 1.5})
    f.save({"x": 2.5, "y": "mm"})
    assert f.load() == {"x": 2.5, "y": "mm"}
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["a.json"]


def test_missing_file_gives_defaults_and_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        assert AutosaveFile(tmp_path / "none.json").load() == {}
    assert "missing" in caplog.text


def test_corrupt_file_is_kept_aside(tmp_path, caplog):
    path = tmp_path / "a.json"
    path.write_text('{"x": 1.0, "trunc')
    f = AutosaveFile(path)
    with caplog.at_level(logging.WARNING):
        assert f.load() == {}
    assert "corrupt" in caplog.text
    kept = list(tmp_path.glob("a.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == '{"x": 1.0, "trunc'
    assert not path.exists()
    f.save({"x": 3.0})
    assert json.loads(path.read_text()) == {"x": 3.0}
    assert kept[0].read_text() == '{"x": 1.0, "trunc'   # never overwritten


def test_non_object_is_corrupt(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("[1, 2]")
    assert AutosaveFile(path).load() == {}
    assert list(tmp_path.glob("a.json.corrupt-*"))
