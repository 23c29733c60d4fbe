"""`POST /api/v1/tenants`: the tenant file's rules, per-item errors, all or nothing unless partial."""

from __future__ import annotations

import json

from sqlalchemy import select

from db.models import AuditEvent
from db.models import Tenant
from voice_app.services.suppression import suppress

BAD_INDEX = 517


def tenant(number: int, **fields) -> dict:
    return {"reference": f"API-{number:04d}", "civility": "Madame", "last_name": f"Nom{number}",
            "first_name": "Jeanne", "birth_date": "12/03/1941", "household": "Seule",
            "phone": f"06 12 {number // 100:02d} {number % 100:02d} 00", "site": "Les Lilas"} | fields


def thousand_with_one_bad_phone() -> list[dict]:
    items = [tenant(n) for n in range(1000)]
    items[BAD_INDEX]["phone"] = "06 12"
    return items


def stored(veille) -> dict[str, Tenant]:
    with veille.session_factory() as session:
        return {t.reference: t for t in session.scalars(select(Tenant))}


def test_valid_tenants_are_created_with_the_files_normalisation_then_updated_by_reference(api, tokens,
                                                                                         veille):
    answer = api.post("/tenants", tokens["write"], json={"tenants": [tenant(1), tenant(2)]},
                      check_request=True)
    assert answer.status_code == 200
    assert answer.json == {"received": 2, "created": 2, "updated": 0, "unchanged": 0, "marked_opted_out": 0,
                           "rejected": 0, "errors": []}
    first = stored(veille)["API-0001"]
    assert (first.civility, first.household, first.birth_year, first.phone) == ("Mme", "alone", 1941,
                                                                              "+33612000100")
    again = api.post("/tenants", tokens["write"], json={"tenants": [tenant(1), tenant(2, site="Les Roses")]})
    assert (again.json["unchanged"], again.json["updated"]) == (1, 1)
    assert stored(veille)["API-0002"].site == "Les Roses"


def test_a_push_of_several_megabytes_is_read_under_the_apis_own_limit(api, tokens, veille):
    caretaker = "Mme Gardienne de la résidence des Lilas, bâtiment B"
    tenants = [tenant(n, caretaker=caretaker) for n in range(6_000)]
    assert len(json.dumps({"tenants": tenants}).encode()) > 1_100_000  # over the 1 MB of the pages
    answer = api.post("/tenants", tokens["write"], json={"tenants": tenants})
    assert answer.status_code == 200 and answer.json["created"] == 6_000


def test_one_bad_tenant_among_a_thousand_saves_nothing_and_names_its_index(api, tokens, veille):
    answer = api.post("/tenants", tokens["write"], json={"tenants": thousand_with_one_bad_phone()})
    assert answer.status_code == 422 and answer.json["code"] == "invalid_tenants"
    assert [(e["index"], e["field"]) for e in answer.json["errors"]] == [(BAD_INDEX, "phone")]
    assert "numéro" in answer.json["errors"][0]["reason"]
    assert stored(veille) == {}


def test_with_partial_the_999_valid_tenants_are_saved_and_the_bad_one_listed(api, tokens, veille):
    answer = api.post("/tenants?partial=true", tokens["write"],
                      json={"tenants": thousand_with_one_bad_phone()})
    assert answer.status_code == 200
    assert (answer.json["created"], answer.json["rejected"]) == (999, 1)
    assert answer.json["errors"][0]["index"] == BAD_INDEX
    saved = stored(veille)
    assert len(saved) == 999 and f"API-{BAD_INDEX:04d}" not in saved


def test_errors_name_each_item_and_field_with_the_files_reasons(api, tokens, veille):
    items = [tenant(1, birth_date="31/02/1940"), {"reference": "X"}, tenant(3, colour="bleu"),
             tenant(4, household={"kind": "alone"}), "Martin", tenant(6), tenant(6, site="Autre")]
    answer = api.post("/tenants", tokens["write"], json={"tenants": items})
    assert answer.status_code == 422
    found = {(e["index"], e["field"]) for e in answer.json["errors"]}
    assert (0, "birth_date") in found
    assert {(1, "last_name"), (1, "household"), (1, "phone"), (1, "birth_year")} <= found
    assert (2, "colour") in found and (3, "household") in found and (4, None) in found
    assert {(5, "reference"), (6, "reference")} <= found  # the same reference twice, different data
    assert "inexistante" in next(e["reason"] for e in answer.json["errors"] if e["index"] == 0)
    assert stored(veille) == {}


def test_a_body_that_is_not_tenants_gets_a_clear_problem(api, tokens):
    not_json = api.post("/tenants", tokens["write"], data="reference;nom", content_type="text/csv")
    assert not_json.status_code == 400 and not_json.json["code"] == "bad_json"
    for body in ({"tenants": []}, {"tenants": "API-1"}, {"locataires": [tenant(1)]}):
        answer = api.post("/tenants", tokens["write"], json=body)
        assert answer.status_code == 422 and answer.json["code"] == "invalid_request"
    maybe = api.post("/tenants?partial=maybe", tokens["write"], json={"tenants": [tenant(1)]})
    assert maybe.status_code == 400 and maybe.json["code"] == "bad_parameter"


def test_a_number_on_the_opt_out_list_is_saved_without_numbers(api, tokens, veille, organisation):
    with veille.session_factory.begin() as session:
        suppress(session, organisation.id, ["+33612000100"])
    answer = api.post("/tenants", tokens["write"], json={"tenants": [tenant(1)]})
    assert answer.json["marked_opted_out"] == 1
    saved = stored(veille)["API-0001"]
    assert saved.phone is None and saved.opted_out_at is not None


def test_the_push_is_audited_as_an_import_with_counts_only(api, tokens, veille):
    api.post("/tenants?partial=true", tokens["write"], json={"tenants": [tenant(1), tenant(2, phone="x")]})
    with veille.session_factory() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "tenants.imported"))
    assert event.subject_type == "api" and event.actor_label == "jeton API « SI write »"
    assert event.details == {"source": "api", "created": 1, "updated": 0, "unchanged": 0, "opted_out": 0,
                             "rejected": 1}


def test_a_body_over_8_mb_is_refused_before_it_is_read(api, tokens, veille):
    filler = [tenant(n, caretaker="x" * 100) for n in range(1000)] * 80  # about 20 MB
    answer = api.post("/tenants", tokens["write"], json={"tenants": filler})
    assert answer.status_code == 413 and answer.json["code"] == "too_large"
    assert stored(veille) == {}
