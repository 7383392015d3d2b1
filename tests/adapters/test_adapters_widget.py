"""The embeddable enrollment widget: assets, CORS for registered origins only, a real browser
on an "agency site" served from another origin."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from registry_plugins.training.models import Enrollment
from sqlalchemy import select
from werkzeug.serving import make_server

from registry_kernel.testing import Factory, bearer

AGENCY = "https://www.valley-rr.example"
PLUGINS = ["training", "widget"]


def sponsor_with_event(app: Any, slug: str = "valley-rr", title: str = "Outdoor play",
                       capacity: int = 12) -> dict:
    factory = Factory(app)
    sponsor = factory.org(kind="training_sponsor", name="Valley R&R", slug=slug)
    token = factory.client_token(sponsor, "training:write")
    client = app.test_client()
    training = client.post("/api/v1/trainings", headers=bearer(token), json={
        "title": title, "hours": "3", "competency_area": "CDL", "language": "en"})
    assert training.status_code == 201, training.get_json()
    start = datetime.now(UTC) + timedelta(days=10)
    event = client.post("/api/v1/events", headers=bearer(token), json={
        "training_id": training.get_json()["id"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(), "capacity": capacity,
        "visibility": "published", "location": {"address": "1 Main St", "city": "Oakland",
                                                "county": "Alameda", "zip": "94601"}})
    assert event.status_code == 201, event.get_json()
    return {"sponsor": sponsor, "event_id": event.get_json()["id"]}


def test_script_and_style_are_served(make_app):
    app = make_app(plugins=PLUGINS)
    client = app.test_client()
    js = client.get("/widget/registry-enroll.js")
    assert js.status_code == 200
    assert js.mimetype == "text/javascript"
    source = js.get_data(as_text=True)
    assert "/api/v1/calendar?sponsor=" in source
    assert "/widget/enroll/" in source
    assert "innerHTML" not in source  # network data is never parsed as HTML
    assert js.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    css = client.get("/widget/registry-enroll.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert client.get("/widget/enroll/7").headers["Location"].startswith(
        "/login?next=/training/events/7")
    demo = client.get("/widget/?sponsor=valley-rr")
    assert demo.status_code == 200
    assert b'data-sponsor="valley-rr"' in demo.data


def test_cors_only_for_registered_origins_and_only_on_the_calendar(make_app):
    app = make_app(plugins=PLUGINS, plugin_sections={"widget": {"allowed_origins": [AGENCY]}})
    made = sponsor_with_event(app)
    client = app.test_client()
    ok = client.get("/api/v1/calendar?sponsor=valley-rr", headers={"Origin": AGENCY})
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == AGENCY
    assert "Origin" in ok.headers.get("Vary", "")
    items = ok.get_json()["items"]
    assert [i["event_id"] for i in items] == [made["event_id"]]
    assert items[0]["seats_left"] == 12
    other = client.get("/api/v1/calendar?sponsor=valley-rr",
                       headers={"Origin": "https://evil.example"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers
    elsewhere = client.get("/api/v1/health", headers={"Origin": AGENCY})
    assert "Access-Control-Allow-Origin" not in elsewhere.headers


def test_bad_origin_configuration_is_refused(make_app):
    from registry_kernel.config import ConfigError

    with pytest.raises(ConfigError, match="not an origin"):
        make_app(plugins=PLUGINS, plugin_sections={"widget": {
            "allowed_origins": ["https://agency.example/page"]}})


# --- a real browser ----------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def browser_page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-US")
        context.set_default_timeout(15000)
        yield context.new_page()
        context.close()
        browser.close()


class Site:
    """A tiny "agency website" on its own origin; ``html`` can be set after it starts."""

    def __init__(self) -> None:
        site = self
        self.html = ""

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                data = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
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


PAGE = ("<!doctype html><html lang='en'><head><title>Valley R&amp;R</title></head>"
        "<body><main><h1>Valley R&amp;R trainings</h1><div id='trainings'></div></main>"
        "<script src='{registry}/widget/registry-enroll.js' data-sponsor='valley-rr' "
        "data-color='#8b1f5a' data-target='trainings'></script></body></html>")


@pytest.mark.browser
def test_agency_site_lists_trainings_and_links_to_enrollment(fresh_database, tmp_path,
                                                              browser_page):
    from registry_kernel.app import create_app
    from registry_kernel.testing import test_settings

    agency, stranger = Site(), Site()
    url = fresh_database(plugins=PLUGINS)
    app = create_app(test_settings(url, tmp_path / "live", plugins=PLUGINS, plugin_sections={
        "widget": {"allowed_origins": [agency.url]}}))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    registry_url = f"http://127.0.0.1:{server.server_port}"
    app.extensions["registry"].settings.base_url = registry_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        made = sponsor_with_event(app, capacity=4)
        Factory(app).account(email="visitor@example.org")
        agency.html = stranger.html = PAGE.replace("{registry}", registry_url)
        page = browser_page
        page.goto(agency.url + "/")
        page.wait_for_selector("#trainings[data-state='ready'] .rew-item")
        item = page.locator(".rew-item").first
        assert item.locator(".rew-item-title").inner_text() == "Outdoor play"
        assert "4 seats left" in item.inner_text()
        assert "Alameda" in item.inner_text()
        color = page.eval_on_selector("#trainings", "e => getComputedStyle(e)"
                                      ".getPropertyValue('--rew-color').trim()")
        assert color == "#8b1f5a"
        link = item.locator("a.rew-enroll")
        assert link.get_attribute("href") == f"{registry_url}/widget/enroll/{made['event_id']}"
        page.fill("input.rew-filter", "no such training")
        assert page.locator(".rew-item").count() == 0
        assert "No upcoming trainings" in page.locator(".rew-status").inner_text()
        page.fill("input.rew-filter", "outdoor")
        assert page.locator("select.rew-place option").all_inner_texts() == [
            "Everywhere", "Alameda"]
        page.select_option("select.rew-place", "Alameda")
        assert page.locator(".rew-item").count() == 1
        with page.context.expect_page() as popup_info:
            page.locator("a.rew-enroll").first.click()
        popup = popup_info.value
        popup.wait_for_load_state()
        # not signed in: the registry asks to sign in (or create a profile), then brings the
        # visitor back to the event, where one press enrolls
        assert popup.url.startswith(f"{registry_url}/login")
        popup.fill("input[name=email]", "visitor@example.org")
        popup.fill("input[name=password]", "correct horse battery")
        popup.locator("form button[type=submit]").first.click()
        popup.wait_for_url(f"{registry_url}/training/events/{made['event_id']}")
        assert "Outdoor play" in popup.content()
        popup.get_by_role("button", name="Enroll Now").click()
        popup.wait_for_load_state()
        with app.extensions["registry"].sessions() as session:
            statuses = session.scalars(select(Enrollment.status).where(
                Enrollment.event_id == made["event_id"])).all()
        assert statuses == ["enrolled"]
        page.reload()
        page.wait_for_selector("#trainings[data-state='ready'] .rew-item")
        assert "3 seats left" in page.locator(".rew-item").first.inner_text()

        # a site that is not registered gets no data: the browser blocks it (CORS)
        page.goto(stranger.url + "/")
        page.wait_for_selector("#trainings[data-state='error']")
        assert page.locator(".rew-item").count() == 0
        assert "could not be loaded" in page.locator(".rew-status").inner_text()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        agency.close()
        stranger.close()
        app.extensions["registry"].engine.dispose()
