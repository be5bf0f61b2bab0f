"""Datex-Ohmeda S/5 decoding rules (§A.5–A.7) on records built by the independent
spec encoder in :mod:`tests.test_datex`: which channel is arterial, what the status
and label bits mean, and which values become dashes instead of numbers.
"""

from __future__ import annotations

import pytest

from devices.protocols.datex import decode_record
from monitor.readings import Parameter, Quality
from tests.test_datex import (
    INVALID,
    by_parameter,
    records,
    shown,
    spec_basic_class,
    spec_d4_record,
    spec_ext1_class,
    spec_frame,
    spec_group,
    spec_record,
)


def test_class_comes_from_cl_drilvl_subt_not_position():
    ext1 = spec_ext1_class(p8=spec_group(3, 1, 15000, 9000, 11000, 80))
    basic = spec_basic_class({"ecg": spec_group(3, 0, 61)})
    (record,) = records(spec_frame(spec_record([(1, 1, ext1), (1, 0, basic)])))
    values = shown(decode_record(record))
    assert values[Parameter.HR] == 61.0
    assert (values[Parameter.ART_SYS], values[Parameter.ART_MEAN]) == (150.0, 110.0)


def test_first_arterial_channel_wins():
    basic = spec_basic_class(
        {
            "p1": spec_group(3, 2, 1200, 400, 800, 70),  # CVP: not arterial
            "p2": spec_group(3, 16, 13000, 7000, 9000, 70),  # FEM
            "p5": spec_group(3, 1, 11000, 6000, 8000, 70),  # ART, later channel
        }
    )
    ext1 = spec_ext1_class(p7=spec_group(3, 8, 9900, 5000, 7000, 70))
    values = shown(decode_record(spec_record([(1, 0, basic), (1, 1, ext1)])))
    assert values[Parameter.ART_SYS] == 130.0


def test_p7_in_an_ext1_subrecord_sent_first_does_not_beat_p2():
    basic = spec_basic_class({"p2": spec_group(3, 8, 12500, 8500, 9800, 70)})  # ABP
    ext1 = spec_ext1_class(p7=spec_group(3, 1, 9900, 5000, 7000, 70))  # ART
    values = shown(decode_record(spec_record([(1, 1, ext1), (1, 0, basic)])))
    assert values[Parameter.ART_SYS] == 125.0


def test_an_inactive_arterial_channel_gives_way_to_an_active_one():
    basic = spec_basic_class(
        {
            "p1": spec_group(1, 1, INVALID, INVALID, INVALID, INVALID),  # exists, not active
            "p2": spec_group(3, 17, 6000, 3500, 4500, 140),  # UAC
        }
    )
    values = shown(decode_record(spec_record([(1, 0, basic)])))
    assert values[Parameter.ART_MEAN] == 45.0


def test_arterial_channel_without_module_shows_dashes():
    basic = spec_basic_class({"p4": spec_group(0, 8, 12000, 8000, 9000, 70)})  # ABP, status 0
    observations = by_parameter(decode_record(spec_record([(1, 0, basic)])))
    for parameter in (Parameter.ART_SYS, Parameter.ART_DIA, Parameter.ART_MEAN):
        assert observations[parameter].value is None
        assert observations[parameter].quality == Quality.ABSENT


@pytest.mark.parametrize("label", [0, 2, 3, 4, 5, 6, 7, *range(9, 16), *range(18, 23), 0x0101])
def test_non_arterial_labels_give_no_art(label):
    basic = spec_basic_class({"p1": spec_group(3, label, 12000, 8000, 9300, 70)})
    ext1 = spec_ext1_class(p7=spec_group(3, label, 12000, 8000, 9300, 70))
    parameters = shown(decode_record(spec_record([(1, 0, basic), (1, 1, ext1)])))
    assert not {Parameter.ART_SYS, Parameter.ART_DIA, Parameter.ART_MEAN} & set(parameters)


