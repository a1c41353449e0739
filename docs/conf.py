"""Sphinx configuration for the pvchart documentation."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "_ext"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

project = "pvchart"
author = "pvchart developers"
import iocs  # noqa: E402
from iocs.common import names  # noqa: E402

release = iocs.__version__
#: Names and defaults from the code (iocs.common.names), never restated in the prose.
rst_epilog = "\n".join([
    f".. |prefix| replace:: ``{names.DEFAULT_PREFIX}``",
    f".. |local_motor_port| replace:: {names.LOCAL_CA_PORTS['motor']}",
    f".. |local_chart_port| replace:: {names.LOCAL_CA_PORTS['chart']}",
    ".. |local_chart_pva_ports| replace:: "
    f"{names.LOCAL_PVA_PORTS['chart'][0]}/{names.LOCAL_PVA_PORTS['chart'][1]}",
    f".. |local_repeater_port| replace:: {names.LOCAL_REPEATER_PORT}",
    f".. |web_port| replace:: {names.WEB_PORT}",
    f".. |max_array_bytes| replace:: ``{names.DEFAULT_MAX_ARRAY_BYTES}``",
    f".. |history_capacity| replace:: {names.HISTORY_CAPACITY}",
])
extensions = ["sphinx.ext.autodoc", "numpydoc", "pvdocs"]
numpydoc_show_class_members = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
suppress_warnings = ["image.not_readable"] if os.environ.get("PVCHART_DOCS_NO_SCREENSHOT") else []
