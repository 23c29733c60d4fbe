"""The provider's webhooks have no session: no cookie is read, set or varied on, no user loaded."""

from __future__ import annotations

from voice_app.web import access


def assert_no_session(response) -> None:
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_a_webhook_neither_reads_nor_sets_a_session(twilio):
    assert_no_session(twilio.answer())
    assert_no_session(twilio.press("1"))
    assert_no_session(twilio.status("completed"))


def test_a_webhook_loads_no_user_even_beside_a_signed_in_browser(people, browser, twilio, monkeypatch):
    browser.sign_in(people.volunteer)  # the test client now carries a signed-in session cookie
    loaded = []
    original = access.login_manager._user_callback
    monkeypatch.setattr(access.login_manager, "_user_callback", lambda user_id: loaded.append(user_id)
                        or original(user_id))
    assert_no_session(twilio.answer())
    assert loaded == []
    assert browser.client.get("/").status_code == 200  # a page still signs its user in
    assert loaded


def test_a_forged_webhook_is_refused_without_a_session_either(twilio):
    response = twilio.post(f"/voice/calls/{twilio.token}/status", twilio.params(CallStatus="busy"),
                           signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers
