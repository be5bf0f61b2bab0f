"""Which protocols exist, and how to make a host session or a simulated device for each.

Imports are lazy so that listing protocols or building one never imports the others.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from devices.protocols import LineSettings, ProtocolSession
from devices.simulator.device import SimulatedDevice

# protocol -> (module, session class, simulator module, device class, human name)
_PROTOCOLS: dict[str, tuple[str, str, str, str, str]] = {
    "datex": (
        "devices.protocols.datex_session", "DatexSession",
        "devices.simulator.datex_device", "DatexDevice",
        "GE Datex-Ohmeda S/5 Computer Interface",
    ),
    "masimo": (
        "devices.protocols.masimo", "MasimoSession",
        "devices.simulator.masimo_device", "MasimoDevice",
        "Masimo Radical-7 / Rad-8 ASCII 1",
    ),
    "intellivue": (
        "devices.protocols.intellivue", "IntelliVueSession",
        "devices.simulator.intellivue_device", "IntelliVueDevice",
        "Philips IntelliVue MIB/RS232 Data Export",
    ),
}


def protocol_names() -> list[str]:
    return list(_PROTOCOLS)


def describe(protocol: str) -> str:
    return _PROTOCOLS[protocol][4]


def _importable(module: str) -> bool:
    try:
        import_module(module)
    except ModuleNotFoundError:
        return False
    return True


def host_available(protocol: str) -> bool:
    """True when the program can talk to a monitor of this protocol."""
    return _importable(_PROTOCOLS[protocol][0])


def simulator_available(protocol: str) -> bool:
    """True when the simulator can pretend to be a monitor of this protocol."""
    return _importable(_PROTOCOLS[protocol][2])


def session_factory(protocol: str) -> Callable[[], ProtocolSession]:
    module, cls, _, _, _ = _PROTOCOLS[protocol]
    return getattr(import_module(module), cls)


def line_settings(protocol: str) -> LineSettings:
    return session_factory(protocol)().settings


def simulated_device(protocol: str) -> SimulatedDevice:
    _, _, module, cls, _ = _PROTOCOLS[protocol]
    return getattr(import_module(module), cls)()
