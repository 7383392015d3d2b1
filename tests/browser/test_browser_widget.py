"""The enrollment widget in a real browser.

The example agency page (``examples/agency-site/index.html``) is served from a second origin. It
lists the sponsor's trainings through the widget; a visitor presses Enroll, is sent through the
registry's OAuth authorization-code + PKCE sign-in (creating a profile, or signing in), allows
the enrollment, comes back to the agency page and sees Enrolled or Waitlisted. A site that is
not registered gets nothing (CORS). Uses the browser fixtures of tests/browser/conftest.py
(Playwright + Debian Chromium; skips without them).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from adapters_widget_helpers import sponsor_with_event
from playwright.sync_api import expect
from registry_plugins.training.models import Enrollment, TrainingEvent
from sqlalchemy import select
from werkzeug.serving import make_server

from registry_kernel.models import OAuthToken, Participant
from registry_kernel.testing import Factory

PLUGINS = ["training", "widget"]
EXAMPLE = Path(__file__).parents[2] / "examples" / "agency-site" / "index.html"
PASSWORD = "correct horse battery"


class Site:
    """A tiny "agency website" on its own origin; ``html`` can be set after it starts. Every
    path (with any query string) answers with the page."""

    def __init__(self) -> None:
        site = self
        self.html = ""
        self.csp = ""  # the agency page's own Content-Security-Policy, if any

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                data = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if site.csp:
                    self.send_header("Content-Security-Policy", site.csp)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def example_page(registry_url: str, client_id: str | None) -> str:
    """The example agency page, pointed at the test registry and the test client."""
    html = EXAMPLE.read_text(encoding="utf-8")
    assert "http://127.0.0.1:5000" in html and "YOUR-WIDGET-CLIENT-ID" in html
    html = html.replace("http://127.0.0.1:5000", registry_url)
    if client_id is None:
        return html.replace(' data-client-id="YOUR-WIDGET-CLIENT-ID"', "")
    return html.replace("YOUR-WIDGET-CLIENT-ID", client_id)


@pytest.fixture
def live(fresh_database, tmp_path):
    from registry_adapters.widget.services import register_site

    from registry_kernel.app import create_app
    from registry_kernel.testing import test_settings

    agency, stranger = Site(), Site()
    url = fresh_database(plugins=PLUGINS)
    app = create_app(test_settings(url, tmp_path / "live", plugins=PLUGINS))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    registry_url = f"http://127.0.0.1:{server.server_port}"
    registry = app.extensions["registry"]
    registry.settings.base_url = registry_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        made = sponsor_with_event(app, capacity=1)
        # the sponsor registers its page (what /widget/sites does): CORS for its origin and a
        # public OAuth client whose only redirect is the page
        with registry.sessions() as session:
            client_id = register_site(session, registry, organization_id=made["sponsor"].id,
                                      page_url=agency.url + "/").client_id
            session.commit()
        yield {"app": app, "registry": registry, "url": registry_url, "agency": agency,
               "stranger": stranger, "client_id": client_id, **made}
    finally:
        server.shutdown()
        thread.join(timeout=10)
        agency.close()
        stranger.close()
        registry.engine.dispose()


def statuses(live: dict) -> list[tuple[str, str]]:
    with live["registry"].sessions() as session:
        return sorted(session.execute(
            select(Participant.registry_id, Enrollment.status)
            .join(Participant, Participant.id == Enrollment.participant_id)
            .where(Enrollment.event_id == live["event_id"])).all())


def at(page: Any, prefix: str) -> None:
    """Wait until the page's address starts with ``prefix``."""
    page.wait_for_url(lambda url: url.startswith(prefix))


def notice(page: Any, result: str) -> str:
    page.wait_for_selector(f".rew-notice[data-result='{result}']")
    return page.locator(".rew-notice").inner_text()