def test_absent_modules_still_report_every_basic_parameter_as_a_dash():
    observations = decode_record(spec_record([(1, 0, spec_basic_class({}))]))
    assert [o.parameter for o in observations] == [
        Parameter.HR,
        Parameter.NIBP_SYS,
        Parameter.NIBP_DIA,
        Parameter.NIBP_MEAN,
        Parameter.SPO2,
        Parameter.PR,
    ]
    assert all(o.value is None and o.quality == Quality.ABSENT for o in observations)


@pytest.mark.parametrize(
    ("status", "present"), [(0, False), (1, False), (2, False), (3, True), (0x0B, True)]
)
def test_module_needs_exists_and_active_bits(status, present):
    basic = spec_basic_class({"ecg": spec_group(status, 0, 80)})
    hr = by_parameter(decode_record(spec_record([(1, 0, basic)])))[Parameter.HR]
    assert (hr.value, hr.quality) == ((80.0, Quality.NONE) if present else (None, Quality.ABSENT))


@pytest.mark.parametrize(
    ("raw", "value", "quality"),
    [
        (-32767, None, Quality.INVALID),
        (-32766, None, Quality.NOT_UPDATED),
        (-32765, None, Quality.INVALID),  # DATA_DISCONT
        (-32764, None, Quality.UNDER_RANGE),
        (-32763, None, Quality.OVER_RANGE),
        (-32762, None, Quality.NOT_CALIBRATED),
        (-32768, None, Quality.INVALID),
        (-32001, None, Quality.INVALID),  # VSCapture's off-by-one would show this (§A.7)
        (-32000, -320.0, Quality.NONE),  # the smallest valid value
        (0, 0.0, Quality.NONE),
    ],
)
def test_special_values_never_become_numbers(raw, value, quality):
    basic = spec_basic_class({"nibp": spec_group(3, 0, raw, raw, raw, raw)})
    nibp_sys = by_parameter(decode_record(spec_record([(1, 0, basic)])))[Parameter.NIBP_SYS]
    assert (nibp_sys.value, nibp_sys.quality) == (value, quality)


@pytest.mark.parametrize(
    ("label", "quality"),
    [
        (0x0008, Quality.NONE),  # AUTO
        (0x0008 | 0x0020, Quality.NIBP_MEASURING),
        (0x0080, Quality.CALIBRATING),
        (0x0100, Quality.OLDER_THAN_60S),
        (0x0020 | 0x0100, Quality.NIBP_MEASURING | Quality.OLDER_THAN_60S),
    ],
)
def test_nibp_label_bits_qualify_the_value(label, quality):
    basic = spec_basic_class({"nibp": spec_group(3, label, 12000, 8000, 9300, 70)})
    observations = by_parameter(decode_record(spec_record([(1, 0, basic)])))
    for parameter in (Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN):
        assert observations[parameter].quality == quality
    assert observations[Parameter.NIBP_SYS].value == 120.0


def test_measuring_with_invalid_value_keeps_both_flags():
    basic = spec_basic_class({"nibp": spec_group(3, 0x0020, INVALID, INVALID, INVALID, 0)})
    nibp = by_parameter(decode_record(spec_record([(1, 0, basic)])))[Parameter.NIBP_MEAN]
    assert nibp.value is None and nibp.quality == Quality.INVALID | Quality.NIBP_MEASURING


@pytest.mark.parametrize(
    "record",
    [
        b"",
        b"\x31\x00",
        spec_d4_record()[:100],  # header promises a subrecord that is cut off
        spec_record([(1, 0, spec_basic_class({}))], r_maintype=1),  # waveform record
        spec_record([(1, 0, spec_basic_class({}))], sr_type=2),  # 10 s trend
        spec_record([(1, 0, spec_basic_class({}))], r_maintype=4),  # alarm
    ],
)
def test_records_that_are_not_displayed_values_give_nothing(record):
    assert decode_record(record) == []


def test_every_prefix_of_a_record_decodes_without_raising():
    record = spec_d4_record()
    for n in range(len(record)):
        assert decode_record(record[:n]) == []
