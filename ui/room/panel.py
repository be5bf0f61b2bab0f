"""One chair at a glance: a panel drawn from a :class:`~monitor.snapshot.ChairSnapshot`.

The infusion room shows one panel per chair, and the central station shows the
same panels for snapshots it receives over MQTT: the panel knows nothing of beds,
only the snapshot (:meth:`ChairPanel.show_snapshot`) and the theme. What it says
is :func:`ui.room.panel_text.panel_text`; this module only paints it.

Painted, not built of labels: up to twelve panels share one screen, and a panel
of an alarming chair flashes at 2 Hz like the bedside tiles (background in the
alarm colour, every text in the alarm's text colour, on the flash's on phase);
repainting one widget costs a fraction of re-polishing two dozen labels. Text
sizes follow the panel's size and fixed sample texts (the catalogue's), so digits
never jump as values change: the numbers take most of the height, and the name,
phase and clock stay readable from across the room at eight panels on 1920x1080.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from monitor.parameters import MEASUREMENTS
from monitor.readings import LinkState
from monitor.snapshot import ChairSnapshot
from ui.dashboard.theme import FONT_FAMILIES, Theme
from ui.dashboard.widgets import Flasher
from ui.room.panel_text import Cell, PanelText, panel_text

# Shares of the panel's inner height, top to bottom.
ROWS = {"title": 0.09, "phase": 0.10, "alarm": 0.085, "big": 0.50, "small": 0.17, "notice": 0.055}
BORDER_ALARM_PX = 6
MAX_DIGITS_PX = 260



def note_sample(cell: Cell) -> str:
    """The longest note a cell of this kind writes: its notes share one size in a band."""
    if MEASUREMENTS[cell.key].discrete:
        return "+15/+13 \u00b7 10 min ago"
    return "+15/+13/+10" if MEASUREMENTS[cell.key].pressure else "NOT CURRENT 59 s"


@dataclass(frozen=True, slots=True)
class _CellFonts:
    title: QFont
    digits: QFont
    note: QFont
    title_h: float
    note_h: float


@dataclass(frozen=True, slots=True)
class _Look:
    """Colours of one paint: steady, or the flash's on phase."""

    background: str
    border: str
    border_px: int
    text: str
    dim: str
    flashed: bool


