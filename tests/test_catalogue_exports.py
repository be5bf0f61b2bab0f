"""Every display and export reads the parameter catalogue: recordings of the first version's nine
parameters export exactly as before, and RR, EtCO2 and temperature reach the tiles, the review
chart, the CSV, the EDF+ (read back with pyedflib) and the PDF report (read back with pdftotext).

Expected values are written by hand from the readings put in, not taken from the code under test.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pyedflib
import pytest
from PySide6.QtWidgets import QApplication

from monitor.readings import Parameter, Quality
from tests.test_dashboard import Bedside
from tests.test_review_reader import (  # noqa: F401  (clinic_time_zone is a fixture)
    clinic_time_zone,
    phase,
    reading,
    record,
)
from ui.dashboard.tile_row import columns
from ui.report import export
from ui.review.review_window import open_review

P = Parameter
pytestmark = pytest.mark.usefixtures("clinic_time_zone")


# -- a recording of the first version: the CSV it always gave ----------------------------------------

def _first_version_items() -> list:
    """Two Datex records and a third with SpO2 sent without a value, as the first version recorded them."""
    items: list = [phase(0, "baseline")]
    first = [(P.HR, 72), (P.PR, 71), (P.NIBP_SYS, 124), (P.NIBP_DIA, 78), (P.NIBP_MEAN, 93),
             (P.ART_SYS, 141), (P.ART_DIA, 84), (P.ART_MEAN, 103), (P.SPO2, 98.25)]
    items += [reading(p, v, 0) for p, v in first]
    items += [reading(P.HR, 73, 5.5), reading(P.SPO2, 97, 5.5)]
    items += [reading(P.HR, 74, 10.25), reading(P.SPO2, None, 10.25, Quality.SENSOR_OFF)]
    return items


EXPECTED_FIRST_VERSION_CSV = (
    "time_utc,elapsed_s,HR,PR,NIBP_SYS,NIBP_DIA,NIBP_MEAN,ART_SYS,ART_DIA,ART_MEAN,SPO2\r\n"
    "2026-11-22T08:00:00.000Z,0.000,72,71,124,78,93,141,84,103,98.25\r\n"
    "2026-11-22T08:00:05.500Z,5.500,73,,,,,,,,97\r\n"
    "2026-11-22T08:00:10.250Z,10.250,74,,,,,,,,\r\n"
)


def test_a_recording_of_the_nine_first_parameters_exports_the_csv_it_always_did(tmp_path):
    path = record(tmp_path / "old.irm.sqlite", _first_version_items())
    [out] = export(path, "csv", tmp_path / "old.csv")
    assert out.read_bytes() == EXPECTED_FIRST_VERSION_CSV.encode()


# -- a recording with respiration and temperature ---------------------------------------------------

def _sedation_items() -> list:
    """Ten minutes, a Datex record every 10 s: HR, SpO2, RR, EtCO2 and temperature, one cuff result."""
    items: list = [phase(0, "baseline"), phase(300, "infusion")]
    items += [reading(P.NIBP_SYS, 122, 2), reading(P.NIBP_DIA, 76, 2), reading(P.NIBP_MEAN, 91, 2)]
    for s in range(0, 601, 10):
        items += [reading(P.HR, 70 + s // 100, s), reading(P.SPO2, 98, s), reading(P.RR, 14 if s < 300 else 12, s),
                  reading(P.ETCO2, 38, s), reading(P.TEMP, 36.8, s)]
    return items


@pytest.fixture(scope="module")
def sedation(tmp_path_factory) -> Path:
    return record(tmp_path_factory.mktemp("sedation") / "20261122-080000-P-0042.irm.sqlite", _sedation_items())


def test_the_csv_has_columns_for_rr_etco2_and_temperature(sedation, tmp_path):
    [out] = export(sedation, "csv", tmp_path / "s.csv")
    lines = out.read_text().splitlines()
    assert lines[0] == "time_utc,elapsed_s,HR,PR,NIBP_SYS,NIBP_DIA,NIBP_MEAN,ART_SYS,ART_DIA,ART_MEAN,SPO2,RR,ETCO2,TEMP"
    assert lines[1] == "2026-11-22T08:00:00.000Z,0.000,70,,,,,,,,98,14,38,36.8"
    assert lines[-1] == "2026-11-22T08:10:00.000Z,600.000,76,,,,,,,,98,12,38,36.8"


def test_the_edf_has_rr_etco2_and_temperature_signals(sedation, tmp_path):
    [out] = export(sedation, "edf", tmp_path / "s.edf")
    edf = pyedflib.EdfReader(str(out))
    try:
        labels = edf.getSignalLabels()
        assert labels[-3:] == ["RR", "ETCO2", "TEMP"]
        got = {label: i for i, label in enumerate(labels)}
        assert [edf.getPhysicalDimension(got[k]) for k in ("RR", "ETCO2", "TEMP")] == ["/min", "mmHg", "degC"]
        assert edf.getTransducer(got["TEMP"]) == "temperature probe"
        assert edf.getTransducer(got["ETCO2"]) == "capnograph"
        temp = edf.readSignal(got["TEMP"])
        rr = edf.readSignal(got["RR"])
    finally:
        edf.close()
    assert np.allclose(temp[:601], 36.8)  # held every second of the session: a reading every 10 s
    assert np.allclose(rr[:300], 14) and np.allclose(rr[300:601], 12)
    assert np.allclose(temp[601:660], 36.8)  # a temperature stays current for 60 s (catalogue)
    assert np.allclose(rr[601:616], 12) and (rr[616:] < -300).all()  # RR for 15 s, then the gap value


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils are not installed")
def test_the_pdf_reports_rr_etco2_and_temperature(sedation, tmp_path):
    [out] = export(sedation, "pdf", tmp_path / "s.pdf")
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for row in ("Respiration rate (/min)", "End-tidal CO\u2082 (mmHg)", "Temperature (\u00b0C)"):
        assert row in text
    assert "RR 12 /min" in text and "EtCO\u2082 38 mmHg" in text and "Temp 36.8 \u00b0C" in text  # at the end
    assert "RR /min, EtCO\u2082 mmHg" in text and "Temperature \u00b0C" in text  # the plot's panels
    assert "Monitor GE Datex-Ohmeda S/5" in text and "(datex) on /dev/ttyUSB0" in text  # named by its caller


def test_the_review_chart_draws_respiration_and_temperature_panels(sedation, qtbot):
    window = open_review(sedation)
    qtbot.addWidget(window)
    chart = window.chart
    assert chart.shown == ["haemo", "spo2", "resp", "temp"]
    x, y = chart.curves[P.TEMP].xData, chart.curves[P.TEMP].yData
    assert len(x) == 61 and np.allclose(y, 36.8)
    assert chart.panels["temp"].y_range == (35.0, 39.0)  # the panel's default range holds 36.8
    assert "RR" in window.readout.groups and "TEMP" in window.readout.groups


# -- the dashboard -------------------------------------------------------------------------------------

def test_new_tiles_appear_when_sent_and_temperature_has_one_decimal(qtbot, tmp_path):
    bed = Bedside(qtbot, tmp_path)
    window = bed.refresh()
    assert all(window.tiles[k].isHidden() for k in ("RR", "ETCO2", "TEMP"))
    for parameter, value in ((P.SPO2, 97), (P.PR, 70), (P.RR, 14), (P.ETCO2, 38), (P.TEMP, 36.84)):
        bed.send(parameter, value)
    window = bed.refresh()
    assert window.tiles["TEMP"].value.text() == "36.8" and window.tiles["RR"].value.text() == "14"
    assert not any(window.tiles[k].isHidden() for k in ("RR", "ETCO2", "TEMP"))


def test_small_tiles_stack_in_pairs_from_three_on_and_the_large_ones_keep_their_columns():
    assert columns(["HR", "NIBP", "SPO2", "PR"]) == [["HR"], ["NIBP"], ["SPO2"], ["PR"]]
    assert columns(["HR", "NIBP", "ART", "SPO2", "PR", "RR", "ETCO2", "TEMP"]) == [
        ["HR"], ["NIBP"], ["ART"], ["SPO2", "PR"], ["RR", "ETCO2"], ["TEMP"]]


def test_with_every_tile_shown_hr_nibp_and_art_stay_the_largest_numbers(qtbot, tmp_path):
    bed = Bedside(qtbot, tmp_path)
    bed.nibp(124, 78, 93)
    for parameter, value in ((P.HR, 72), (P.ART_SYS, 141), (P.ART_DIA, 84), (P.ART_MEAN, 103), (P.SPO2, 97),
                             (P.PR, 70), (P.RR, 14), (P.ETCO2, 38), (P.TEMP, 36.8)):
        bed.send(parameter, value)
    window = bed.refresh()
    for size in ((1600, 900), (1920, 1080)):
        window.resize(*size)
        window.show()
        qtbot.waitUntil(lambda s=size: window.width() == s[0], timeout=2000)
        for _ in range(3):  # the layout settles on the next turns of the event loop
            QApplication.processEvents()
        window.refresh()
        px = {key: tile.value.font().pixelSize() for key, tile in window.tiles.items()}
        smallest_large = min(px[k] for k in ("HR", "NIBP", "ART"))
        assert all(px[k] < smallest_large for k in ("SPO2", "PR", "RR", "ETCO2", "TEMP")), (size, px)
