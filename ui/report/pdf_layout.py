"""A small page-flow layer over QPainter for the PDF report: A4 portrait pages,
text that wraps, tables that continue on the next page with their header, and a
footer on every page. Qt GUI only (no widgets), so it runs offscreen.

Coordinates are device pixels of a 300 dpi :class:`QPdfWriter`; :func:`mm`
converts from millimetres. Fonts are sized in points, which Qt maps through the
writer's resolution, so 9 pt prints as 9 pt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

DPI = 300
PAGE_W_MM, PAGE_H_MM = 210.0, 297.0
MARGIN_MM = 15.0
FOOTER_MM = 10.0
FONT_FAMILIES = ["DejaVu Sans", "Noto Sans", "Segoe UI", "Helvetica", "Arial"]

INK = QColor("#111417")
DIM = QColor("#4f5660")
RULE = QColor("#c9ced6")
ZEBRA = QColor("#f3f5f7")
HEADER_FILL = QColor("#e3e7ec")


def mm(value: float) -> float:
    return value * DPI / 25.4


def font(size_pt: float, bold: bool = False, italic: bool = False) -> QFont:
    result = QFont()
    result.setFamilies(FONT_FAMILIES)
    result.setStyleHint(QFont.StyleHint.SansSerif)
    result.setPointSizeF(size_pt)
    result.setBold(bold)
    result.setItalic(italic)
    for tag in ("liga", "clig"):  # "fl", "fi", "ff" stay letters: the PDF's text is searchable as typed
        result.setFeature(QFont.Tag(tag), 0)
    return result


BODY = 9.0
SMALL = 7.5


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    width_mm: float
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft


def new_writer(device) -> QPdfWriter:
    writer = QPdfWriter(device)
    writer.setResolution(DPI)
    writer.setPageLayout(QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0),
    ))
    return writer


class Document:
    """Flows blocks down A4 pages; ``footer(page, total)`` gives the footer's two lines."""

    def __init__(
        self,
        writer: QPdfWriter,
        footer: Callable[[int, int | None], tuple[str, str]],
        running_head: str,
        total_pages: int | None,
    ) -> None:
        self.writer = writer
        self.painter = QPainter(writer)
        self.painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.left = mm(MARGIN_MM)
        self.right = mm(PAGE_W_MM - MARGIN_MM)
        self.top = mm(MARGIN_MM)
        self.bottom = mm(PAGE_H_MM - MARGIN_MM - FOOTER_MM)
        self.width = self.right - self.left
        self.y = self.top
        self.page = 1
        self._footer = footer
        self._running_head = running_head
        self._total = total_pages

    # -- pages ------------------------------------------------------------------------
    def new_page(self) -> None:
        self._draw_footer()
        self.writer.newPage()
        self.page += 1
        self.y = self.top
        self.painter.setFont(font(SMALL))
        self.painter.setPen(DIM)
        self.painter.drawText(QRectF(self.left, self.y, self.width, mm(5)), Qt.AlignmentFlag.AlignLeft,
                              self._running_head)
        self.y += mm(7)

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` still fits on this one."""
        if self.y + height > self.bottom and self.y > self.top + mm(8):
            self.new_page()

    def finish(self) -> int:
        self._draw_footer()
        self.painter.end()
        return self.page

    def _draw_footer(self) -> None:
        p = self.painter
        line1, line2 = self._footer(self.page, self._total)
        y = mm(PAGE_H_MM - MARGIN_MM - FOOTER_MM + 3)
        p.setPen(QPen(RULE, mm(0.2)))
        p.drawLine(int(self.left), int(y), int(self.right), int(y))
        p.setFont(font(SMALL))
        p.setPen(DIM)
        box = QRectF(self.left, y + mm(1), self.width, mm(4))
        p.drawText(box, Qt.AlignmentFlag.AlignLeft, line1)
        page_text = f"Page {self.page} of {self._total}" if self._total else f"Page {self.page}"
        p.drawText(box, Qt.AlignmentFlag.AlignRight, page_text)
        p.drawText(QRectF(self.left, y + mm(4.5), self.width, mm(4)), Qt.AlignmentFlag.AlignLeft, line2)

    # -- text -------------------------------------------------------------------------
    def measure(self, text: str, qfont: QFont, width: float) -> float:
        metrics = QFontMetricsF(qfont, self.writer)
        flags = int(Qt.TextFlag.TextWordWrap)
        return metrics.boundingRect(QRectF(0, 0, width, 1e6), flags, text).height()

    def draw_text(self, x: float, y: float, width: float, text: str, qfont: QFont,
                  colour: QColor = INK, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> float:
        height = self.measure(text, qfont, width)
        self.painter.setFont(qfont)
        self.painter.setPen(colour)
        flags = align | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        self.painter.drawText(QRectF(x, y, width, height + 2), flags, text)
        return height

    def paragraph(self, text: str, qfont: QFont | None = None, colour: QColor = INK, after_mm: float = 1.5) -> None:
        qfont = qfont or font(BODY)
        height = self.measure(text, qfont, self.width)
        self.ensure(height)
        self.draw_text(self.left, self.y, self.width, text, qfont, colour)
        self.y += height + mm(after_mm)

    def heading(self, text: str, keep_with_mm: float = 25.0) -> None:
        """A section title, kept on the same page as the first ``keep_with_mm`` of its content."""
        qfont = font(11, bold=True)
        height = self.measure(text, qfont, self.width)
        self.ensure(height + mm(keep_with_mm))
        self.y += mm(2)
        self.draw_text(self.left, self.y, self.width, text, qfont)
        self.y += height + mm(0.8)
        self.painter.setPen(QPen(INK, mm(0.3)))
        self.painter.drawLine(int(self.left), int(self.y), int(self.right), int(self.y))
        self.y += mm(1.8)

    def box(self, text: str, fill: QColor, border: QColor, qfont: QFont | None = None,
            title: str = "") -> None:
        """A framed note (warnings, the end-of-observation vitals), with an optional title line."""
        qfont = qfont or font(BODY, bold=True)
        title_font = font(BODY, bold=True)
        pad = mm(2.5)
        inner = self.width - 2 * pad
        title_h = self.measure(title, title_font, inner) + mm(1.2) if title else 0.0
        height = title_h + self.measure(text, qfont, inner) + 2 * pad
        self.ensure(height)
        rect = QRectF(self.left, self.y, self.width, height)
        self.painter.setPen(QPen(border, mm(0.5)))
        self.painter.setBrush(fill)
        self.painter.drawRect(rect)
        self.painter.setBrush(Qt.BrushStyle.NoBrush)
        if title:
            self.draw_text(self.left + pad, self.y + pad, inner, title, title_font, border)
        self.draw_text(self.left + pad, self.y + pad + title_h, inner, text, qfont)
        self.y += height + mm(2.5)

    def fields(self, pairs: Sequence[tuple[str, str]], columns: int = 2, label_mm: float = 30.0) -> None:
        """Label/value pairs in ``columns`` columns, row by row."""
        col_w = self.width / columns
        label_w = mm(label_mm)
        label_font, value_font = font(BODY - 0.5, bold=False), font(BODY, bold=True)
        for start in range(0, len(pairs), columns):
            row = pairs[start:start + columns]
            height = max(
                self.measure(value, value_font, col_w - label_w - mm(2)) for _, value in row
            ) + mm(1.2)
            self.ensure(height)
            for i, (label, value) in enumerate(row):
                x = self.left + i * col_w
                self.draw_text(x, self.y, label_w, label, label_font, DIM)
                self.draw_text(x + label_w, self.y, col_w - label_w - mm(2), value, value_font)
            self.y += height

    # -- tables -----------------------------------------------------------------------
    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]],
              bold_first: bool = False, row_colours: Sequence[QColor | None] | None = None) -> None:
        """Rows of wrapped cells; a row never splits, the header repeats on a new page."""
        pad = mm(1.2)
        head_font, cell_font = font(BODY - 0.5, bold=True), font(BODY)
        scale = self.width / sum(mm(c.width_mm) for c in columns)
        widths = [mm(c.width_mm) * scale for c in columns]

        def cell_fonts(head: bool) -> list[QFont]:
            if head:
                return [head_font] * len(columns)
            return [font(BODY, bold=True) if bold_first and i == 0 else cell_font for i in range(len(columns))]

        def row_height(cells: Sequence[str], fonts: list[QFont]) -> float:
            return max(
                self.measure(text, f, w - 2 * pad) for text, f, w in zip(cells, fonts, widths)
            ) + 2 * pad

        header = [c.title for c in columns]
        head_h = row_height(header, cell_fonts(True))

        def draw_header() -> None:
            self.painter.fillRect(QRectF(self.left, self.y, self.width, head_h), HEADER_FILL)
            self._cells(header, widths, columns, cell_fonts(True), head_h, pad, [INK] * len(columns))
            self.y += head_h

        fonts = cell_fonts(False)
        first_h = row_height(rows[0], fonts) if rows else 0
        self.ensure(head_h + first_h)
        draw_header()
        for index, cells in enumerate(rows):
            height = row_height(cells, fonts)
            if self.y + height > self.bottom:
                self.new_page()
                draw_header()
            if index % 2:
                self.painter.fillRect(QRectF(self.left, self.y, self.width, height), ZEBRA)
            colour = (row_colours[index] if row_colours else None) or INK
            self._cells(cells, widths, columns, fonts, height, pad, [colour] * len(cells))
            self.y += height
        self.painter.setPen(QPen(RULE, mm(0.25)))
        self.painter.drawLine(int(self.left), int(self.y), int(self.right), int(self.y))
        self.y += mm(3)

    def _cells(self, cells, widths, columns, fonts, height, pad, colours) -> None:
        x = self.left
        for i, (text, width) in enumerate(zip(cells, widths)):
            self.draw_text(x + pad, self.y + pad, width - 2 * pad, text, fonts[i], colours[i], columns[i].align)
            x += width
