"""Two volunteers never hold the same task: concurrent claims over HTTP on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import FollowUp
from tests.concurrency import run_together
from tests.e2e.live_server import LiveServer
from tests.web.people import PASSWORD
from tests.web.people import add_task
from tests.web.people import add_tenant
from tests.web.people import http_sign_in
from voice_app.services.accounts import NewUser
from voice_app.services.accounts import create_user

VOLUNTEERS = 8
TASKS = 5


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_claims_have_exactly_one_winner_per_task(veille, organisation, now):
    from voice_app.web import create_app

    emails = [f"v{n}@habitat.test" for n in range(VOLUNTEERS)]
    for email in emails:
        create_user(veille, NewUser(email=email, role="volunteer", name=email,
                                    organisation_id=organisation.id), password=PASSWORD)
    tasks = [add_task(veille, organisation.id, add_tenant(veille, organisation.id, f"PH-{n}"), "no_key", now)
             for n in range(TASKS)]
    server = LiveServer()
    server.serve(create_app({"TESTING": True}, veille=veille))
    try:
        volunteers = [http_sign_in(server.url, email) for email in emails]
        for task_id in tasks:
            def take(volunteer, task_id=task_id):
                session, token = volunteer
                return session.post(f"{server.url}/suivis/{task_id}/prendre", allow_redirects=False,
                                    data={"csrf_token": token, "keep_tenant": "y"}).status_code

            statuses, errors = run_together(take, volunteers)
            assert errors == []
            assert statuses.count(302) == 1, statuses
            assert set(statuses) <= {302, 404, 409}
    finally:
        server.stop()
    with veille.session_factory() as session:
        holders = session.scalars(select(FollowUp.assignee_id).where(FollowUp.id.in_(tasks))).all()
    assert None not in holders and len(holders) == TASKS
