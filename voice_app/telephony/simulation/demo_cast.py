"""The demo's tenants and volunteers, scripted so every demo round tells the same story.

Demo tenant n (DEMO-00n in the demo's tenant file) has the number 01 99 00 00 nn. The cast,
by the last digit of n: most answer 1; 2 asks for help (2 then 1: health); 4 does not pick up
the first time and answers 1 when retried; 5 stays silent; 7 never answers, so it is retried
and left unreachable when the round closes; 8 answers "oui" by voice. Two exceptions give
the story its other moments: tenant 3 wants to talk to someone now (0) and the on-duty
volunteers accept the live transfer; 12 asks for food (2 then 2), 22 for something else (2, 3).
"""

from __future__ import annotations

from voice_app.telephony.demo_guard import DEMO_NUMBER_PREFIX
from voice_app.telephony.simulation.behaviours import Behaviour
from voice_app.telephony.simulation.behaviours import VolunteerBehaviour

DEMO_VOLUNTEER_PREFIX = DEMO_NUMBER_PREFIX + "99"  # 01 99 00 99 0x: the demo's on-duty phones
EXCEPTIONS = {3: Behaviour.presses("0"), 12: Behaviour.presses("2", "2"), 22: Behaviour.presses("2", "3")}
BY_LAST_DIGIT = {
    2: Behaviour.presses("2", "1"),
    5: Behaviour.silent(),
    7: Behaviour.no_answer(),
    8: Behaviour.says("oui"),
}


def demo_tenant(number: str, call_number: int) -> Behaviour | None:
    """How demo tenant `number` behaves on its `call_number`-th call (from 1); None when the
    number is not a demo tenant's."""
    index = _tenant_index(number)
    if index is None:
        return None
    if index in EXCEPTIONS:
        return EXCEPTIONS[index]
    if index % 10 == 4:
        return Behaviour.no_answer() if call_number % 2 else Behaviour.presses("1")
    return BY_LAST_DIGIT.get(index % 10, Behaviour.presses("1"))


def demo_volunteer(number: str) -> VolunteerBehaviour | None:
    """The demo's on-duty volunteers always accept a live transfer."""
    return VolunteerBehaviour.accepts() if number.startswith(DEMO_VOLUNTEER_PREFIX) else None


def _tenant_index(number: str) -> int | None:
    suffix = number[len(DEMO_NUMBER_PREFIX):] if number.startswith(DEMO_NUMBER_PREFIX) else ""
    if len(suffix) != 4 or not suffix.isdigit() or suffix.startswith("99") or int(suffix) == 0:
        return None  # not a demo number, a volunteer's phone, or the demo's service number
    return int(suffix)
