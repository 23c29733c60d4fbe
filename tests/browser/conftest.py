"""Browser tests: Playwright driving the system's Chromium (Debian's `chromium` package,
installed by scripts/test; Playwright never downloads a browser here) against a real server
on 127.0.0.1 serving the app."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.e2e.live_server import LiveServer


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is missing: scripts/test installs it (apt-get install chromium).")
    return path


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture
def server(veille, people):
    from voice_app.web import create_app

    live = LiveServer()
    live.serve(create_app({"TESTING": True}, veille=veille))
    yield live
    live.stop()


@pytest.fixture
def page(chromium, server):
    phone_screen = {"width": 390, "height": 844}
    context = chromium.new_context(base_url=server.url, locale="fr-FR", viewport=phone_screen)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def people(veille):
    from tests.web.people import make_people

    return make_people(veille)


def sign_in(page, email: str) -> None:
    """Sign in through the real form, as a person would; lands on their home page."""
    from tests.web.people import PASSWORD

    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")
