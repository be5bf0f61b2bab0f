"""The keyboard help (F1): a panel over the dashboard listing every key, from the one shortcut table."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from ui.dashboard.shortcuts import help_rows


class HelpOverlay(QFrame):
    def __init__(self, quick_notes: Sequence[str]) -> None:
        super().__init__(objectName="panel")
        rows = "".join(
            f"<tr><td style='padding:4px 18px 4px 0'><b>{k}</b></td><td style='padding:4px'>{what}</td></tr>"
            for k, what in help_rows(quick_notes)
        )
        self.text = QLabel(f"<h2>Keyboard shortcuts</h2><table>{rows}</table><p>F1 or Esc closes this help.</p>")
        self.text.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(30, 20, 30, 20)
        layout.addWidget(self.text)

    def toggle(self) -> None:
        self.setVisible(not self.isVisible())
        if self.isVisible():
            self.place()
            self.raise_()

    def place(self) -> None:
        """Centred over its parent, as large as its text needs (at least 700 px wide), never outside it."""
        parent = self.parentWidget()
        if parent is not None:
            hint = self.sizeHint()
            width, height = min(parent.width() - 40, max(hint.width(), 700)), min(parent.height() - 40, hint.height())
            self.setGeometry((parent.width() - width) // 2, (parent.height() - height) // 2, width, height)


__all__ = ["HelpOverlay"]
