"""The frame on show, kept: PVImage's *Save image...* and *Copy image* (its context menu
entries, added to PyDM's own) and the functions behind them."""
from __future__ import annotations

from typing import Callable, Optional

from qtpy.QtGui import QImage
from qtpy.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QWidget

__all__ = ["image_menu", "save_image", "copy_image", "ask_and_save"]

IMAGE_FILES = "Images (*.png *.jpg *.bmp *.tiff)"


def save_image(image: Optional[QImage], path: str) -> bool:
    """Write ``image`` to ``path`` (format from the extension); False if there is none or
    the file cannot be written."""
    return bool(image is not None and image.save(path))


def copy_image(image: Optional[QImage]) -> bool:
    """Put ``image`` on the clipboard; False if there is none (or no clipboard)."""
    clipboard = QApplication.clipboard()
    if image is None or clipboard is None:
        return False
    clipboard.setImage(image)
    return True


def ask_and_save(parent: QWidget, image: Optional[QImage]) -> None:
    """Ask the operator for a file and save ``image`` there; say so if that fails."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save image", "image.png", IMAGE_FILES)
    if path and not save_image(image, path):
        QMessageBox.warning(parent, "Save image", f"Could not write {path}")


def image_menu(parent: QWidget, current: Callable[[], Optional[QImage]]) -> QMenu:
    """A menu with *Save image...* and *Copy image* of what ``current()`` returns when the
    entry is chosen (both disabled while there is no frame yet)."""
    menu = QMenu(parent)
    present = current() is not None
    for text, slot in (("Save image...", lambda: ask_and_save(parent, current())),
                       ("Copy image", lambda: copy_image(current()))):
        action = menu.addAction(text, slot)
        if action is not None:
            action.setEnabled(present)
    return menu
