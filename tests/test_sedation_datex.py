"""Respiration rate, end-tidal CO2 and temperature from a GE Datex monitor (spec §A.6, §A.7).

Independent truth: every frame is built by the spec encoder of :mod:`tests.test_datex`
(struct.pack from the spec's tables, not the simulator's encoder) and every expected
value is worked out by hand in the test. The first two tests are the issue's
"done when": a CARESCAPE-like byte stream through a real pseudo-terminal into
``infusion-monitor record --protocol datex --jsonl``.
"""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import time
import tty

import pytest

from devices.protocols.datex import Deframer, decode_record, parse_request
from monitor.readings import Observation, Parameter, Quality
from tests.conftest import ROOT
from tests.test_datex import (
    INVALID,
    by_parameter,
    spec_basic_class,
    spec_ext1_class,
    spec_frame,
    spec_group,
    spec_record,
)

NOT_UPDATED, DISCONT, UNDER, OVER, NOT_CALIBRATED = -32766, -32765, -32764, -32763, -32762
T0 = 1_780_000_000  # 2026-05-28, the monitor's clock in Unix seconds
ECG_PRESENT = 0x0B  # module exists, measurement active, HR source ECG


def ecg(hr: int, imp_rr: int, status: int = ECG_PRESENT) -> bytes:
    """ecg group: status, label (lead II on channel 1), hr, st1-st3 invalid, imp_rr (§A.6)."""
    return spec_group(status, 0x0200, hr, INVALID, INVALID, INVALID, imp_rr)


def co2(et: int, rr: int, amb_press: int, status: int = 3) -> bytes:
    """co2 group: et (1/100 %), fi, rr (/min), amb_press (1/10 mmHg) (§A.6)."""
    return spec_group(status, 0, et, 0, rr, amb_press)


def t1(temp: int, status: int = 3) -> bytes:
    return spec_group(status, 0, temp)


def carescape_record(unix_s: int, groups: dict[str, bytes]) -> bytes:
    """A CARESCAPE-style DISPL record: basic, ext1, ext2 and ext3 subrecords, dri level 10."""
    basic = spec_basic_class({"spo2": spec_group(3, 0, 9700, 71, INVALID, INVALID), **groups})
    unknown = struct.pack("<135h", *[INVALID] * 135)  # ext2/ext3: no layout in the spec
    subrecords = [(unix_s, 0, basic), (unix_s, 1, spec_ext1_class()), (unix_s, 2, unknown),
                  (unix_s, 3, unknown)]
    record = bytearray(spec_record(subrecords))
    record[3] = 10  # dri_level '09: what public CARESCAPE captures report (§A.4)
    return bytes(record)


def decoded(groups: dict[str, bytes]) -> dict[Parameter, Observation]:
    return by_parameter(decode_record(carescape_record(T0, groups)))


# --- through a real pseudo-terminal into `infusion-monitor record` ---------------------------


def record_from_pty(frames: list[bytes], tmp_path, python: str, env: dict[str, str]) -> list[dict]:
    """Play the monitor on a pty: wait for the host's DISPL request, send ``frames``, return
    the reading lines ``record --jsonl`` printed."""
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        proc = subprocess.Popen(
            [python, str(ROOT / "main.py"), "record", "--port", os.ttyname(slave), "--protocol",
             "datex", "--jsonl", "--duration", "5", "--out", str(tmp_path / "s.irm.sqlite")],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert displ_request_arrives(master), "the recorder never asked for displayed values"
        os.write(master, b"".join(frames))
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 0, err
    return [line for line in map(json.loads, out.splitlines()) if line["type"] == "reading"]


def displ_request_arrives(master: int, timeout_s: float = 30.0) -> bool:
    """The monitor is silent until asked (§A.4): read until a DISPL request deframes."""
    deframer, deadline = Deframer(), time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], deadline - time.monotonic())
        if ready:
            for record in deframer.feed(os.read(master, 4096)):
                request = parse_request(record)
                if request is not None and request.record_type == 1 and request.interval_s != 0:
                    return True
    return False


@pytest.mark.slow
def test_carescape_impedance_respiration_and_a_capnograph_frame_through_a_pty(tmp_path, python, cli_env):
    imp_rr = [12, 14, 0x7E, 9, 22]  # one breath rate per frame; 0x7E must survive escaping
    frames = [spec_frame(carescape_record(T0 + i, {"ecg": ecg(72, rr)})) for i, rr in enumerate(imp_rr)]
    # then a monitor with a capnograph and a temperature probe: et 5.00 %, ambient 760.0 mmHg,
    # its own breath count 11 (beats the impedance's 15), t1 36.80 degC
    with_co2 = {"ecg": ecg(72, 15), "co2": co2(500, 11, 7600), "t1": t1(3680)}
    frames.append(spec_frame(carescape_record(T0 + 5, with_co2)))
    # and one where the capnograph is over range and the probe not updated: no numbers
    specials = {"ecg": ecg(72, INVALID), "co2": co2(OVER, INVALID, 7600), "t1": t1(NOT_UPDATED)}
    frames.append(spec_frame(carescape_record(T0 + 6, specials)))

    readings = record_from_pty(frames, tmp_path, python, cli_env)

    rr = [r for r in readings if r["parameter"] == "RR"]
    assert [(r["value"], r["source"]) for r in rr[:5]] == [(v, "datex:impedance") for v in imp_rr]
    assert [r["unit"] for r in rr] == ["/min"] * 7
    assert (rr[5]["value"], rr[5]["source"]) == (11, "datex:co2")
    assert (rr[6]["value"], rr[6]["quality"], rr[6]["source"]) == (None, ["INVALID"], "datex:co2")
    etco2 = [r for r in readings if r["parameter"] == "ETCO2"]
    temp = [r for r in readings if r["parameter"] == "TEMP"]
    assert [(r["value"], r["unit"], r["quality"]) for r in etco2] == [
        (38, "mmHg", []),  # 500 x 7600 x 1e-5 = 38.0 mmHg
        (None, "mmHg", ["OVER_RANGE"]),
    ]
    assert [(r["value"], r["unit"], r["quality"]) for r in temp] == [
        (36.8, "\u00b0C", []), (None, "\u00b0C", ["NOT_UPDATED"]),
    ]
    assert len({r["device_time"] for r in rr}) == 7  # one per frame, each with the frame's time


