"""The published scales the nurse scores at intervals, and the side effects noted between them.

Every scale is data: its levels with their published wording, where it comes from,
and the keys that enter each level, so the check panel, the review and the report
word a score the same way and the profile chooses a scale by its id.

Keystrokes (the UI maps them; nothing here reads a keyboard):

* A check starts with the item's letter: **S** sedation, **D** dissociation.
* A level is then one key, its score: MOAA/S ``0``-``5``; the 0-10 rating ``0``-``9``
  and ``10``. RASS uses ``0``-``4`` for 0..+4 and ``-`` then a digit for -1..-5
  (two keys). :meth:`Scale.score_for_keys` turns what was typed into a score and
  :meth:`Scale.is_complete` says when no further key can change it (``1`` on the 0-10
  rating waits: it may become ``10``; Enter takes it as 1).
* A multi-item scale (CADSS-6) takes one digit per item, in order: six keys.
* A side effect is one key: **N** nausea, **V** vomiting, **H** headache,
  **A** anxiety / agitation (:data:`SIDE_EFFECTS`).

Sources and what was verified are in ``docs/treatment.md``. CADSS-6: which items of
the CADSS it keeps was verified (Rodrigues et al. 2021); the wording of its item 22
was not, so the shipped profile rates dissociation on the 0-10 nurse rating and
CADSS-6 is selectable once the clinic holds the licensed CADSS form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

SEDATION = "sedation"
DISSOCIATION = "dissociation"
SIDE_EFFECT = "side_effect"


@dataclass(frozen=True, slots=True)
class Level:
    """One score of a scale with the words that define it."""

    score: int
    label: str  # short: "Lethargic"
    wording: str  # the published definition

    @property
    def key(self) -> str:
        """The keys that enter it: its score as typed (``-3`` is two keys)."""
        return str(self.score)


@dataclass(frozen=True, slots=True)
class Scale:
    """A sedation or dissociation scale: single-level (MOAA/S, RASS, 0-10) or multi-item (CADSS-6).

    ``awake`` is the sedation score of a patient back to normal (discharge needs it);
    ``deeper`` is -1 when a lower score is deeper sedation or less well (MOAA/S, RASS),
    +1 when a higher score is worse (dissociation): the "peak" of a session is the
    score furthest that way.
    """

    id: str
    name: str
    kind: str  # SEDATION or DISSOCIATION
    levels: tuple[Level, ...]
    source: str
    deeper: int
    awake: int | None = None
    items: tuple[str, ...] = ()  # a multi-item scale: the items, each scored on ``levels``
    verified: bool = True  # False: some wording could not be checked in a source (see docs)
    short: str = ""  # how a score is named in sentences, when not by the id

    @property
    def display(self) -> str:
        return self.short or self.id

    @property
    def lowest(self) -> int:
        return self.levels[0].score * (len(self.items) or 1)

    @property
    def highest(self) -> int:
        return self.levels[-1].score * (len(self.items) or 1)

    def level(self, score: int) -> Level | None:
        """The level of a single-level scale's score (None for a multi-item total)."""
        return None if self.items else next((lv for lv in self.levels if lv.score == score), None)

    def describe(self, score: float) -> str:
        """``"MOAA/S 4 (Lethargic)"``; a dissociation score out of its highest: ``"CADSS-6 7 of 24"``,
        ``"rating 3 of 10"``."""
        whole = int(score)
        if self.kind == DISSOCIATION:
            return f"{self.display} {whole} of {self.highest}"
        level = self.level(whole)
        return f"{self.display} {whole} ({level.label})" if level else f"{self.display} {whole}"

    def worse(self, a: float, b: float) -> float:
        """The score further from well of the two (the session's peak)."""
        return min(a, b) if self.deeper < 0 else max(a, b)

    def score_for_keys(self, keys: str) -> int | None:
        """The level whose key is exactly ``keys`` (single-level scales), else None."""
        return next((lv.score for lv in self.levels if lv.key == keys), None) if not self.items else None

    def is_complete(self, keys: str) -> bool:
        """True when ``keys`` is a level and no other level's key starts with it."""
        if self.items:
            return len(keys) == len(self.items) and all(self._item_score(k) is not None for k in keys)
        if self.score_for_keys(keys) is None:
            return False
        return not any(lv.key != keys and lv.key.startswith(keys) for lv in self.levels)

    def item_scores_for_keys(self, keys: str) -> tuple[int, ...] | None:
        """A multi-item scale's item scores, one digit per item in order, else None."""
        if not self.items or len(keys) != len(self.items):
            return None
        scores = tuple(self._item_score(k) for k in keys)
        return None if None in scores else scores  # type: ignore[return-value]

    def _item_score(self, key: str) -> int | None:
        return next((lv.score for lv in self.levels if lv.key == key), None)


def _levels(*rows: tuple[int, str, str]) -> tuple[Level, ...]:
    return tuple(Level(score, label, wording) for score, label, wording in rows)


