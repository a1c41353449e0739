"""The HTML of pvchart-web's pages: the list of charts and a chart's page (pure).

Pages use relative links only, so the server works behind a reverse proxy at any path. The
scripts and style sheet are the package's static files (no build step, nothing from a CDN);
what PVs say is put into the page by the scripts as text, never as HTML.
"""
from __future__ import annotations

from html import escape
from typing import Sequence

from .. import __version__
from .state import span_text

__all__ = ["index_page", "chart_page", "SPANS"]

#: The spans the page offers (s), besides the chart's current one.
SPANS = (10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 28800, 86400)


def _head(title: str, root: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)}</title><link rel="icon" href="data:,">'
            f'<link rel="stylesheet" href="{root}static/style.css?v={escape(__version__)}">'
            f'</head>')


def index_page(charts: Sequence[str], prefix: str) -> str:
    """``/``: every chart served, each with a thumbnail, its status and time range."""
    items = "".join(
        f'<li class="card" data-chart="{escape(name)}"><a href="chart/{escape(name)}">'
        f'<img class="thumb" src="chart/{escape(name)}.png" alt="chart {escape(name)}" '
        f'width="320"><span class="name">{escape(name)}</span></a>'
        f'<span class="status"></span><span class="range"></span></li>'
        for name in charts)
    return (_head("pvchart", "") +
            f'<body class="index"><header><h1>Charts</h1>'
            f'<span class="prefix">{escape(prefix)}</span></header>'
            f'<ul class="charts">{items}</ul>'
            f'<script src="static/index.js?v={escape(__version__)}"></script></body></html>')


def chart_page(name: str, pv_prefix: str, writable: bool) -> str:
    """``/chart/<name>``: the live chart; write controls only if ``writable``."""
    n = escape(name)
    controls = ""
    if writable:
        options = "".join(f'<option value="{s}">{span_text(s)}</option>' for s in SPANS)
        controls = (
            '<form id="controls" class="controls" onsubmit="return false">'
            f'<label data-control="window" hidden>Span <select id="span">{options}</select>'
            '</label>'
            '<button type="button" data-control="back" hidden>&#9664; Back</button>'
            '<button type="button" data-control="forward" hidden>Forward &#9654;</button>'
            '<button type="button" data-control="live" hidden>Live</button>'
            '<button type="button" data-control="freeze" hidden>Freeze</button>'
            '<span id="message" role="status"></span></form>')
    return (_head(f"{name} - pvchart", "../") +
            f'<body class="chart" data-chart="{n}" data-writable="{str(writable).lower()}" '
            f'data-frames="0">'
            f'<header><a href="../" class="up">Charts</a><h1>{n}</h1>'
            f'<span class="prefix">{escape(pv_prefix)}</span>'
            f'<span id="link" class="badge">connecting</span>'
            f'<span id="ioc" class="badge"></span></header>'
            f'<main><div class="picture"><canvas id="chart" width="640" height="480" '
            f'data-uid=""></canvas><div id="overlay" hidden></div></div>'
            f'<section class="info"><p id="range"></p><p id="status"></p>'
            f'<p id="archiver" hidden></p>{controls}'
            f'<table id="traces"><thead><tr><th>#</th><th>trace</th><th>state</th>'
            f'</tr></thead><tbody></tbody></table>'
            f'<p class="frame">frame <span id="uid">-</span> at <span id="stamp">-</span>; '
            f'<span id="frames">0</span> received</p>'
            f'<p class="links"><a href="{n}.png" download>PNG snapshot</a> '
            f'<a href="{n}.csv" download>Data (CSV)</a></p></section></main>'
            f'<script src="../static/chart.js?v={escape(__version__)}"></script>'
            f'</body></html>')

