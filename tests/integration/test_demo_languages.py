"""The demo has a Portuguese-speaking and an Arabic-speaking tenant, called in their language."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Tenant
from voice_app.services.demo import seed_demo


def test_the_demo_seeds_a_portuguese_and_an_arabic_speaking_tenant(veille):
    seed_demo(veille, tenants=20)
    with veille.session_factory() as session:
        languages = dict(session.execute(select(Tenant.reference, Tenant.language)).all())
    assert (languages["DEMO-002"], languages["DEMO-003"]) == ("pt", "ar")
    others = {code for reference, code in languages.items() if reference not in ("DEMO-002", "DEMO-003")}
    assert others == {"fr"}
