"""Sign-in (DESIGN §11): generic refusals, throttling, cookies, idle expiry, invitations."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

from itsdangerous.timed import TimestampSigner
from sqlalchemy import func
from sqlalchemy import select

from db.models import LoginAttempt
from db.models import User
from tests.web.people import PASSWORD
from tests.web.people import Browser
from voice_app.services.accounts import NewUser
from voice_app.services.accounts import create_user
from voice_app.services.accounts import invite
from voice_app.services.accounts import set_active

REFUSAL = "Adresse e-mail ou mot de passe incorrect"


def test_signing_in_lands_home_with_a_safe_session_cookie(browser, people):
    response = browser.sign_in(people.volunteer)
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    cookie = response.headers["Set-Cookie"]
    assert "veille_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development serves plain http on 127.0.0.1


def test_production_cookies_are_secure(settings, telephony, people):
    from voice_app.bootstrap import bootstrap
    from voice_app.web import create_app

    production = replace(settings, VEILLE_ENV="production", TELEPHONY_PROVIDER="twilio", SECRET_KEY="k" * 40)
    veille = bootstrap(production, telephony=telephony)
    try:
        browser = Browser(create_app({"TESTING": True}, veille=veille).test_client())
        assert "Secure" in browser.sign_in(people.volunteer).headers["Set-Cookie"]
    finally:
        veille.close()


def test_unknown_email_and_wrong_password_get_the_same_answer(browser, people):
    wrong = browser.sign_in(people.volunteer, "not the password")
    unknown = browser.sign_in("nobody@habitat.test")
    assert wrong.status_code == unknown.status_code == 200
    assert REFUSAL in wrong.get_data(as_text=True) and REFUSAL in unknown.get_data(as_text=True)
    assert browser.get("/").status_code == 302  # still signed out


def test_ten_failures_make_the_account_wait_fifteen_minutes(browser, people, veille, now):
    for _ in range(10):
        browser.sign_in(people.volunteer, "guess")
    assert REFUSAL in browser.sign_in(people.volunteer).get_data(as_text=True)  # right password, refused
    assert browser.sign_in(people.coordinator).status_code == 302  # another account is not locked
    browser.post("/deconnexion")
    veille.clock = lambda: now + timedelta(minutes=16)
    assert browser.sign_in(people.volunteer).status_code == 302


def test_one_address_guessing_many_accounts_is_throttled(browser, people, veille):
    for n in range(30):
        browser.sign_in(f"guess{n}@habitat.test", "guess")
    assert browser.sign_in(people.volunteer).status_code == 200
    with veille.session_factory() as session:
        assert session.scalar(select(func.count(LoginAttempt.id)).where(LoginAttempt.succeeded)) == 0


def test_next_is_followed_only_when_it_stays_on_the_site(client, people):
    for target, landing in (("/benevoles", "/benevoles"), ("//evil.example", "/"),
                            ("https://evil.example/", "/"), ("/\\evil.example", "/")):
        browser = Browser(client.application.test_client())
        assert browser.sign_in(people.coordinator, next_path=target).headers["Location"] == landing


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(browser, people, veille):
    browser.sign_in(people.admin)
    response = browser.post(f"/admin/utilisateurs/{people.volunteer.id}/etat", {"active": "0"}, csrf=False)
    forged = browser.post(f"/admin/utilisateurs/{people.volunteer.id}/etat",
                          {"active": "0", "csrf_token": "forged"}, csrf=False)
    assert response.status_code == forged.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    with veille.session_factory() as session:
        assert session.get(User, people.volunteer.id).active


def test_sign_in_without_csrf_token_is_refused(client, people):
    response = client.post("/connexion", data={"email": people.volunteer.email, "password": PASSWORD})
    assert response.status_code == 400


def test_a_session_idle_for_twelve_hours_has_expired(browser, people, monkeypatch):
    browser.sign_in(people.volunteer)
    assert browser.get("/").status_code == 200
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 12 * 3600 + 60)
    assert browser.get("/").status_code == 302


def test_a_deactivated_account_is_signed_out_at_its_next_request(browser, people, veille):
    browser.sign_in(people.volunteer)
    set_active(veille, people.volunteer.id, False)
    assert browser.get("/").status_code == 302
    assert browser.sign_in(people.volunteer).status_code == 200  # and cannot sign in again


def test_signing_out_ends_the_session(browser, people):
    browser.sign_in(people.volunteer)
    assert browser.post("/deconnexion").headers["Location"] == "/connexion"
    assert browser.get("/").status_code == 302


def test_signing_out_ends_a_copy_of_the_session_too(client, browser, people):
    browser.sign_in(people.coordinator)
    copied = client.get_cookie("veille_session").value
    browser.post("/deconnexion")
    thief = client.application.test_client()
    thief.set_cookie("veille_session", copied)
    assert thief.get("/locataires").status_code == 302


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(client, browser, people, veille):
    old = Browser(client.application.test_client())
    old.sign_in(people.coordinator)
    assert old.get("/locataires").status_code == 200
    token = invite(veille, people.coordinator.id)
    phrase = "un tout nouveau mot de passe"
    set_password = browser.post(f"/invitation/{token}", {"password": phrase, "confirmation": phrase})
    assert set_password.status_code == 302
    assert old.get("/locataires").status_code == 302
    assert browser.sign_in(people.coordinator, phrase).status_code == 302
    assert browser.get("/locataires").status_code == 200


def test_a_reactivated_account_has_no_session_left(browser, people, veille):
    browser.sign_in(people.volunteer)
    set_active(veille, people.volunteer.id, False)
    set_active(veille, people.volunteer.id, True)
    assert browser.get("/").status_code == 302


def test_a_session_ends_24_hours_after_sign_in_however_busy(browser, people, monkeypatch):
    from voice_app.web import access

    browser.sign_in(people.volunteer)
    started = time.time()
    monkeypatch.setattr(access, "seconds_now", lambda: started + 23 * 3600)
    assert browser.get("/").status_code == 200
    monkeypatch.setattr(access, "seconds_now", lambda: started + 24 * 3600 + 60)
    assert browser.get("/").status_code == 302


def test_only_the_newest_invitation_link_works(browser, veille, people):
    first, second = invite(veille, people.volunteer.id), invite(veille, people.volunteer.id)
    assert browser.get(f"/invitation/{first}").status_code == 404
    phrase = "une longue phrase"
    set_password = browser.post(f"/invitation/{second}", {"password": phrase, "confirmation": phrase})
    assert set_password.status_code == 302


def test_setting_the_password_or_deactivating_spends_every_open_link(browser, veille, people):
    from db.models import Invitation

    invite(veille, people.volunteer.id)
    with veille.session_factory.begin() as session:  # an older link, issued before this rule
        session.add(Invitation(user_id=people.volunteer.id, token_hash="0" * 64,
                               expires_at=veille.clock() + timedelta(hours=1)))
    token = invite(veille, people.other_volunteer.id)
    set_active(veille, people.other_volunteer.id, False)
    set_active(veille, people.other_volunteer.id, True)
    assert browser.get(f"/invitation/{token}").status_code == 404
    last = invite(veille, people.volunteer.id)
    phrase = "une longue phrase"
    browser.post(f"/invitation/{last}", {"password": phrase, "confirmation": phrase})
    with veille.session_factory() as session:
        open_links = session.scalars(select(Invitation).where(
            Invitation.user_id == people.volunteer.id, Invitation.used_at.is_(None))).all()
    assert open_links == []


def test_an_invitation_sets_the_password_once(browser, veille, people, now):
    user = create_user(veille, NewUser(email="new@habitat.test", role="volunteer", name="Nouvelle",
                                       organisation_id=people.landlord_id))
    token = invite(veille, user.id)
    assert browser.get(f"/invitation/{token}").status_code == 200
    short = browser.post(f"/invitation/{token}", {"password": "court", "confirmation": "court"})
    assert "Entre 12 et 256 caractères" in short.get_data(as_text=True)
    phrase = "une longue phrase"
    done = browser.post(f"/invitation/{token}", {"password": phrase, "confirmation": phrase})
    assert (done.status_code, done.headers["Location"]) == (302, "/connexion")
    assert browser.get(f"/invitation/{token}").status_code == 404
    browser.get("/connexion")  # a fresh CSRF token: the refusal below is the invitation's
    again = browser.post(f"/invitation/{token}", {"password": "autre phrase longue", "confirmation":
                                                  "autre phrase longue"})
    assert again.status_code == 404 and "n’est plus valable" in again.get_data(as_text=True)
    assert browser.sign_in("new@habitat.test", "une longue phrase").status_code == 302


def test_an_invitation_expires_after_72_hours(browser, veille, people, now):
    user = create_user(veille, NewUser(email="late@habitat.test", role="volunteer", name="Tardive",
                                       organisation_id=people.landlord_id))
    token = invite(veille, user.id)
    veille.clock = lambda: now + timedelta(hours=72, minutes=1)
    assert browser.get(f"/invitation/{token}").status_code == 404
    assert browser.get("/invitation/not-a-token").status_code == 404
    with veille.session_factory() as session:
        assert session.get(User, user.id).password_hash is None


def test_pages_name_the_site_icon_served_from_the_package(client):
    page = client.get("/connexion").get_data(as_text=True)
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page
    with client.get("/static/favicon.svg") as icon:  # a file response: closed after reading
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert b"<svg" in icon.data
