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

release = iocs.__version__
extensions = ["sphinx.ext.autodoc", "numpydoc", "pvdocs"]
numpydoc_show_class_members = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
suppress_warnings = ["image.not_readable"] if os.environ.get("PVCHART_DOCS_NO_SCREENSHOT") else []