class ChairPanel(QWidget):
    clicked = Signal()

    def __init__(self, theme: Theme, shortcut: str = "") -> None:
        super().__init__()
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 160)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.theme = theme
        self.shortcut = shortcut  # shown in the corner: "Ctrl+3"
        self.snapshot: ChairSnapshot | None = None
        self.text: PanelText | None = None
        self.flasher = Flasher(self)
        self.flasher.changed.connect(lambda _on: self.update())
        self._fonts: dict[tuple[str, float, float, bool], QFont] = {}
        self.digits_px = 0  # the pixel size the large numbers were last painted at (tests, screenshots)

    # -- API ---------------------------------------------------------------------------------------
    def show_snapshot(self, snapshot: ChairSnapshot) -> None:
        """Draw this snapshot (only if it changes what the panel says)."""
        self.snapshot = snapshot
        text = panel_text(snapshot)
        if text == self.text:
            return
        self.text = text
        self.flasher.set_priority(text.flashing)
        if self.toolTip() != text.notice:
            self.setToolTip(text.notice)  # the whole sentence, when the panel can show only its start
        self.update()

    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    @property
    def flashing(self) -> str | None:
        return self.flasher.priority

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fonts.clear()
        super().resizeEvent(event)

    # -- painting ----------------------------------------------------------------------------------
    def _look(self) -> _Look:
        t, text = self.theme, self.text
        priority = text.alarm_priority if text else None
        if priority is None:
            return _Look(t.surface, t.border, 2, t.text, t.text_dim, False)
        alarm_bg, alarm_text = t.alarm_colours(text.flashing or priority)
        if text.flashing and self.flasher.on:
            return _Look(alarm_bg, alarm_text, BORDER_ALARM_PX, alarm_text, alarm_text, True)
        return _Look(t.surface, alarm_bg, BORDER_ALARM_PX, t.text, t.text_dim, False)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        look = self._look()
        p.fillRect(self.rect(), QColor(self.theme.background))
        half = look.border_px / 2
        frame = QRectF(self.rect()).adjusted(half, half, -half, -half)
        p.setPen(QPen(QColor(look.border), look.border_px))
        p.setBrush(QColor(look.background))
        p.drawRoundedRect(frame, 10, 10)
        text = self.text
        if text is not None:
            self._paint(p, text, look, frame.adjusted(8 + half, 4 + half, -8 - half, -4 - half))
        p.end()

    def _paint(self, p: QPainter, text: PanelText, look: _Look, inner: QRectF) -> None:
        rows = self._rows(inner, bool(text.small))
        self._title(p, text, look, rows["title"])
        self._phase(p, text, look, rows["phase"])
        self._alarm(p, text, look, rows["alarm"])
        self._cells(p, text.big, look, rows["big"], big=True)
        if text.small:
            self._cells(p, text.small, look, rows["small"], big=False)
        self._notice(p, text, look, rows["notice"])

    @staticmethod
    def _rows(inner: QRectF, small: bool) -> dict[str, QRectF]:
        shares = dict(ROWS)
        if not small:
            shares["big"] += shares.pop("small")
        rows, y = {}, inner.top()
        for name, share in shares.items():
            height = inner.height() * share
            rows[name] = QRectF(inner.left(), y, inner.width(), height)
            y += height
        return rows

    def _title(self, p: QPainter, text: PanelText, look: _Look, row: QRectF) -> None:
        link_colour = look.text if look.flashed else self._link_colour(text.link)
        link = f"\u25cf {text.link_word}"
        link_font = self._font(link, row.width() * 0.45, row.height() * 0.7, True)
        link_width = QFontMetricsF(link_font).horizontalAdvance(link) + 8
        self._draw(p, link, link_font, link_colour, row, Qt.AlignmentFlag.AlignRight)
        left = row.adjusted(0, 0, -link_width, 0)
        name_font = self._font("Chair 12", row.width() * 0.32, row.height() * 0.95, True)
        name_width = min(left.width(), QFontMetricsF(name_font).horizontalAdvance(text.chair) + 14)
        self._draw(p, text.chair, name_font, look.text, left, Qt.AlignmentFlag.AlignLeft)
        patient_font = self._font("K-0142-XX", row.width() * 0.26, row.height() * 0.75, False)
        self._draw(p, text.patient, patient_font, look.dim, left.adjusted(name_width, 0, 0, 0), Qt.AlignmentFlag.AlignLeft)

    def _phase(self, p: QPainter, text: PanelText, look: _Look, row: QRectF) -> None:
        bar = 0.14 * row.height() if text.progress is not None else 0.0
        line = row.adjusted(0, 0, 0, -bar - 3)
        font = self._font("RECOVERY 0:00:00 / 40:00", row.width() * 0.72, line.height() * 0.95, True)
        metrics = QFontMetricsF(font)
        phase_colour = look.text if look.flashed else self.theme.phase_colour(text.phase)
        self._draw(p, text.phase_word, font, phase_colour, line, Qt.AlignmentFlag.AlignLeft)
        word = metrics.horizontalAdvance(text.phase_word + "  ")
        self._draw(p, text.clock, font, look.text, line.adjusted(word, 0, 0, 0), Qt.AlignmentFlag.AlignLeft)
        clock = word + metrics.horizontalAdvance(text.clock + "  ")
        detail_colour = self.theme.overrun if text.overrun and not look.flashed else look.dim
        detail_font = self._font("OVERRUN +00:00", row.width() * 0.3, line.height() * 0.7, True)
        self._draw(p, text.detail, detail_font, detail_colour, line.adjusted(clock, 0, 0, 0), Qt.AlignmentFlag.AlignRight)
        if text.progress is not None:
            track = QRectF(row.left(), row.bottom() - bar, row.width(), bar)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(self.theme.border))
            p.drawRoundedRect(track, bar / 2, bar / 2)
            fill = self.theme.overrun if text.overrun else self.theme.phase_infusion
            p.setBrush(QColor(look.text if look.flashed else fill))
            p.drawRoundedRect(QRectF(track.left(), track.top(), track.width() * text.progress, bar), bar / 2, bar / 2)

    def _alarm(self, p: QPainter, text: PanelText, look: _Look, row: QRectF) -> None:
        if not text.alarm or text.alarm_priority is None:
            return
        background, colour = self.theme.alarm_colours(text.alarm_priority)
        badge = row.adjusted(0, 2, 0, -2)
        p.setPen(QPen(QColor(colour), 2))
        p.setBrush(QColor(background))
        p.drawRoundedRect(badge, 6, 6)
        font = self._font("*** NIBP sys 188 > 160  (+2 more)", badge.width() - 16, badge.height() * 0.8, True)
        self._draw(p, text.alarm, font, colour, badge.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignLeft)

    def _cells(self, p: QPainter, cells: tuple[Cell, ...], look: _Look, band: QRectF, big: bool) -> None:
        """The cells side by side, each as wide as its sample digits need, so every number of
        the band has the same size; titles and notes share one size too. Three large cells
        (HR, NIBP and ART) take two rows when that makes their digits larger."""
        if not cells:
            return
        layouts = [self._layout(cells, band, big, 1)]
        if big and len(cells) > 1:
            layouts.append(self._layout(cells, band, big, 2))
        boxes, fonts = max(layouts, key=lambda layout: layout[1].digits.pixelSize())
        if big:
            self.digits_px = fonts.digits.pixelSize()
        for cell, box in zip(cells, boxes, strict=True):
            self._cell(p, cell, look, box, fonts)

    def _layout(self, cells: tuple[Cell, ...], band: QRectF, big: bool, rows: int
                ) -> tuple[list[QRectF], _CellFonts]:
        per_row = -(-len(cells) // rows)
        probe = QFontMetricsF(self._font("8", 100, 100, True))
        height = band.height() / rows
        boxes: list[QRectF] = []
        for r in range(rows):
            row = cells[r * per_row:(r + 1) * per_row]
            weights = [probe.horizontalAdvance(c.sample) + 40 for c in row]
            x = band.left()
            for weight in weights:
                width = band.width() * weight / sum(weights)
                boxes.append(QRectF(x, band.top() + r * height, width, height).adjusted(2, 2, -8, -2))
                x += width
        title_h = height * (0.17 if big else 0.24)
        note_h = height * (0.17 if big else 0.22)
        pairs = list(zip(cells, boxes, strict=True))
        fonts = _CellFonts(
            title=min((self._font(f"{c.title} {c.unit}", b.width(), title_h, True) for c, b in pairs),
                      key=QFont.pixelSize),
            digits=min((self._font(c.sample, b.width() * 0.94, (b.height() - title_h - note_h) * 0.98, True,
                                   MAX_DIGITS_PX) for c, b in pairs), key=QFont.pixelSize),
            note=min((self._font(note_sample(c), b.width() - 16, note_h * 0.9, False) for c, b in pairs),
                     key=QFont.pixelSize),
            title_h=title_h, note_h=note_h,
        )
        return boxes, fonts

    def _cell(self, p: QPainter, cell: Cell, look: _Look, box: QRectF, fonts: _CellFonts) -> None:
        title_h, note_h = fonts.title_h, fonts.note_h
        colour = self.theme.stale if cell.colour == "stale" else self.theme.colour(cell.colour)
        colour = look.text if look.flashed else colour
        title_colour = look.text if look.flashed else (colour if cell.colour != "stale" else look.dim)
        self._draw(p, f"{cell.title} {cell.unit}", fonts.title, title_colour,
                   QRectF(box.left(), box.top(), box.width(), title_h), Qt.AlignmentFlag.AlignLeft)
        number = QRectF(box.left(), box.top() + title_h, box.width(), box.height() - title_h - note_h)
        self._draw(p, cell.value, fonts.digits, colour, number, Qt.AlignmentFlag.AlignHCenter)
        note = QRectF(box.left(), number.bottom(), box.width(), note_h)
        if cell.stale:  # the grey band stays in the flash's on phase too, as on a bedside tile
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(self.theme.stale))
            width = min(note.width(), QFontMetricsF(fonts.note).horizontalAdvance(cell.note) + 16)
            p.drawRoundedRect(QRectF(note.left(), note.top(), width, note.height()), 4, 4)
            self._draw(p, cell.note, fonts.note, self.theme.stale_badge_text, note.adjusted(8, 0, 0, 0),
                       Qt.AlignmentFlag.AlignLeft)
        else:
            self._draw(p, cell.note, fonts.note, look.text, note, Qt.AlignmentFlag.AlignLeft)

    def _notice(self, p: QPainter, text: PanelText, look: _Look, row: QRectF) -> None:
        font = self._font("Serial port /dev/ttyUSB0 was not found", row.width() * 0.8, row.height() * 0.85, False)
        if self.shortcut:
            width = QFontMetricsF(font).horizontalAdvance(self.shortcut) + 10
            self._draw(p, self.shortcut, font, look.dim, row, Qt.AlignmentFlag.AlignRight)
            row = row.adjusted(0, 0, -width, 0)
        colour = look.text if look.flashed else self.theme.overrun
        self._draw(p, text.notice, font, colour, row, Qt.AlignmentFlag.AlignLeft)

    # -- helpers ---------------------------------------------------------------------------------------
    def _link_colour(self, link: str) -> str:
        try:
            return self.theme.link.get(LinkState(link), self.theme.text_dim)
        except ValueError:  # "offline": the central station lost the bedside
            return self.theme.link[LinkState.DISCONNECTED]

    def _font(self, sample: str, width: float, height: float, bold: bool, most: int = 400) -> QFont:
        """The largest font in which ``sample`` fits ``width`` x ``height`` (cached per size)."""
        key = (sample, round(width), round(height), bold)
        font = self._fonts.get(key)
        if font is None:
            font = QFont()
            font.setFamilies(FONT_FAMILIES)
            font.setBold(bold)
            font.setPixelSize(100)
            metrics = QFontMetricsF(font)
            scale = min(max(1.0, width) / max(1.0, metrics.horizontalAdvance(sample)),
                        max(1.0, height) / max(1.0, metrics.ascent() + metrics.descent() * 0.5))
            font.setPixelSize(int(max(9, min(most, 100 * scale))))
            self._fonts[key] = font
        return font

    @staticmethod
    def _draw(p: QPainter, text: str, font: QFont, colour: str, box: QRectF, align: Qt.AlignmentFlag) -> None:
        if not text or box.width() <= 1:
            return
        p.setFont(font)
        p.setPen(QColor(colour))
        shown = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, box.width())
        p.drawText(box, int(align | Qt.AlignmentFlag.AlignVCenter), shown)


__all__ = ["ChairPanel"]
