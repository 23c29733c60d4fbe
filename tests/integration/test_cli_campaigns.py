"""`veille campaigns ...` and `veille rounds ...` through Flask's CLI runner."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import select

from db.models import CallAttempt
from db.models import Campaign
from db.models import FollowUp
from db.models import Round
from tests.integration.test_campaigns import add_tenant
from voice_app.services.campaigns import get_campaign


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def count(veille, model) -> int:
    with veille.session_factory.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_creating_a_campaign_with_every_option_stores_the_policy(cli, veille, organisation):
    result = cli("campaigns", "create", "Hebdo", "--weekdays", "mon,wed", "--window", "mon-fri 09:30-12:00",
                 "--window", "14:00-17:30", "--max-attempts", "2", "--retry-gap", "150", "--calls-per-second",
                 "3", "--max-concurrent", "40", "--starts-on", "01/12/2026", "--ends-on", "2027-03-31")
    assert result.exit_code == 0, result.output
    assert "Campagne « Hebdo » créée." in result.output
    assert "le lundi, mercredi" in result.output
    campaign = get_campaign(veille, "Hebdo")
    assert campaign.policy["weekdays"] == ["mon", "wed"]
    windows = [(w["start"], w["end"]) for w in campaign.policy["windows"]]
    assert windows == [("09:30", "12:00"), ("14:00", "17:30")]
    assert (campaign.policy["max_attempts"], campaign.policy["retry_gap_minutes"]) == (2, 150)
    assert (campaign.policy["calls_per_second"], campaign.policy["max_concurrent_calls"]) == (3.0, 40)
    assert (campaign.starts_on, campaign.ends_on) == (date(2026, 12, 1), date(2027, 3, 31))


def test_an_urgent_campaign_calls_every_day_including_holidays(cli, veille, organisation):
    result = cli("campaigns", "create", "Canicule", "--urgent")
    assert result.exit_code == 0, result.output
    campaign = get_campaign(veille, "Canicule")
    assert campaign.kind == "urgent" and campaign.policy["rhythm"] == "daily"
    assert campaign.policy["include_holidays"] is True
    assert all(len(w["days"]) == 7 for w in campaign.policy["windows"])


def test_a_demo_style_campaign_can_call_all_day_every_day(cli, veille, organisation):
    result = cli("campaigns", "create", "Démo", "--every-day", "--include-holidays",
                 "--window", "00:00-24:00")
    assert result.exit_code == 0, result.output
    policy = get_campaign(veille, "Démo").policy
    assert policy["windows"] == [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00",
                                  "end": "24:00"}]
    assert policy["round_days"] == 1


def test_site_and_list_targets_are_recorded(cli, veille, organisation):
    add_tenant(veille, organisation, "T-1")
    add_tenant(veille, organisation, "T-2")
    assert cli("campaigns", "create", "Sites", "--site", "Belleville", "--site", "Bercy").exit_code == 0
    assert cli("campaigns", "create", "Liste", "--tenants", "T-1,T-2").exit_code == 0
    assert get_campaign(veille, "Sites").target_sites == ["Belleville", "Bercy"]
    assert get_campaign(veille, "Liste").target == "list"


@pytest.mark.parametrize(("args", "message"), [
    (["--window", "mon-fri 12:00-10:00"], "se termine avant de commencer"),
    (["--max-attempts", "0"], "entre 1 et 10"),
    (["--calls-per-second", "0"], "strictement positif"),
    (["--weekdays", "monday,funday"], "Jour inconnu"),
    (["--window", "mon-fri 10:00-12:00", "--window", "wed 11:00-15:00"], "se chevauchent"),
    (["--tenants", "NOPE"], "Références de locataires inconnues : NOPE"),
    (["--starts-on", "31/02/2026"], "date illisible"),
    (["--site", "A", "--tenants", "B"], "pas les deux"),
])
def test_bad_input_is_refused_with_a_clear_french_message_and_nothing_is_created(cli, veille, organisation,
                                                                                 args, message):
    result = cli("campaigns", "create", "X", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert cli("campaigns", "list").output.strip() == "Aucune campagne."


def test_list_show_pause_and_resume(cli, veille, organisation):
    add_tenant(veille, organisation, "T-1")
    cli("campaigns", "create", "Hebdo", "--weekdays", "tue")
    listed = cli("campaigns", "list").output
    assert "Hebdo" in listed and "active" in listed and listed.rstrip().endswith("1")
    assert "en pause" in cli("campaigns", "pause", "Hebdo").output
    assert "en pause" in cli("campaigns", "list").output
    assert cli("campaigns", "resume", "Hebdo").exit_code == 0
    shown = cli("campaigns", "show", "Hebdo").output
    assert "Campagne « Hebdo » (hebdomadaire, active)" in shown
    assert "lun-ven 10:00-12:30 ; lun-ven 14:00-18:00, sauf jours fériés" in shown
    assert "3 par tournée" in shown and "Aucune tournée." in shown


def test_an_unknown_campaign_is_a_clear_error(cli, organisation):
    result = cli("campaigns", "show", "Fantôme")
    assert result.exit_code == 1 and "Aucune campagne « Fantôme »" in result.output


def test_a_dry_run_lists_masked_numbers_in_paris_time_and_writes_nothing(cli, veille, organisation):
    add_tenant(veille, organisation, "T-1", phone="+33612345678")
    add_tenant(veille, organisation, "T-2", phone="+33698765432")
    cli("campaigns", "create", "Hebdo", "--weekdays", "tue", "--starts-on", "2026-11-01")
    result = cli("rounds", "plan", "--campaign", "Hebdo", "--dry-run", "--show", "1")
    assert result.exit_code == 0, result.output
    assert "simulation" in result.output and "2 appel(s)" in result.output
    assert "  Heure (Paris)             Référence            Téléphone\n" in result.output
    assert "mar. 24/11/2026 10:30:00  T-1" in result.output
    assert "+33 6 •• •• •• 78" in result.output and "+33612345678" not in result.output
    assert "… et 1 autre(s)." in result.output
    assert count(veille, Round) == 0 and count(veille, CallAttempt) == 0


def test_planning_from_the_cli_is_idempotent(cli, veille, organisation):
    add_tenant(veille, organisation, "T-1")
    cli("campaigns", "create", "Hebdo", "--weekdays", "tue", "--starts-on", "2026-11-01")
    first = cli("rounds", "plan")
    second = cli("rounds", "plan", "--campaign", "Hebdo")
    assert "1 appel(s) planifié(s)" in first.output
    assert "déjà planifiée" in second.output
    assert count(veille, CallAttempt) == 1
    listed = cli("rounds", "list").output
    assert "Hebdo" in listed and "en cours" in listed and "à passer 1" in listed and "Période" in listed


def test_a_dry_run_answers_as_the_real_command_would(cli, veille, organisation):
    add_tenant(veille, organisation, "T-1")
    cli("campaigns", "create", "Hebdo", "--weekdays", "tue", "--starts-on", "2026-11-01")
    before = cli("rounds", "plan", "--campaign", "Hebdo", "--dry-run")
    assert "simulation" in before.output and "1 appel(s), 0,167 appel(s)/s" in before.output
    assert "1 appel(s) planifié(s)" in cli("rounds", "plan", "--campaign", "Hebdo").output
    after = cli("rounds", "plan", "--campaign", "Hebdo", "--dry-run")
    assert after.exit_code == 0, after.output
    assert ("(simulation, rien n'est enregistré) : déjà planifiée (1 appel(s)), rien de nouveau."
            in after.output)
    cli("campaigns", "pause", "Hebdo")
    paused = cli("rounds", "plan", "--campaign", "Hebdo", "--date", "2026-12-01", "--dry-run")
    assert paused.exit_code == 1 and "est en pause" in paused.output
    assert count(veille, CallAttempt) == 1


def test_planning_in_the_past_or_without_a_round_today_is_a_clear_error(cli, veille, organisation):
    cli("campaigns", "create", "Lundis", "--weekdays", "mon", "--starts-on", "2026-11-01")
    past = cli("rounds", "plan", "--campaign", "Lundis", "--date", "2026-11-23")
    assert past.exit_code == 1 and "dans le passé" in past.output
    today = cli("rounds", "plan", "--campaign", "Lundis")
    assert today.exit_code == 1 and "Pas de tournée prévue aujourd'hui" in today.output
    assert "Aucune tournée prévue le 24/11/2026" in cli("rounds", "plan").output
    assert count(veille, Round) == 0


def test_an_exceptional_round_can_be_planned_on_a_given_date(cli, veille, organisation):
    add_tenant(veille, organisation, "T-1")
    cli("campaigns", "create", "Lundis", "--weekdays", "mon", "--starts-on", "2026-11-01")
    result = cli("rounds", "plan", "--campaign", "Lundis", "--date", "24/11/2026")
    assert result.exit_code == 0, result.output
    assert count(veille, CallAttempt) == 1


def test_closing_from_the_cli_reports_what_it_closed(cli, veille, organisation):
    cli("campaigns", "create", "Hebdo", "--weekdays", "tue", "--starts-on", "2026-11-01")
    cli("rounds", "plan")
    result = cli("rounds", "close")
    assert result.exit_code == 0 and "1 tournée(s) clôturée(s)." in result.output
    assert "clôturée" in cli("rounds", "list", "--campaign", "Hebdo").output
    assert count(veille, FollowUp) == 0


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--retry-gap", "5000000000", "une semaine au plus"),
    ("--retry-gap", "99999999999999999999999", "une semaine au plus"),
    ("--max-concurrent", "99999999999999999999999", "simultanés va de 1 à 10"),
    ("--calls-per-second", "1e-300", "strictement positif"),
])
def test_a_setting_past_its_bounds_is_refused_before_any_round_is_planned(cli, veille, organisation, option,
                                                                          value, said):
    result = cli("campaigns", "create", "Hors bornes", option, value)
    assert result.exit_code == 1 and said in result.output and "Traceback" not in result.output
    assert count(veille, Campaign) == 0
