"""The dashboard's row of numeric tiles, laid out from the catalogue's measurements.

One tile per row of :data:`monitor.parameters.MEASUREMENTS`, in its order and
with its ``stretch``. A measurement ``always_shown`` has its tile from the start
(HR, NIBP: their dashes say the monitor has not sent them yet); any other
appears when the monitor first sends one of its values, and stays.

The large tiles (HR, NIBP, ART) always keep the full height. Small ones (SpO2,
PR, RR, EtCO2, temperature: ``small``) stand beside them at full height while
there are one or two; from three on they share columns in pairs, one above the
other, in catalogue order (SpO2 over PR, RR over EtCO2), a last one alone at full
height. So a monitor that adds respiration and temperature takes room from the
small tiles, never from the three numbers a nurse watches most; and a small
tile's digits are capped below the smallest large tile's (:data:`SMALL_SHARE`),
whatever the window's shape. And a large tile of one number (HR) is never drawn
larger than a blood pressure: on a ketamine infusion the pressure is what the
nurse watches most, and its wider text ("188/112") would otherwise come out the
smaller (issue 14).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from PySide6.QtWidgets import QGridLayout, QWidget

from monitor.latest import LatestValues
from monitor.parameters import MEASUREMENTS, Parameter
from ui.dashboard.theme import Theme
from ui.dashboard.tiles import Tile, make_tiles
from ui.dashboard.widgets import MAX_PX

SPACING_PX = 10
SMALL_SHARE = 0.85  # a small tile's digits at most this share of the smallest large tile's


def columns(shown: list[str]) -> list[list[str]]:
    """The tiles of each column, left to right: one per column, or two small ones stacked."""
    small = [key for key in shown if MEASUREMENTS[key].small]
    if len(small) <= 2:
        return [[key] for key in shown]
    pairs = [small[i:i + 2] for i in range(0, len(small), 2)]
    return [[key] for key in shown if not MEASUREMENTS[key].small] + pairs


class TileRow(QWidget):
    """The tiles, by measurement key; :meth:`show_values` is called when readings arrive."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.tiles: dict[str, Tile] = make_tiles(theme)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(SPACING_PX)
        for key, tile in self.tiles.items():
            tile.setParent(self)
            tile.setVisible(MEASUREMENTS[key].always_shown)
            if not MEASUREMENTS[key].small:
                tile.value.fitted.connect(self._cap_small)
        self._arranged: list[list[str]] = []
        self._arrange()

    def shown(self) -> list[str]:
        return [key for key, tile in self.tiles.items() if not tile.isHidden()]

    def show_values(self, latest: LatestValues, baseline: Mapping[Parameter, float], forming: bool,
                    now: datetime) -> None:
        """Every tile's numbers; a tile not yet shown appears once its monitor sent a value."""
        appeared = False
        for tile in self.tiles.values():
            if tile.isHidden():
                if not any(latest.has_seen(p) for p in tile.parameters):
                    continue
                tile.show()
                appeared = True
            tile.show_values([latest.view(p, now) for p in tile.parameters], baseline, forming)
        if appeared:
            self._arrange()

    def apply_theme(self, theme: Theme) -> None:
        for tile in self.tiles.values():
            tile.apply_theme(theme)

    def _cap_small(self, *_px: int) -> None:
        """Keep a single large number (HR) no larger than the shown pressures, and the small
        tiles' digits below the large ones'."""
        shown = {k: t for k, t in self.tiles.items() if not t.isHidden()}
        pressures = [t.value.fitted_px() for k, t in shown.items() if MEASUREMENTS[k].pressure]
        for key, tile in self.tiles.items():
            if not MEASUREMENTS[key].small and not MEASUREMENTS[key].pressure:
                tile.value.set_max_px(min(pressures) if pressures else MAX_PX)
        large = [t.value.pixel_size() for k, t in shown.items() if not MEASUREMENTS[k].small]
        if large:
            cap = int(min(large) * SMALL_SHARE)
            for key, tile in self.tiles.items():
                if MEASUREMENTS[key].small:
                    tile.value.set_max_px(cap)

    def _arrange(self) -> None:
        """Place the shown tiles (see the module docstring); only when which are shown changed."""
        layout = columns(self.shown())
        if layout == self._arranged:
            return
        for tile in self.tiles.values():
            self._grid.removeWidget(tile)
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 0)
        for column, keys in enumerate(layout):
            for row, key in enumerate(keys):
                span = 2 if len(keys) == 1 else 1
                self._grid.addWidget(self.tiles[key], row, column, span, 1)
            self._grid.setColumnStretch(column, max(MEASUREMENTS[k].stretch for k in keys))
        self._grid.setRowStretch(0, 1)
        self._grid.setRowStretch(1, 1)
        self._arranged = layout
        self._cap_small()


__all__ = ["TileRow", "columns"]
