"""Small building blocks shared by the dashboard widgets."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ui.dashboard.theme import FLASH_HIGH_MS, FLASH_MEDIUM_MS

PRIORITIES = ("high", "medium", "low")


def priority_name(priority: object) -> str | None:
    """"high" | "medium" | "low" from a string or an enum whose value is one (alarm engine)."""
    if priority is None:
        return None
    name = str(getattr(priority, "value", priority)).lower()
    if name not in PRIORITIES:
        raise ValueError(f"priority must be one of {PRIORITIES} or None, not {priority!r}")
    return name


def set_px(widget: QWidget, size: int, bold: bool = False) -> None:
    """Give a widget a font of ``size`` pixels (pixels, not points: the same on every screen)."""
    font = QFont(widget.font())
    font.setPixelSize(size)
    font.setBold(bold)
    widget.setFont(font)


FLASH = "flash"  # the dynamic property a flashing widget's style sheet selects on: [flash="true"]


def two_looks(selector: str, steady: str, flashed: str) -> str:
    """A style sheet rule for ``selector`` with ``steady`` declarations, and ``flashed`` ones
    that replace them while the widget's :data:`FLASH` property is true (see :func:`show_flash`)."""
    return f"{selector} {{ {steady} }} {selector}[{FLASH}=\"true\"] {{ {flashed} }}"


def show_flash(widgets: tuple[QWidget, ...], on: bool) -> None:
    """Switch widgets styled with :func:`two_looks` to their flashed (``on``) or steady look.

    An alarm flashes at 2 Hz for as long as it lasts. Setting a new style sheet on each
    toggle made Qt parse it and re-polish the widget and everything inside it; a
    property and a re-polish of the widgets whose look changes costs half of that
    (docs/BENCHMARKS.md: CPU with a high alarm flashing).
    """
    for widget in widgets:
        if bool(widget.property(FLASH)) != on or widget.property(FLASH) is None:
            widget.setProperty(FLASH, on)
            style = widget.style()
            style.unpolish(widget)
            style.polish(widget)
            widget.update()


def label(text: str = "", size: int = 20, bold: bool = False, name: str = "") -> QLabel:
    widget = QLabel(text)
    if name:
        widget.setObjectName(name)
    set_px(widget, size, bold)
    return widget


class ElidedLabel(QLabel):
    """Plain text, one screen line per line of its text, each cut with "…" to the width it is
    given: never wrapped into a paragraph, never widening the window (issue 14: the alarm bar).

    ``text()`` stays the whole text; :meth:`shown_lines` is what is on screen. The colours
    are the style sheet's, as for any label.
    """

    def __init__(self, text: str = "", size: int = 20, bold: bool = False) -> None:
        super().__init__(text)
        set_px(self, size, bold)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def shown_lines(self) -> list[str]:
        width = self.contentsRect().width()
        metrics = self.fontMetrics()
        return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in self.text().split("\n")]

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.drawFrame(painter)  # a style sheet's border, as QLabel draws it
        box = self.contentsRect()
        line_px = self.fontMetrics().lineSpacing()
        top = box.top() + max(0, (box.height() - line_px * len(self.text().split("\n"))) // 2)
        flags = (self.alignment() & Qt.AlignmentFlag.AlignHorizontal_Mask) | Qt.AlignmentFlag.AlignVCenter
        for i, line in enumerate(self.shown_lines()):
            self.style().drawItemText(painter, QRect(box.left(), top + i * line_px, box.width(), line_px),
                                      flags.value, self.palette(), self.isEnabled(), line, self.foregroundRole())
        painter.end()


MAX_PX = 360  # the largest a fitted number is drawn


class FitLabel(QLabel):
    """A bold label whose font fills its box, for numbers read from across the room.

    The size is computed for a fixed ``sample`` text (e.g. "888/888"), not for
    the current text, so the digits do not jump in size as values change.
    :attr:`fitted` reports each new size; :meth:`set_max_px` caps it.
    """

    fitted = Signal(int)  # the new pixel size

    def __init__(self, sample: str, max_px: int = MAX_PX, min_px: int = 14, fill: float = 0.92) -> None:
        super().__init__("")
        self._sample = sample
        self._max_px = max_px
        self._min_px = min_px
        self._fill = fill
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(20, 20)
        font = QFont(self.font())
        font.setBold(True)
        self.setFont(font)
        self._fit()

    def set_max_px(self, px: int) -> None:
        if px != self._max_px:
            self._max_px = px
            self._fit()

    def set_sample(self, sample: str) -> None:
        if sample != self._sample:
            self._sample = sample
            self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def fitted_px(self) -> int:
        """The size the box allows, whatever the cap."""
        box = self.contentsRect()
        probe = QFont(self.font())
        probe.setPixelSize(100)
        metrics = QFontMetricsF(probe)
        width = max(1.0, metrics.horizontalAdvance(self._sample))
        height = max(1.0, metrics.ascent() + metrics.descent() * 0.4)
        scale = min(box.width() * self._fill / width, box.height() * self._fill / height)
        return int(max(self._min_px, 100 * scale))

    def _fit(self) -> None:
        size = max(self._min_px, min(self._max_px, self.fitted_px()))
        if self.font().pixelSize() != size:
            font = QFont(self.font())
            font.setPixelSize(size)
            self.setFont(font)
            self.fitted.emit(size)

    def pixel_size(self) -> int:
        return self.font().pixelSize()


class Flasher(QObject):
    """On/off rhythm for an alarm priority: high 2 Hz, medium 0.6 Hz, low steady.

    ``changed(on)`` is emitted on every toggle; with no priority it is off.
    """

    changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.priority: str | None = None
        self.on = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._toggle)

    def set_priority(self, priority: object) -> None:
        priority = priority_name(priority)
        if priority == self.priority:
            return
        self.priority = priority
        self._timer.stop()
        if priority in ("high", "medium"):
            self._timer.start(FLASH_HIGH_MS if priority == "high" else FLASH_MEDIUM_MS)
        self._set(priority is not None)

    @property
    def flashing(self) -> bool:
        return self._timer.isActive()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval() if self._timer.isActive() else 0

    def _toggle(self) -> None:
        self._set(not self.on)

    def _set(self, on: bool) -> None:
        self.on = on
        self.changed.emit(on)
