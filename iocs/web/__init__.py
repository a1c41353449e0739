"""pvchart-web: the chart IOCs' live charts in any web browser.

A PV Access client of the chart IOCs (their ``Pva1:Image``) and a Channel Access client of
their settings and data PVs, serving over HTTP (aiohttp): a page per chart with the live chart
pushed as frames arrive, its sources, time range and readouts; the current frame as PNG; the
plotted data as CSV. Read-only unless started with ``--allow-writes``.

Modules: :mod:`.settings` (command line), :mod:`.images` (NTNDArray to PNG, pure),
:mod:`.state` (what a page shows and may write, pure), :mod:`.feed` (the image monitor),
:mod:`.capvs` (the CA PVs), :mod:`.charts` (one chart's parts), :mod:`.viewers` (the
WebSocket per browser), :mod:`.pages` (HTML), :mod:`.server` (routes and ``main``).
"""