# --- decoding rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("et", "amb_press", "mmhg"),
    [
        (500, 7600, 38.0),  # the example
        (533, 7600, 40.5),  # 5.33 % x 760.0 mmHg = 40.508
        (600, 6300, 37.8),  # 6.00 % at 630.0 mmHg (about 1600 m altitude)
        (0, 7600, 0.0),  # no exhaled CO2 (apnoea, line off the nose) is a measured 0
    ],
)
def test_etco2_is_the_percentage_times_the_ambient_pressure(et, amb_press, mmhg):
    etco2 = decoded({"ecg": ecg(72, 14), "co2": co2(et, 14, amb_press)})[Parameter.ETCO2]
    assert (etco2.value, etco2.quality) == (mmhg, Quality.NONE)


def test_the_capnograph_counts_rr_when_both_have_a_number():
    rr = decoded({"ecg": ecg(72, 18), "co2": co2(500, 11, 7600)})[Parameter.RR]
    assert (rr.value, rr.origin) == (11.0, "co2")


@pytest.mark.parametrize("co2_rr", [INVALID, NOT_UPDATED, DISCONT, UNDER, OVER, NOT_CALIBRATED])
def test_impedance_takes_over_while_the_capnograph_has_no_count(co2_rr):
    rr = decoded({"ecg": ecg(72, 18), "co2": co2(500, co2_rr, 7600)})[Parameter.RR]
    assert (rr.value, rr.quality, rr.origin) == (18.0, Quality.NONE, "impedance")


def test_impedance_counts_while_the_capnograph_is_not_measuring():
    rr = decoded({"ecg": ecg(72, 18), "co2": co2(500, 11, 7600, status=1)})[Parameter.RR]
    assert (rr.value, rr.origin) == (18.0, "impedance")


@pytest.mark.parametrize(
    ("raw", "quality"),
    [(INVALID, Quality.INVALID), (NOT_UPDATED, Quality.NOT_UPDATED), (DISCONT, Quality.INVALID),
     (UNDER, Quality.UNDER_RANGE), (OVER, Quality.OVER_RANGE), (NOT_CALIBRATED, Quality.NOT_CALIBRATED),
     (-32768, Quality.INVALID), (-32001, Quality.INVALID)],
)
def test_special_values_give_no_number(raw, quality):
    shown = decoded({"ecg": ecg(72, raw), "co2": co2(raw, raw, 7600), "t1": t1(raw)})
    for parameter in (Parameter.RR, Parameter.ETCO2, Parameter.TEMP):
        assert (shown[parameter].value, shown[parameter].quality) == (None, quality), parameter
    assert shown[Parameter.RR].origin == "co2"  # the capnograph is measuring: its reason


@pytest.mark.parametrize("amb_press", [INVALID, NOT_CALIBRATED, 0, -5])
def test_etco2_without_a_valid_ambient_pressure_is_no_number(amb_press):
    etco2 = decoded({"ecg": ecg(72, 14), "co2": co2(500, 14, amb_press)})[Parameter.ETCO2]
    assert etco2.value is None and etco2.quality in (Quality.INVALID, Quality.NOT_CALIBRATED)


def test_modules_that_exist_but_do_not_measure_are_absent():
    shown = decoded({"ecg": ecg(72, 14, status=1), "co2": co2(500, 14, 7600, status=1),
                     "t1": t1(3680, status=1)})
    for parameter in (Parameter.RR, Parameter.ETCO2, Parameter.TEMP):
        assert (shown[parameter].value, shown[parameter].quality) == (None, Quality.ABSENT)


def test_a_monitor_without_capnograph_or_probe_reports_neither():
    shown = decoded({"ecg": ecg(72, 16)})
    assert Parameter.ETCO2 not in shown and Parameter.TEMP not in shown
    assert (shown[Parameter.RR].value, shown[Parameter.RR].origin) == (16.0, "impedance")


def test_no_ecg_and_no_capnograph_means_no_respiration_rate():
    assert Parameter.RR not in decoded({"ecg": ecg(0, 16, status=0)})


@pytest.mark.parametrize(("raw", "celsius"), [(3680, 36.8), (3549, 35.49), (4210, 42.1), (0, 0.0)])
def test_temperature_is_t1_in_hundredths_of_a_degree(raw, celsius):
    temp = decoded({"ecg": ecg(72, 14), "t1": t1(raw)})[Parameter.TEMP]
    assert (temp.value, temp.quality) == (celsius, Quality.NONE)


def test_implausible_numbers_are_screened_out_by_the_session():
    """A frame whose checksum let damage through: 400 breaths/min, 180 mmHg, 60 degC."""
    from devices.protocols.datex_session import DatexSession

    session = DatexSession()
    session.on_open(0.0)
    frame = spec_frame(carescape_record(T0, {"ecg": ecg(72, 400), "co2": co2(2369, 400, 7600),
                                             "t1": t1(6000)}))
    shown = by_parameter([o for o in session.feed(frame, 1.0) if isinstance(o, Observation)])
    for parameter in (Parameter.RR, Parameter.ETCO2, Parameter.TEMP):
        assert shown[parameter].value is None and shown[parameter].quality & Quality.INVALID
