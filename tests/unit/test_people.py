"""People rules: roles and areas, e-mails, passwords, throttling, `next`, balancing."""

from __future__ import annotations

from datetime import date

import pytest

from voice_app.domain.people import Volunteer
from voice_app.domain.people import balance
from voice_app.domain.people import is_away
from voice_app.domain.people import may_open
from voice_app.domain.people import normalise_email
from voice_app.domain.people import password_problem
from voice_app.domain.people import safe_next
from voice_app.domain.people import sign_in_blocked


@pytest.mark.parametrize(("role", "area", "allowed"), [
    ("volunteer", "home", True), ("volunteer", "volunteers", False), ("volunteer", "admin", False),
    ("coordinator", "volunteers", True), ("coordinator", "admin", False), ("admin", "admin", True),
    ("intruder", "home", False), ("admin", "no such area", False),
])
def test_each_role_opens_its_areas_only(role, area, allowed):
    assert may_open(role, area) is allowed


def test_emails_are_trimmed_and_lower_cased_or_refused():
    assert normalise_email("  Claire.Dupont@Exemple.FR ") == "claire.dupont@exemple.fr"
    for bad in ("", "claire", "claire@", "@exemple.fr", "a b@exemple.fr"):
        with pytest.raises(ValueError, match="Adresse e-mail invalide"):
            normalise_email(bad)


def test_passwords_need_twelve_characters_and_no_outer_spaces():
    assert password_problem("court") == "Le mot de passe doit faire au moins 12 caractères."
    assert password_problem(" une phrase longue") is not None
    assert password_problem("x" * 300) is not None
    assert password_problem("une phrase longue") is None


def test_sign_in_is_blocked_at_ten_account_or_thirty_address_failures():
    assert not sign_in_blocked(9, 29)
    assert sign_in_blocked(10, 0) and sign_in_blocked(0, 30)


@pytest.mark.parametrize(("target", "kept"), [
    ("/suivis", "/suivis"), ("/suivis?filtre=urgent", "/suivis?filtre=urgent"), ("//evil.example", None),
    ("https://evil.example", None), ("/\\evil.example", None), ("evil", None), ("", None), (None, None),
    ("/a\r\nLocation: x", None),
])
def test_next_stays_on_this_site(target, kept):
    assert safe_next(target) == kept


def test_away_periods_include_both_ends():
    periods = [(date(2026, 12, 1), date(2026, 12, 3))]
    assert [is_away(date(2026, 12, d), periods) for d in (1, 3, 4)] == [True, True, False]


def test_balancing_keeps_each_tenant_with_their_volunteer_then_fills_the_least_filled():
    volunteers = [Volunteer(1, capacity=2, load=0), Volunteer(2, capacity=4, load=1)]
    moves = balance([10, 11, 12, 13, 14], volunteers, {10: 1, 11: 99})
    assert 10 not in moves  # continuity: kept
    assert moves == {11: 2, 12: 1, 13: 2, 14: 2}  # 1/2 vs 2/4: ties go to the lowest id, then 2
    assert list(balance([1, 2, 3], [Volunteer(1, capacity=1, load=1)], {})) == []  # nobody has room