@pytest.mark.browser
def test_visitor_enrolls_through_oauth_pkce_from_the_agency_page(live, browser, axe_check):
    agency, registry_url = live["agency"], live["url"]
    agency.html = example_page(registry_url, live["client_id"])
    # a strict policy on the agency's page: the registry's origin for the script, its
    # stylesheet and its API is all the widget needs (docs/adapters.md)
    agency.csp = (f"default-src 'none'; script-src {registry_url}; "
                  f"style-src 'unsafe-inline' {registry_url}; connect-src {registry_url}")
    Factory(live["app"]).account(email="second@example.org")

    # a new visitor: Enroll -> registry sign-in -> Create a Profile -> consent -> back, enrolled
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(agency.url + "/")
    page.wait_for_selector("#trainings[data-state='ready'] .rew-item")
    item = page.locator(".rew-item").first
    assert item.locator(".rew-item-title").inner_text() == "Outdoor play"
    assert "1 seat left" in item.inner_text()
    color = page.eval_on_selector("#trainings", "e => getComputedStyle(e)"
                                  ".getPropertyValue('--rew-color').trim()")
    assert color == "#8b1f5a"
    axe_check(page)  # the widget's markup on the agency's page
    item.get_by_role("button", name="Enroll").click()
    at(page, f"{registry_url}/login?")
    authorize = page.url
    assert "code_challenge_method%3DS256" in authorize or "code_challenge_method=S256" in \
        authorize.replace("%3D", "=").replace("%26", "&")
    page.get_by_role("link", name="Create a Profile").click()
    at(page, f"{registry_url}/signup?")
    page.fill("input[name=first_name]", "Lupe")
    page.fill("input[name=last_name]", "Garcia")
    page.fill("input[name=email]", "lupe@example.org")
    page.fill("input[name=password]", "a long enough passphrase 7")
    page.fill("input[name=password_confirm]", "a long enough passphrase 7")
    page.fill("input[name=birth_date]", "1990-05-01")
    page.select_option("select[name=county]", "Alameda")
    page.locator("form.stacked-form button[type=submit]").click()
    at(page, f"{registry_url}/oauth/authorize?")
    assert "Enrollment widget on 127.0.0.1" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Allow").click()
    at(page, agency.url + "/")  # back on the agency page
    assert "You are enrolled in “Outdoor play”" in notice(page, "enrolled")
    assert "code=" not in page.url and "state=" not in page.url
    axe_check(page)
    page.wait_for_selector("#trainings[data-state='ready'] .rew-item")
    assert "Full: join the waitlist" in page.locator(".rew-item").first.inner_text()
    with live["registry"].sessions() as session:
        lupe = session.scalar(select(Participant.registry_id).join(
            Enrollment, Enrollment.participant_id == Participant.id))
    assert statuses(live) == [(lupe, "enrolled")]

    # enrolling again (already signed in at the registry): consent, back, "already signed up"
    page.locator(".rew-item").first.get_by_role("button", name="Enroll").click()
    at(page, f"{registry_url}/oauth/authorize?")
    page.get_by_role("button", name="Allow").click()
    assert "already signed up" in notice(page, "already_enrolled")
    context.close()

    # a registered visitor signs in; the one seat is taken: waitlisted. Denying first changes
    # nothing.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(agency.url + "/")
    page.wait_for_selector("#trainings[data-state='ready'] .rew-item")
    page.locator(".rew-item").first.get_by_role("button", name="Enroll").click()
    at(page, f"{registry_url}/login?")
    page.fill("input[name=email]", "second@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    at(page, f"{registry_url}/oauth/authorize?")
    page.get_by_role("button", name="Deny").click()
    assert "Nothing was changed" in notice(page, "denied")
    assert len(statuses(live)) == 1
    page.locator(".rew-item").first.get_by_role("button", name="Enroll").click()
    at(page, f"{registry_url}/oauth/authorize?")
    page.get_by_role("button", name="Allow").click()
    assert "you are on the waitlist" in notice(page, "waitlisted")
    assert sorted(status for _, status in statuses(live)) == ["enrolled", "waitlisted"]
    context.close()

    # the widget revoked every token it was given as soon as it had enrolled
    with live["registry"].sessions() as session:
        tokens = session.scalars(select(OAuthToken).where(
            OAuthToken.client_id == live["client_id"])).all()
    assert len(tokens) == 3
    assert all(token.revoked_at is not None for token in tokens)


@pytest.mark.browser
def test_a_visitor_abroad_sees_the_trainings_time_where_it_takes_place(live, browser):
    """The visitor's computer is set to Tokyo: the widget still shows the training's time in
    the registry's zone (California), named, as the registry's own pages do."""
    from registry_kernel.clock import zone

    agency, registry_url = live["agency"], live["url"]
    agency.html = example_page(registry_url, None)
    with live["registry"].sessions() as session:
        starts_at = session.get(TrainingEvent, live["event_id"]).starts_at
    local = starts_at.astimezone(zone("America/Los_Angeles"))
    context = browser.new_context(locale="en-US", timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.goto(agency.url + "/")
        page.wait_for_selector("#trainings[data-state='ready'] .rew-item")
        shown = page.locator(".rew-when").first.inner_text()
        expected = f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
        assert expected in shown and local.tzname() in shown, (shown, local)
    finally:
        context.close()


@pytest.mark.browser
def test_without_a_client_the_widget_links_to_the_registry(live, page):
    """No ``data-client-id``: Enroll opens the event on the registry (sign in, one press)."""
    agency, registry_url = live["agency"], live["url"]
    agency.html = example_page(registry_url, None)
    Factory(live["app"]).account(email="visitor@example.org")
    page.goto(agency.url + "/")
    page.wait_for_selector("#trainings[data-state='ready'] .rew-item")
    page.fill("input.rew-filter", "no such training")
    expect(page.locator(".rew-item")).to_have_count(0)
    assert "No upcoming trainings" in page.locator(".rew-status").inner_text()
    page.fill("input.rew-filter", "outdoor")
    assert page.locator("select.rew-place option").all_inner_texts() == ["Everywhere", "Alameda"]
    link = page.locator("a.rew-enroll").first
    assert link.get_attribute("href") == f"{registry_url}/widget/enroll/{live['event_id']}"
    with page.context.expect_page() as popup_info:
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url.startswith(f"{registry_url}/login")
    popup.fill("input[name=email]", "visitor@example.org")
    popup.fill("input[name=password]", PASSWORD)
    popup.locator("form button[type=submit]").first.click()
    popup.wait_for_url(f"{registry_url}/training/events/{live['event_id']}")
    popup.get_by_role("button", name="Enroll Now").click()
    popup.wait_for_load_state()
    assert [status for _, status in statuses(live)] == ["enrolled"]


@pytest.mark.browser
def test_an_unregistered_site_gets_nothing(live, page):
    """The same page on an origin that is not registered: the browser blocks the calendar
    (CORS), and the registry refuses to send a visitor back to it (unregistered redirect)."""
    stranger, registry_url = live["stranger"], live["url"]
    stranger.html = example_page(registry_url, live["client_id"])
    page.goto(stranger.url + "/")
    page.wait_for_selector("#trainings[data-state='error']")
    expect(page.locator(".rew-item")).to_have_count(0)
    assert "could not be loaded" in page.locator(".rew-status").inner_text()
    # even a hand-made authorization request for that page ends on the registry's error page
    Factory(live["app"]).account(email="visitor@example.org")
    page.goto(f"{registry_url}/login")
    page.fill("input[name=email]", "visitor@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    answer = page.goto(
        f"{registry_url}/oauth/authorize?response_type=code&client_id={live['client_id']}"
        f"&redirect_uri={stranger.url}/&scope=me&state=x&code_challenge="
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256")
    assert answer.status == 400
    assert page.url.startswith(f"{registry_url}/oauth/authorize?")  # not sent anywhere


@pytest.mark.browser
def test_staff_register_a_page_in_the_browser(live, phone_page, axe_check):
    """Website widget (/widget/sites) on a phone: an error beside the field, then the page is
    registered and its snippet shown; axe-core finds nothing to fix."""
    registry_url, page = live["url"], phone_page
    Factory(live["app"]).account(email="manager@example.org", role="sponsor_manager",
                                 org=live["sponsor"])
    page.goto(f"{registry_url}/login?next=/widget/sites")
    page.fill("input[name=email]", "manager@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    at(page, f"{registry_url}/widget/sites")
    axe_check(page)
    page.fill("#ws-page", "ftp://www.valley-rr.example/")
    page.get_by_role("button", name="Register page").click()
    expect(page.locator("#ws-page-error")).to_contain_text("starting with https://")
    assert page.locator("#ws-page").get_attribute("aria-invalid") == "true"
    assert page.locator("#ws-page").input_value() == "ftp://www.valley-rr.example/"
    axe_check(page)
    page.fill("#ws-page", "https://www.valley-rr.example/trainings")
    page.get_by_role("button", name="Register page").click()
    site = page.locator(".ws-site", has_text="https://www.valley-rr.example/trainings")
    snippet = site.locator("pre").inner_text()
    assert 'data-sponsor="valley-rr"' in snippet and "data-client-id=" in snippet
    axe_check(page)
