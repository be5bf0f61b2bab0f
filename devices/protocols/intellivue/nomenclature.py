"""Numeric identifiers of the IntelliVue Data Export protocol (spec §B.3–§B.6).

Names follow the Philips nomenclature (``NOM_…``) as VSCaptureMP [S7] spells them,
so a reader can look each one up. Only the ids this package uses are listed.
"""

from __future__ import annotations

# --- Association control: first byte of the user data (SPDU id), §B.3 -------------
SPDU_CONNECT = 0x0D  # AARQ, host -> monitor
SPDU_ACCEPT = 0x0E  # AARE
SPDU_REFUSE = 0x0C
SPDU_FINISH = 0x09  # release request
SPDU_DISCONNECT = 0x0A  # release response
SPDU_ABORT = 0x19

# --- Data export: SPpdu, ROapdus, commands, §B.3 -----------------------------------
SESSION_ID = 0xE100
PRESENTATION_CONTEXT = 0x0002  # seen in all traffic of the real capture

RO_INVOKE = 1  # ROIV
RO_RESULT = 2  # RORS
RO_ERROR = 3  # ROER
RO_LINKED_RESULT = 5  # RORLS

RORLS_FIRST = 1
RORLS_NOT_FIRST_NOT_LAST = 2
RORLS_LAST = 3

CMD_EVENT_REPORT = 0
CMD_CONFIRMED_EVENT_REPORT = 1
CMD_GET = 3
CMD_SET = 4
CMD_CONFIRMED_SET = 5
CMD_CONFIRMED_ACTION = 7

NOM_NOTI_MDS_CREAT = 0x0D06
NOM_ACT_POLL_MDIB_DATA = 0x0C16
NOM_ACT_POLL_MDIB_DATA_EXT = 0xF13B

# --- Objects ------------------------------------------------------------------------
NOM_MOC_VMS_MDS = 0x0021
NOM_PART_OBJ = 0x0001
NOM_MOC_VMO_METRIC_NU = 0x0006  # numerics
NOM_MOC_VMO_METRIC_SA_RT = 0x0009  # real-time sample arrays (waves)

# --- Attributes, §B.4/§B.5 ---------------------------------------------------------
NOM_ATTR_ID_HANDLE = 0x0921
NOM_ATTR_ID_LABEL = 0x0924
NOM_ATTR_ID_LABEL_STRING = 0x0927
NOM_ATTR_NU_CMPD_VAL_OBS = 0x094B
NOM_ATTR_NU_VAL_OBS = 0x0950
NOM_ATTR_TIME_ABS = 0x0987  # MDS absolute time (BCD)
NOM_ATTR_TIME_REL = 0x098F  # MDS relative time (ticks)
NOM_ATTR_TIME_STAMP_ABS = 0x0990  # measurement time of an object (BCD; NIBP)
NOM_ATTR_TIME_STAMP_REL = 0x0991  # measurement time of an object (ticks)
NOM_ATTR_SYS_TYPE = 0x0986
NOM_ATTR_ID_MODEL = 0x0928
NOM_ATTR_TIME_PD_POLL = 0xF13E  # poll period, ticks (ext poll argument)

# --- physio ids (SCADA codes), §B.6 ------------------------------------------------
NOM_ECG_CARD_BEAT_RATE = 0x4182
NOM_ECG_CARD_BEAT_RATE_BTB = 0x418A  # beat-to-beat HR: not mapped (too noisy for a trend)
NOM_PULS_RATE = 0x480A
NOM_PLETH_PULS_RATE = 0x4822
NOM_PRESS_BLD_NONINV_PULS_RATE = 0xF0E5

NOM_PRESS_BLD_NONINV = 0x4A04
NOM_PRESS_BLD_NONINV_SYS = 0x4A05
NOM_PRESS_BLD_NONINV_DIA = 0x4A06
NOM_PRESS_BLD_NONINV_MEAN = 0x4A07

NOM_PRESS_BLD_ART = 0x4A10  # "ART": sys/dia/mean = +1/+2/+3
NOM_PRESS_BLD_ART_ABP = 0x4A14  # "ABP"
NOM_PRESS_BLD_ART_FEMORAL = 0xF0BC  # "FAP"
NOM_PRESS_BLD_ART_BRACHIAL = 0xF0C0  # "BAP"

NOM_PULS_OXIM_SAT_O2 = 0x4BB8

# Respiration, CO2 and temperature: ids from VSCaptureMP [S7] Class2.cs (enum AlertSource,
# xeonfusion/VSCaptureMP @ 1f9dc4e5, VSCaptureMP/VSCaptureMP/Class2.cs), decimal there.
# Which RR is which is read from the Philips labels ("RR" for the impedance measurement,
# "awRR" for the airway one, as public NLS label tables spell them) (inferred).
NOM_RESP_RATE = 0x500A  # 20490 "RR": respiration rate from the ECG electrodes' impedance
NOM_AWAY_RESP_RATE = 0x5012  # 20498 "awRR": airway respiration rate, counted by the capnograph
NOM_AWAY_CO2_ET = 0x50B0  # 20656 "etCO2": end-tidal CO2 as a partial pressure (mmHg or kPa)
NOM_TEMP = 0x4B48  # 19272 "Temp": site not specified
NOM_TEMP_CORE = 0x4B60  # 19296
NOM_TEMP_ESOPH = 0x4B64  # 19300
NOM_TEMP_NASOPH = 0x4B6C  # 19308
NOM_TEMP_SKIN = 0x4B74  # 19316
NOM_TEMP_TYMP = 0x4B78  # 19320
NOM_TEMP_RECT = 0xE004  # 57348
NOM_TEMP_BLD = 0xE014  # 57364
NOM_TEMP_VESICAL = 0xF0C4  # 61636
NOM_TEMP_GEN_1 = 0xF0C7  # 61639 .. NOM_TEMP_GEN_4 = 0xF0CA (61642): user-labelled channels
NOM_TEMP_ORAL = 0xF108  # 61704
NOM_TEMP_AXIL = 0xF10C  # 61708

# --- unit codes, §B.6; the last three from [S7] Class2.cs (enum of units, decimal there) --
NOM_DIM_DIMLESS = 0x0200
NOM_DIM_PERCENT = 0x0220
NOM_DIM_BEAT_PER_MIN = 0x0AA0
NOM_DIM_KILO_PASCAL = 0x0F03
NOM_DIM_MMHG = 0x0F20
NOM_DIM_RESP_PER_MIN = 0x0AE0  # 2784 "rpm"
NOM_DIM_DEGC = 0x17A0  # 6048
NOM_DIM_FAHR = 0x1140  # 4416

# --- MeasurementState bits, §B.6 ------------------------------------------------------
STATE_INVALID = 0x8000
STATE_QUESTIONABLE = 0x4000
STATE_UNAVAILABLE = 0x2000
STATE_CALIBRATION_ONGOING = 0x1000
STATE_TEST_DATA = 0x0800
STATE_DEMO_DATA = 0x0400
STATE_VALIDATED_DATA = 0x0080
STATE_EARLY_INDICATION = 0x0040
STATE_MSMT_ONGOING = 0x0020
STATE_IN_ALARM = 0x0002
STATE_AL_INHIBITED = 0x0001
