"""The API's door: bearer tokens, scopes, problem answers, the rate limit and the audit."""

from __future__ import annotations

import json

import jsonschema
from openapi_spec_validator import validate
from sqlalchemy import func
from sqlalchemy import select

from db.models import ApiToken
from db.models import AuditEvent
from db.models import Tenant
from tests.web.api_client import description
from voice_app.web import create_app

TENANT = {"reference": "API-1", "last_name": "Martin", "household": "seul", "phone": "06 12 34 56 78",
          "birth_year": 1941}


def tenant_count(veille) -> int:
    with veille.session_factory() as session:
        return session.scalar(select(func.count(Tenant.id)))


def test_the_description_served_is_the_packaged_one_and_a_valid_openapi_3_1_document(api):
    answer = api.get("/openapi.json")
    assert answer.status_code == 200 and answer.json == description()
    assert answer.json["openapi"].startswith("3.1")
    validate(answer.json)


def test_a_call_without_a_token_is_refused_with_a_problem(api):
    answer = api.get("/enrolments")
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"
    assert answer.json["code"] == "token_missing" and answer.json["status"] == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_or_another_scheme_is_refused(api, tokens):
    assert api.get("/enrolments", "veille_" + "x" * 43).json["code"] == "token_unknown"
    basic = api.get("/enrolments", headers={"Authorization": f"Basic {tokens['read']}"})
    assert basic.status_code == 401 and basic.json["code"] == "token_missing"


def test_a_revoked_token_writing_gets_401_and_saves_nothing(api, tokens, veille):
    answer = api.post("/tenants", tokens["revoked"], json={"tenants": [TENANT]})
    assert answer.status_code == 401 and answer.json["code"] == "token_revoked"
    assert tenant_count(veille) == 0


def test_a_read_only_token_writing_gets_403_and_saves_nothing(api, tokens, veille):
    answer = api.post("/tenants", tokens["read"], json={"tenants": [TENANT]})
    assert answer.status_code == 403 and answer.json["code"] == "scope"
    assert tenant_count(veille) == 0
    assert api.get("/enrolments", tokens["read"]).status_code == 200


def test_a_write_token_also_reads(api, tokens):
    assert api.get("/opt-outs", tokens["write"]).status_code == 200


def test_the_token_is_stored_hashed_and_its_last_use_recorded(api, tokens, veille, now):
    with veille.session_factory() as session:
        stored = {token.name: token for token in session.scalars(select(ApiToken))}
    assert all(secret not in {t.secret_hash for t in stored.values()} for secret in tokens.values())
    assert stored["SI read"].last_used_at is None
    api.get("/enrolments", tokens["read"])
    with veille.session_factory() as session:
        assert session.scalar(select(ApiToken.last_used_at).where(ApiToken.name == "SI read")) == now


def test_every_call_is_audited_refused_ones_included(api, tokens, veille):
    api.get("/enrolments", tokens["read"])
    api.post("/tenants", tokens["read"], json={"tenants": [TENANT]})
    api.get("/enrolments", "veille_unknown")
    with veille.session_factory() as session:
        calls = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "api.call")
                                     .order_by(AuditEvent.id)))
    assert [(c.details["method"], c.details["status"]) for c in calls] == [("GET", 200), ("POST", 403),
                                                                           ("GET", 401)]
    assert calls[0].actor_label == "jeton API « SI read »" and calls[0].organisation_id is not None
    assert calls[2].details["refusal"] == "unknown" and calls[2].organisation_id is None
    assert all(tokens["read"] not in json.dumps(c.details) for c in calls)


def test_calls_over_the_limit_get_429_per_token(veille, tokens):
    from tests.web.api_client import Api

    api = Api(create_app({"TESTING": True, "API_RATE_LIMIT": "3 per minute"}, veille=veille).test_client())
    answers = [api.get("/enrolments", tokens["read"]).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = api.get("/enrolments", tokens["read"])
    assert limited.json["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
    assert api.get("/enrolments", tokens["write"]).status_code == 200  # another token, its own count
    assert api.get("/openapi.json").status_code == 200  # the description is never limited


def test_an_unknown_api_path_answers_a_json_problem_not_a_page(client):
    answer = client.get("/api/v1/nothing-here")
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    assert answer.json["code"] == "not_found"
    jsonschema.validate(answer.json, description()["components"]["schemas"]["Problem"])
    wrong_method = client.get("/api/v1/tenants")
    assert wrong_method.status_code == 405 and wrong_method.json["code"] == "method_not_allowed"


def test_no_csrf_token_is_needed_with_a_bearer_token_but_pages_still_need_one(api, tokens, client):
    assert api.post("/tenants", tokens["write"], json={"tenants": [TENANT]}).status_code == 200
    assert client.post("/connexion", data={"email": "x@y.z", "password": "p"}).status_code == 400
