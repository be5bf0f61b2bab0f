"""Philips IntelliVue Data Export over the MIB/RS232 port (spec section B).

Modules, bottom up, all pure (no I/O, no clock, no Qt):

* :mod:`.framing` — BOF/EOF, escapes, CRC-16/X-25, :class:`Deframer` with resync;
* :mod:`.wire` — big-endian reader, lists, AVAs, BCD times, tick arithmetic;
* :mod:`.nomenclature` — protocol ids (SPDU, ROSE, actions, attributes, physio, units);
* :mod:`.floattype` — FLOAT-Type;
* :mod:`.polling` — poll reply structure (parse and build);
* :mod:`.messages` — association, MDS create, polls, release: builders and parser;
* :mod:`.numerics` — numeric objects <-> Observations (validity, units, time);
* :mod:`.session` — :class:`IntelliVueSession`, the host state machine.
"""

from devices.protocols.intellivue.framing import Deframer, Frame, encode_frame, fcs
from devices.protocols.intellivue.session import LINE_SETTINGS, IntelliVueSession, Phase

__all__ = [
    "LINE_SETTINGS",
    "Deframer",
    "Frame",
    "IntelliVueSession",
    "Phase",
    "encode_frame",
    "fcs",
]
