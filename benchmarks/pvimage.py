"""Per-frame cost of PVImage (decode + paint) vs PyDMImageView, 640x480, in one process run.

PVImage gets RGB1 and RGBA frames; PyDMImageView (PyDM's own image widget) gets the
same-size Mono frame, which is all it can show. Each frame is fed through the widget's own
value path and painted by the event loop as on a screen (``processEvents()``), offscreen,
with no Channel Access involved.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from qtpy.QtWidgets import QApplication  # noqa: E402

W, H, FRAMES = 640, 480, 200


def frames(channels: int) -> list:
    rng = np.random.default_rng(1)
    return [rng.integers(0, 255, W * H * channels, dtype=np.uint8) for _ in range(8)]


def per_frame(fn, data: list, n: int = FRAMES) -> float:
    fn(data[0])
    start = time.perf_counter()
    for k in range(n):
        fn(data[k % len(data)])
    return (time.perf_counter() - start) / n


def main() -> None:
    app = QApplication.instance() or QApplication([])
    from pydm.widgets.image import ImageUpdateThread, PyDMImageView

    from pydm_widgets import codec
    from pydm_widgets.pvimage import PVImage

    rgb, rgba, mono = frames(3), frames(4), frames(1)
    decode_rgb = per_frame(lambda d: codec.decode(d, W, H, "RGB1"), rgb, 2000)
    decode_rgba = per_frame(lambda d: codec.decode(d, W, H, "RGBA"), rgba, 2000)

    ours = PVImage()
    ours.resize(W + 4, H + 4)
    ours.maxRedrawRate = 0
    ours.imageWidth, ours.imageHeight = W, H
    ours.show()

    def ours_frame(data, mode):
        ours._on_frame(data)
        app.processEvents()                   # the update it asked for, painted

    ours.colorMode = PVImage.RGB1
    whole_rgb = per_frame(lambda d: ours_frame(d, "RGB1"), rgb)
    ours.colorMode = PVImage.RGBA
    whole_rgba = per_frame(lambda d: ours_frame(d, "RGBA"), rgba)
    assert ours.frames_shown >= 2 * FRAMES and not ours.error_message

    view = PyDMImageView()
    view.resize(W + 4, H + 4)
    view.imageWidth = W
    view.readingOrder = PyDMImageView.Clike
    view.show()
    updater = ImageUpdateThread(view)
    updater.updateSignal.connect(view._PyDMImageView__updateDisplay)

    def theirs_frame(data):
        view.image_value_changed(data)
        updater.run()                         # the work its thread does, here in line
        app.processEvents()

    whole_mono = per_frame(theirs_frame, mono)
    print(f"decode 640x480: RGB1 {decode_rgb * 1e6:.1f} us, RGBA {decode_rgba * 1e6:.1f} us "
          "(target <= 1 ms)")
    print(f"whole frame (decode + paint): PVImage RGB1 {whole_rgb * 1e3:.2f} ms, "
          f"RGBA {whole_rgba * 1e3:.2f} ms; PyDMImageView Mono {whole_mono * 1e3:.2f} ms")
    print(f"PVImage RGB1 vs PyDMImageView Mono: ratio {whole_mono / whole_rgb:.1f}x faster, "
          f"RGBA {whole_mono / whole_rgba:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
