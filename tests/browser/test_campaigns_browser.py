"""A coordinator in a desktop browser starts an urgent round and watches its figures move
without reloading the page (poll.js swaps the figures fragment in)."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from db.models import CallAttempt
from tests.browser.conftest import sign_in
from tests.web.people import add_tenant


def calls_answered(veille, round_id: int, count: int, now) -> None:
    """What the dispatcher and the tenants' keys do to the first calls of the round."""
    with veille.session_factory.begin() as session:
        attempts = session.scalars(select(CallAttempt).where(CallAttempt.round_id == round_id)
                                   .order_by(CallAttempt.due_at).limit(count)).all()
        for attempt in attempts:
            attempt.state, attempt.outcome, attempt.answered_by = "ended", "ok", "human"
            attempt.dialled_at = attempt.answered_at = attempt.ended_at = now


def start_urgent_round(page, people, veille, tenants: int) -> int:
    """The coordinator launches an urgent round for `tenants` tenants; its id."""
    for n in range(tenants):
        add_tenant(veille, people.landlord_id, f"PH-{n}", phone=f"+3361234567{n}")
    sign_in(page, people.coordinator.email)
    page.get_by_role("navigation").get_by_role("link", name="Campagnes").click()
    page.get_by_role("button", name="Lancer une tournée urgente maintenant").click()
    page.wait_for_url("**/tournees/*")
    return int(page.url.rsplit("/", 1)[1])


def test_a_coordinator_starts_an_urgent_round_and_watches_it_progress(page, people, veille, now):
    round_id = start_urgent_round(page, people, veille, 6)
    assert page.get_by_role("status").inner_text().startswith("Tournée urgente lancée : 6 appel(s)")
    figures = page.locator("#progression")
    expect(figures.locator('[data-figure="planned"]')).to_have_text("6")
    expect(figures.locator('[data-figure="placed"]')).to_have_text("0")
    expect(figures.locator('[data-figure="remaining"]')).to_have_text("6")
    page.evaluate("window.sameDocument = true")

    calls_answered(veille, round_id, 2, now)

    expect(figures.locator('[data-figure="placed"]')).to_have_text("2", timeout=15_000)
    expect(figures.locator('[data-figure="reached"]')).to_have_text("2")
    expect(figures.locator('[data-figure="remaining"]')).to_have_text("4")
    assert page.evaluate("window.sameDocument") is True  # refreshed in place, never reloaded


def test_the_live_figures_keep_the_keyboard_focus_and_announce_the_closing(page, people, veille, now):
    from db.models import Round

    round_id = start_urgent_round(page, people, veille, 3)
    figures = page.locator("#progression")
    figures.get_by_role("link", name="Voir les suivis").focus()

    calls_answered(veille, round_id, 1, now)
    expect(figures.locator('[data-figure="placed"]')).to_have_text("1", timeout=15_000)  # replaced
    assert page.evaluate("document.activeElement.textContent") == "Voir les suivis"

    with veille.session_factory.begin() as session:
        session.get(Round, round_id).status = "closed"
    expect(page.locator("#round-news")).to_have_text("Tournée close.", timeout=15_000)
    assert page.evaluate("document.activeElement.textContent") == "Voir les suivis"
