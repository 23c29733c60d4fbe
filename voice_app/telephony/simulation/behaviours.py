"""How a simulated tenant or volunteer behaves on the phone.

A tenant's `Behaviour` says whether the phone is picked up (or is busy, unanswered, a wrong
number, an answering machine) and what the person answers at each menu, in order: a key,
a word, silence, or hanging up. Once the scripted answers run out the person stays silent.
Unscripted numbers draw a behaviour from a seeded distribution with realistic proportions.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from dataclasses import replace

ANSWER = "answer"
NO_ANSWER = "no-answer"
BUSY = "busy"
FAILED = "failed"
VOICEMAIL = "voicemail"
PICKUPS = (ANSWER, NO_ANSWER, BUSY, FAILED, VOICEMAIL)


@dataclass(frozen=True)
class Answer:
    """One reaction to a prompt: `dtmf` keys, a `speech` word, `silence` or `hangup`."""

    kind: str
    value: str = ""

    def describe(self) -> str:
        return self.value if self.kind in ("dtmf", "speech") else self.kind


SILENCE = Answer("silence")
HANG_UP = Answer("hangup")


def key(digits: str) -> Answer:
    """Keys pressed at one prompt (usually one digit)."""
    return Answer("dtmf", digits)


def word(text: str) -> Answer:
    """A word said at one prompt (`oui`, `aide`)."""
    return Answer("speech", text)


def _as_answer(item: str | Answer) -> Answer:
    return item if isinstance(item, Answer) else key(item)


@dataclass(frozen=True)
class Behaviour:
    """A tenant on the phone. Times are in simulated seconds (divided by the time scale)."""

    pickup: str = ANSWER
    answers: tuple[Answer, ...] = ()
    ring_seconds: float = 6.0
    reaction_seconds: float = 2.5
    answered_by: str = "human"  # what asynchronous AMD reports
    amd_seconds: float = 2.5  # answer -> AMD callback
    hangs_up_after_seconds: float | None = None  # a machine stops recording eventually
    duplicated_callbacks: bool = False  # every status callback delivered twice
    late_callbacks: bool = False  # the `answered` callback arrives after `completed`
    label: str = "custom"

    def __post_init__(self) -> None:
        if self.pickup not in PICKUPS:
            raise ValueError(f"unknown pickup {self.pickup!r}; expected one of {PICKUPS}")

    @classmethod
    def presses(cls, *keys: str | Answer) -> Behaviour:
        """Answers and presses these keys, one per prompt (SILENCE / HANG_UP allowed)."""
        answers = tuple(_as_answer(k) for k in keys)
        return cls(answers=answers, label="presses " + " ".join(a.describe() for a in answers))

    @classmethod
    def says(cls, *words: str) -> Behaviour:
        return cls(answers=tuple(word(w) for w in words), label="says " + " ".join(words))

    @classmethod
    def answering(cls, *answers: Answer) -> Behaviour:
        return cls(answers=answers, label=" ".join(a.describe() for a in answers) or "silent")

    @classmethod
    def silent(cls) -> Behaviour:
        return cls(label="silent")

    @classmethod
    def hangs_up(cls, *keys_before: str) -> Behaviour:
        """Answers, presses `keys_before` (maybe none), then hangs up at the next prompt."""
        answers = tuple(key(k) for k in keys_before) + (HANG_UP,)
        return cls(answers=answers, label="hangs up")

    @classmethod
    def voicemail(cls, answered_by: str = "machine_start") -> Behaviour:
        """An answering machine: AMD reports it, it records silence, hangs up after 2 min."""
        return cls(pickup=VOICEMAIL, answered_by=answered_by, amd_seconds=4.0,
                   hangs_up_after_seconds=120.0, label="voicemail")

    @classmethod
    def no_answer(cls) -> Behaviour:
        return cls(pickup=NO_ANSWER, label="no answer")

    @classmethod
    def busy(cls) -> Behaviour:
        return cls(pickup=BUSY, label="busy")

    @classmethod
    def wrong_number(cls) -> Behaviour:
        """The number does not exist: the call fails."""
        return cls(pickup=FAILED, label="wrong number")

    def with_duplicated_callbacks(self) -> Behaviour:
        return replace(self, duplicated_callbacks=True, label=self.label + ", duplicated callbacks")

    def with_late_callbacks(self) -> Behaviour:
        return replace(self, late_callbacks=True, label=self.label + ", late callbacks")


ACCEPTS = "accepts"
DECLINES = "declines"
VOLUNTEER_VOICEMAIL = "voicemail"
VOLUNTEER_FATES = (ACCEPTS, DECLINES, VOLUNTEER_VOICEMAIL, NO_ANSWER, BUSY)


@dataclass(frozen=True)
class VolunteerBehaviour:
    """An on-duty volunteer rung by a live transfer (a `Dial` leg)."""

    fate: str = ACCEPTS
    answer_seconds: float = 5.0
    reaction_seconds: float = 2.0
    talk_seconds: float = 180.0

    def __post_init__(self) -> None:
        if self.fate not in VOLUNTEER_FATES:
            raise ValueError(f"unknown volunteer fate {self.fate!r}; expected one of {VOLUNTEER_FATES}")

    @classmethod
    def accepts(cls) -> VolunteerBehaviour:
        """Picks up and presses 1 at the screening prompt."""
        return cls(ACCEPTS)

    @classmethod
    def declines(cls) -> VolunteerBehaviour:
        """Picks up, hears the screening prompt and hangs up."""
        return cls(DECLINES)

    @classmethod
    def voicemail(cls) -> VolunteerBehaviour:
        """The volunteer's voicemail picks up and stays silent (screening keeps it out)."""
        return cls(VOLUNTEER_VOICEMAIL, answer_seconds=15.0)

    @classmethod
    def no_answer(cls) -> VolunteerBehaviour:
        return cls(NO_ANSWER)

    @classmethod
    def busy(cls) -> VolunteerBehaviour:
        return cls(BUSY, answer_seconds=1.0)

    @property
    def answers(self) -> tuple[Answer, ...]:
        """What the volunteer does at the screening prompt."""
        if self.fate == ACCEPTS:
            return (key("1"),)
        if self.fate == DECLINES:
            return (HANG_UP,)
        return ()