MOAAS = Scale(
    id="MOAA/S",
    name="Modified Observer's Assessment of Alertness/Sedation",
    kind=SEDATION,
    levels=_levels(
        (0, "No response to pain", "Does not respond to painful trapezius squeeze"),
        (1, "Responds to pain", "Responds only after painful trapezius squeeze"),
        (2, "Responds to shaking", "Responds only after mild prodding or shaking"),
        (3, "Responds to loud voice", "Responds only after name is called loudly and/or repeatedly"),
        (4, "Lethargic", "Lethargic response to name spoken in normal tone"),
        (5, "Alert", "Responds readily to name spoken in normal tone"),
    ),
    source="Chernik DA et al., J Clin Psychopharmacol 1990;10(4):244-51 (OAA/S); modified form as "
           "tabulated in BMC Anesthesiology 2022, doi:10.1186/s12871-022-01788-1, Table 2",
    deeper=-1,
    awake=5,
)

RASS = Scale(
    id="RASS",
    name="Richmond Agitation-Sedation Scale",
    kind=SEDATION,
    levels=_levels(
        (-5, "Unarousable", "No response to voice or physical stimulation"),
        (-4, "Deep sedation", "No response to voice, but any movement to physical stimulation"),
        (-3, "Moderate sedation", "Any movement (but no eye contact) to voice"),
        (-2, "Light sedation", "Briefly (less than 10 seconds) awakens with eye contact to voice"),
        (-1, "Drowsy", "Not fully alert, but has sustained (more than 10 seconds) awakening, "
                       "with eye contact, to voice"),
        (0, "Alert and calm", "Spontaneously pays attention to caregiver"),
        (1, "Restless", "Anxious or apprehensive but movements not aggressive or vigorous"),
        (2, "Agitated", "Frequent nonpurposeful movement or patient-ventilator dyssynchrony"),
        (3, "Very agitated", "Pulls on or removes tube(s) or catheter(s) or has aggressive "
                             "behavior toward staff"),
        (4, "Combative", "Overtly combative or violent; immediate danger to staff"),
    ),
    source="Sessler CN et al., Am J Respir Crit Care Med 2002;166(10):1338-44",
    deeper=-1,
    awake=0,
)

NURSE_RATING = Scale(
    id="nurse-0-10",
    name="Dissociation, nurse's rating 0-10",
    kind=DISSOCIATION,
    levels=_levels(
        (0, "None", "No dissociation observed or reported"),
        *((n, str(n), f"{n} on a scale from 0 (none) to 10 (the most severe imaginable)") for n in range(1, 10)),
        (10, "Most severe", "The most severe dissociation imaginable"),
    ),
    source="Not a published instrument: a 0-10 numeric rating, offered because CADSS-6 item 22 "
           "could not be verified (docs/treatment.md)",
    deeper=1,
    short="rating",
)

# CADSS item anchors: 0 not at all ... 4 extremely (Bremner et al. 1998) [from memory, see docs].
_CADSS_ANCHORS = _levels(
    (0, "Not at all", "Not at all"),
    (1, "Slightly", "Slightly"),
    (2, "Moderately", "Moderately"),
    (3, "Considerably", "Considerably"),
    (4, "Extremely", "Extremely"),
)

CADSS6 = Scale(
    id="CADSS-6",
    name="Clinician-Administered Dissociative States Scale, 6-item form",
    kind=DISSOCIATION,
    levels=_CADSS_ANCHORS,
    items=(
        "1. Things seem to be moving in slow motion",
        "2. Things seem unreal, as if in a dream",
        "6. Feels disconnected from own body",
        "7. Sense of own body changed (unusually large or small)",
        "15. Spaces out or loses track of what is going on",
        "22. CADSS item 22: read it from the clinic's CADSS form (wording not verified)",
    ),
    source="Rodrigues NB et al., J Affect Disord 2021;282:160-4 (items 1, 2, 6, 7, 15, 22 of the "
           "CADSS); item wording: Bremner JD et al., J Trauma Stress 1998;11(1):125-36, Table 1",
    deeper=1,
    verified=False,
)

SCALES: Mapping[str, Scale] = MappingProxyType({s.id: s for s in (MOAAS, RASS, NURSE_RATING, CADSS6)})
CHECK_KEYS: Mapping[str, str] = MappingProxyType({"S": SEDATION, "D": DISSOCIATION})


@dataclass(frozen=True, slots=True)
class SideEffect:
    """A side effect noted when it happens; ``note`` is the quick note it replaces."""

    id: str
    label: str
    key: str | None  # one key in the check panel; None: only folded in from older notes
    note: str


SIDE_EFFECTS: tuple[SideEffect, ...] = (
    SideEffect("nausea", "Nausea", "N", "Nausea"),
    SideEffect("vomiting", "Vomiting", "V", "Vomiting"),
    SideEffect("headache", "Headache", "H", "Headache"),
    SideEffect("anxiety", "Anxiety / agitation", "A", "Anxiety / agitation"),
    SideEffect("dissociation", "Dissociation (noted, not scored)", None, "Dissociation"),
)
SIDE_EFFECT_BY_ID: Mapping[str, SideEffect] = MappingProxyType({e.id: e for e in SIDE_EFFECTS})


def side_effect_for_note(text: str) -> SideEffect | None:
    """The side effect a quick note of ``monitor.session.QUICK_ANNOTATIONS`` stands for, if any.

    Folds the notes of recordings made before the checks existed into the side effects.
    """
    return next((e for e in SIDE_EFFECTS if e.note == text.strip()), None)
