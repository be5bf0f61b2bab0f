"""The bedside dashboard settles: once laid out it stays put until something changes.

Found by the benchmark an hour into a session (docs/BENCHMARKS.md): during the infusion the
header sized its phase font from its middle column's width, which that font's size changed,
so at some window widths the two chased each other (50 <-> 51 px) and the whole window was
laid out and repainted about 30 times a second for the whole infusion. Laying out is driven
by posted events, so a window that does not settle keeps resizing its header however often
the events are processed, with no time passing at all.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from monitor.readings import LinkEvent, LinkState, Parameter
from tests.test_dashboard import T0, Bedside


class Resizes(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.count += 1
        return False


def test_the_window_stops_laying_itself_out_during_an_infusion_at_any_width(qtbot, tmp_path):
    side = Bedside(qtbot, tmp_path)
    window = side.window
    window.on_event(LinkEvent(LinkState.RECEIVING, "Receiving datex data from /dev/ttyUSB0.", T0,
                              "/dev/ttyUSB0", "datex"))
    side.nibp(124, 80, 95)
    side.run(300)
    side.session.start_infusion()
    side.run(1439, hr=95)  # 23:55 into the infusion: the clock, the time left and the progress bar shown
    window.refresh()
    window.show()
    resizes = Resizes()
    window.header.installEventFilter(resizes)
    app = QApplication.instance()
    unsettled = []
    for width in range(1480, 1721, 3):
        window.resize(width, 900)
        for _ in range(20):  # lay out
            app.processEvents()
        resizes.count = 0
        for _ in range(40):
            app.processEvents()
        if resizes.count:
            unsettled.append((width, resizes.count))
    assert unsettled == []
    assert side.latest.view(Parameter.HR, side.clock.now()).value == 95