# Weekly calls to older tenants, per thousand calls. About 5% ask for help, about one in
# five is not reached (no answer, busy, answering machine, wrong number).
TENANT_DISTRIBUTION: tuple[tuple[int, Behaviour], ...] = (
    (620, Behaviour.presses("1")),
    (50, Behaviour.says("oui")),
    (15, Behaviour.presses("2", "1")),
    (15, Behaviour.presses("2", "2")),
    (10, Behaviour.presses("2", "3")),
    (10, Behaviour.says("aide")),
    (15, Behaviour.presses("0")),
    (5, Behaviour.presses("9", "9")),
    (40, Behaviour.silent()),
    (20, Behaviour.hangs_up()),
    (120, Behaviour.no_answer()),
    (30, Behaviour.busy()),
    (40, Behaviour.voicemail()),
    (10, Behaviour.wrong_number()),
)
VOLUNTEER_DISTRIBUTION: tuple[tuple[int, VolunteerBehaviour], ...] = (
    (70, VolunteerBehaviour.accepts()),
    (10, VolunteerBehaviour.declines()),
    (10, VolunteerBehaviour.voicemail()),
    (10, VolunteerBehaviour.no_answer()),
)
DUPLICATED_CALLBACKS_PER_THOUSAND = 20
LATE_CALLBACKS_PER_THOUSAND = 10


def _weighted(rng: random.Random, table):
    return rng.choices([item for _, item in table], weights=[weight for weight, _ in table])[0]


def random_behaviour(rng: random.Random) -> Behaviour:
    """A tenant drawn from TENANT_DISTRIBUTION, with human variation in timing."""
    behaviour = _weighted(rng, TENANT_DISTRIBUTION)
    behaviour = replace(behaviour, ring_seconds=rng.uniform(3.0, 20.0),
                        reaction_seconds=rng.uniform(1.0, 6.0))
    if rng.randrange(1000) < DUPLICATED_CALLBACKS_PER_THOUSAND:
        behaviour = behaviour.with_duplicated_callbacks()
    if rng.randrange(1000) < LATE_CALLBACKS_PER_THOUSAND:
        behaviour = behaviour.with_late_callbacks()
    return behaviour


def random_volunteer(rng: random.Random) -> VolunteerBehaviour:
    volunteer = _weighted(rng, VOLUNTEER_DISTRIBUTION)
    return replace(volunteer, answer_seconds=volunteer.answer_seconds * rng.uniform(0.5, 2.0))


NAMED = {
    "silent": Behaviour.silent,
    "hang-up": Behaviour.hangs_up,
    "voicemail": Behaviour.voicemail,
    "no-answer": Behaviour.no_answer,
    "busy": Behaviour.busy,
    "failed": Behaviour.wrong_number,
}


_PHONE_KEYS = re.compile(r"[0-9*#]+")  # what a phone's keypad can send


def parse_behaviour(spec: str) -> Behaviour:
    """`press:2,1`, `say:oui`, `silent`, `hang-up`, `voicemail`, `no-answer`, `busy`, `failed`."""
    name, _, arguments = spec.strip().partition(":")
    values = [v.strip() for v in arguments.split(",") if v.strip()]
    if name in ("press", "presses") and values and all(_PHONE_KEYS.fullmatch(v) for v in values):
        return Behaviour.presses(*values)
    if name in ("say", "says") and values:
        return Behaviour.says(*values)
    if name in NAMED and not values:
        return NAMED[name]()
    raise ValueError(f"unknown behaviour {spec!r}")
