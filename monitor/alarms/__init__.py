"""The alarm system (issue 5): profiles, the engine, and the vocabulary they share.

Pure Python, no Qt. ``AlarmEngine`` turns readings, link events and component
failures into alarm events for the recording and alarm states for the display;
``docs/alarms.md`` discloses how every condition behaves.
"""

from monitor.alarms.engine import AlarmEngine
from monitor.alarms.model import (
    TECHNICAL_CONDITIONS,
    AlarmCondition,
    AlarmEvent,
    AlarmKind,
    AlarmState,
    AlarmStatus,
    Direction,
    EventType,
    Priority,
)
from monitor.alarms.prestart import StartCheck, StartDecision, check_start
from monitor.alarms.profile import (
    DEFAULT_PROFILE,
    builtin_profiles,
    load_profile,
    profile_from_dict,
)
from monitor.alarms.settings import ParameterLimits, Profile, ProfileError, Tiers

__all__ = [
    "DEFAULT_PROFILE",
    "TECHNICAL_CONDITIONS",
    "AlarmCondition",
    "AlarmEngine",
    "AlarmEvent",
    "AlarmKind",
    "AlarmState",
    "AlarmStatus",
    "Direction",
    "EventType",
    "ParameterLimits",
    "Priority",
    "Profile",
    "ProfileError",
    "StartCheck",
    "StartDecision",
    "Tiers",
    "builtin_profiles",
    "check_start",
    "load_profile",
    "profile_from_dict",
]
