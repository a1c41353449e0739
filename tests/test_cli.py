"""The command lines, in process: every option explained with its default; bad values are
usage errors (exit 2) before anything starts. (That the commands run as processes is shown
by the tests that run them: test_hardening, test_commands, test_install.)"""
import importlib

import pytest

pytestmark = pytest.mark.unit

#: (module with main(argv), arguments before --help)
COMMANDS = [("iocs.motor.ioc", []), ("iocs.chart.ioc", []), ("iocs.ops.launcher_cli", []),
            ("iocs.ops.display", []), ("iocs.ops.demo", []), ("iocs.ops.client", []),
            ("iocs.ops.client", ["move"]), ("iocs.ops.repeater", [])]
#: Options that need no default: flags, and help.
FLAGS = ("-h, --help", "-q, --quiet", "-v, --verbose", "--list-pvs", "--no-wait", "--local",
         "--wait", "--string", "--ui-path", "--async-lib {asyncio}")


def help_text(module, args, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    main = importlib.import_module(module).main
    with pytest.raises(SystemExit) as ex:
        main([*args, "--help"])
    assert ex.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("module,args", COMMANDS, ids=lambda c: c if isinstance(c, str)
                         else " ".join(c))
def test_every_option_is_explained_with_its_default(module, args, capsys, monkeypatch):
    import re
    text = help_text(module, args, capsys, monkeypatch)
    assert "usage:" in text
    assert "``" not in text and ":class:" not in text and ":mod:" not in text
    options = re.findall(r"^  (-[-\w, ]+?)(?: [A-Z_{}.,]+)?\s{2,}(.*)$", text, re.M)
    assert options
    for option, explained in options:
        assert explained.strip(), option
        if option.strip() not in FLAGS:
            assert "default" in explained.lower(), (option, explained)


BAD_COMMAND_LINES = [
    ["iocs.chart", "--tolerance", "0"], ["iocs.chart", "--tolerance", "-1"],
    ["iocs.chart", "--jog-step", "0"], ["iocs.chart", "--insert", "nan"],
    ["iocs.chart", "--retract", "inf"], ["iocs.chart", "--rate", "0"],
    ["iocs.chart", "--width", "100000"], ["iocs.chart", "--color-mode", "CMYK"],
    ["iocs.chart", "--sources", "a b c d e f g h i"], ["iocs.motor", "--home", "inf"],
    ["iocs.motor", "--axes", ","], ["iocs.motor", "--hard-limits=5,-5"],
    ["iocs.motor", "--update-rate", "0"], ["iocs.motor", "--position-error", "2"],
    ["iocs.motor", "--home", "1e6"], ["iocs.motor", "--access-file", "/nonexistent"],
]


@pytest.mark.parametrize("module,args", [(c[0], c[1:]) for c in BAD_COMMAND_LINES],
                         ids=lambda c: c if isinstance(c, str) else " ".join(c))
def test_bad_command_lines_are_usage_errors(module, args, capsys):
    main = importlib.import_module(f"{module}.ioc").main
    with pytest.raises(SystemExit) as ex:
        main(args)
    assert ex.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "Traceback" not in err
