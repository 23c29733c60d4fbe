"""Reading through the API: enrolments, opt-outs, follow-up outcomes and figures, within the
token's organisation, by pages, never a number, a name, a note or an answer."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

from db.models import FollowUp
from db.models import Tenant
from tests.web.people import make_people
from voice_app.domain.api_tokens import Scope
from voice_app.services.api_tokens import create_token
from voice_app.services.enrolment import enrol_references
from voice_app.services.enrolment import unenrol_references

NOTE = "Mme Durand a des vertiges, rappeler sa fille"


def add_tenants(veille, organisation_id, count=5, prefix="REF"):
    with veille.session_factory.begin() as session:
        tenants = [Tenant(organisation_id=organisation_id, reference=f"{prefix}-{n}", last_name=f"Durand{n}",
                          household="alone", phone=f"+3361234560{n}") for n in range(count)]
        session.add_all(tenants)
        session.flush()
        return [tenant.id for tenant in tenants]


def add_done_follow_up(veille, organisation_id, tenant_id, now, *, late=False, key="f1"):
    with veille.session_factory.begin() as session:
        follow_up = FollowUp(organisation_id=organisation_id, tenant_id=tenant_id, dedup_key=key,
                             reason="help_health", priority="urgent", due_at=now - timedelta(hours=1),
                             status="done", created_at=now - timedelta(hours=3),
                             completed_at=now if late else now - timedelta(hours=2), reached=True,
                             referrals=["health", "food"], wants_regular_calls=True, note=NOTE,
                             next_contact_on=date(2026, 12, 1))
        session.add(follow_up)
        session.flush()
        return follow_up.id


def test_enrolments_come_by_reference_in_pages_with_a_status_filter(api, tokens, veille, organisation):
    add_tenants(veille, organisation.id)
    enrol_references(veille, ["REF-0", "REF-1", "REF-2", "REF-3"], organisation_id=organisation.id)
    unenrol_references(veille, ["REF-3"], organisation_id=organisation.id)
    first = api.get("/enrolments?limit=2", tokens["read"])
    assert [i["reference"] for i in first.json["items"]] == ["REF-0", "REF-1"]
    assert first.json["items"][0] == {"reference": "REF-0", "status": "enrolled",
                                      "legal_basis": "public_interest", "enrolled_on": "2026-11-24",
                                      "unenrolled_on": None}
    second = api.get(f"/enrolments?limit=2&after={first.json['next']}", tokens["read"])
    assert [i["reference"] for i in second.json["items"]] == ["REF-2", "REF-3"]
    assert second.json["items"][1]["status"] == "unenrolled"
    last = api.get(f"/enrolments?limit=2&after={second.json['next']}", tokens["read"])
    assert last.json == {"items": [], "next": None}
    only = api.get("/enrolments?status=unenrolled", tokens["read"]).json
    assert [i["reference"] for i in only["items"]] == ["REF-3"] and only["next"] is None


def test_a_token_sees_only_its_own_organisations_tenants(api, veille, organisation):
    people = make_people(veille)
    add_tenants(veille, organisation.id, 2)
    add_tenants(veille, people.other_landlord_id, 2, prefix="OTHER")
    enrol_references(veille, ["REF-0", "REF-1"], organisation_id=organisation.id)
    enrol_references(veille, ["OTHER-0", "OTHER-1"], organisation_id=people.other_landlord_id)
    _, other_secret = create_token(veille, people.other_landlord_id, Scope.READ, "Autre SI", actor=None)
    seen = [i["reference"] for i in api.get("/enrolments", other_secret).json["items"]]
    assert seen == ["OTHER-0", "OTHER-1"]
    _, partner_secret = create_token(veille, people.partner_id, Scope.READ, "Partenaire", actor=None)
    assert api.get("/enrolments", partner_secret).json["items"] == []  # none assigned to its volunteers


def test_opt_outs_list_the_tenants_who_stopped_the_calls(api, tokens, veille, organisation, now):
    ids = add_tenants(veille, organisation.id, 3)
    with veille.session_factory.begin() as session:
        session.get(Tenant, ids[1]).opted_out_at = now - timedelta(days=2)
        session.get(Tenant, ids[2]).opted_out_at = now
    answer = api.get("/opt-outs", tokens["read"]).json
    assert answer["items"] == [{"reference": "REF-1", "opted_out_at": "2026-11-22T09:30:00Z"},
                               {"reference": "REF-2", "opted_out_at": "2026-11-24T09:30:00Z"}]
    since = api.get("/opt-outs?since=2026-11-23T00:00:00Z", tokens["read"]).json
    assert [i["reference"] for i in since["items"]] == ["REF-2"]
    assert api.get("/opt-outs?since=hier", tokens["read"]).status_code == 400


def test_follow_up_outcomes_give_dates_and_categories_never_the_note_or_the_number(api, tokens, veille,
                                                                                  organisation, now):
    ids = add_tenants(veille, organisation.id, 2)
    first = add_done_follow_up(veille, organisation.id, ids[0], now)
    add_done_follow_up(veille, organisation.id, ids[1], now, late=True, key="f2")
    answer = api.get("/follow-ups?limit=1", tokens["read"])
    item = answer.json["items"][0]
    assert item == {"id": first, "tenant_reference": "REF-0", "opened_at": "2026-11-24T06:30:00Z",
                    "due_at": "2026-11-24T08:30:00Z", "completed_at": "2026-11-24T07:30:00Z", "on_time": True,
                    "reached": True, "referrals": ["health", "food"], "wants_regular_calls": True,
                    "next_contact_on": "2026-12-01"}
    following = api.get(f"/follow-ups?after={answer.json['next']}", tokens["read"]).json
    assert [i["on_time"] for i in following["items"]] == [False] and following["next"] is None
    body = answer.get_data(as_text=True) + api.get("/follow-ups", tokens["read"]).get_data(as_text=True)
    assert "vertiges" not in body and "Durand" not in body and "+336" not in body
    assert "help_health" not in body  # the tenant's answer stays out; only referral categories
    late = api.get("/follow-ups?since=2026-11-24T08:00:00Z", tokens["read"]).json["items"]
    assert [i["on_time"] for i in late] == [False]


def test_figures_of_a_period_with_no_data_are_zeros_not_an_error(api, tokens):
    answer = api.get("/figures?month=2026-11", tokens["read"])
    assert answer.status_code == 200
    figures = answer.json
    assert figures["period"] == {"first": "2026-11-01", "last": "2026-11-30", "label": "novembre 2026"}
    assert figures["grouped_by"] == "week" and len(figures["rows"]) == 6  # Sunday 1st to Monday 30th
    assert figures["total"]["reached"] == 0 and figures["total"]["continuity"] is None


def test_figures_count_what_the_services_count(api, tokens, veille, organisation, now):
    ids = add_tenants(veille, organisation.id, 2)
    add_done_follow_up(veille, organisation.id, ids[0], now)
    total = api.get("/figures?from=2026-11-23&to=2026-11-29&by=site", tokens["read"]).json["total"]
    assert total["completed"] == 1 and total["on_time"] == 1 and total["on_time_share"] == 1.0
    assert total["referrals"]["health"] == 1 and total["referred"] == 2
    assert total["needs"]["help_health"] == 1


def test_bad_parameters_get_a_problem_saying_what_is_expected(api, tokens):
    for path, code in (("/figures?month=2026-13", "bad_period"), ("/figures?by=year", "bad_parameter"),
                       ("/figures?from=2026-11-30&to=2026-11-01", "bad_period"),
                       ("/enrolments?limit=0", "bad_parameter"), ("/enrolments?limit=5000", "bad_parameter"),
                       ("/enrolments?status=maybe", "bad_parameter"),
                       ("/follow-ups?after=abc", "bad_parameter")):
        answer = api.get(path, tokens["read"])
        assert (answer.status_code, answer.json["code"]) == (400, code), path
        assert answer.json["detail"]
