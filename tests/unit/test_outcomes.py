"""Outcomes: reached, retryable and the follow-up each one needs."""

from __future__ import annotations

import pytest

from voice_app.domain.escalation import Reason
from voice_app.domain.outcomes import Outcome
from voice_app.domain.outcomes import escalation_reason
from voice_app.domain.outcomes import is_reached
from voice_app.domain.outcomes import is_retryable

TABLE = [
    # outcome, reached, retryable, reason
    (Outcome.OK, True, False, None),
    (Outcome.HELP_HEALTH, True, False, Reason.HELP_HEALTH),
    (Outcome.HELP_FOOD, True, False, Reason.HELP_FOOD),
    (Outcome.HELP_OTHER, True, False, Reason.HELP_OTHER),
    (Outcome.LIVE_TRANSFER, True, False, None),
    (Outcome.LIVE_TRANSFER_MISSED, True, False, Reason.LIVE_TRANSFER_MISSED),
    (Outcome.OPT_OUT, True, False, Reason.OPT_OUT),
    (Outcome.OPT_OUT_UNCONFIRMED, True, False, Reason.CALL_ME_BACK),
    (Outcome.OPT_OUT_REQUESTED, True, False, Reason.OPT_OUT_REQUEST),
    (Outcome.NO_KEY, False, False, Reason.NO_KEY),
    (Outcome.VOICEMAIL, False, True, None),
    (Outcome.NO_ANSWER, False, True, None),
    (Outcome.BUSY, False, True, None),
    (Outcome.FAILED, False, False, None),
    (Outcome.UNKNOWN, False, True, None),
]


@pytest.mark.parametrize(("outcome", "reached", "retryable", "reason"), TABLE)
def test_each_outcome_says_whether_reached_retryable_and_which_follow_up(outcome, reached, retryable,
                                                                          reason):
    assert is_reached(outcome) is reached
    assert is_retryable(outcome) is retryable
    assert escalation_reason(outcome) == reason


def test_the_table_covers_every_outcome():
    assert {row[0] for row in TABLE} == set(Outcome)


def test_outcomes_stored_as_plain_strings_are_understood():
    assert is_reached("ok") and is_retryable("busy") and escalation_reason("no_key") == Reason.NO_KEY


def test_no_outcome_yet_is_neither_reached_nor_retryable_nor_escalated():
    assert not is_reached(None) and not is_retryable(None) and escalation_reason(None) is None


def test_an_outcome_this_module_does_not_know_needs_nothing_and_is_not_reached():
    assert not is_reached("exploded") and not is_retryable("exploded")
    assert escalation_reason("exploded") is None


def test_logs_carry_an_outcome_class_never_a_help_category():
    from voice_app.domain.outcomes import log_class

    classes = {log_class(value) for value in [*Outcome, *Reason]}
    assert classes == {"ok", "transferred", "needs_person", "opted_out", "unreachable", "failed"}
    helps = (Outcome.HELP_HEALTH, Outcome.HELP_FOOD, Outcome.HELP_OTHER)
    assert {log_class(outcome) for outcome in helps} == {"needs_person"}
    assert log_class("skipped_opt_out") == "skipped" and log_class(None) == "-"
