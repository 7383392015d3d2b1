"""The enrollment widget in a real browser: an agency page on another origin lists the sponsor's
trainings through the widget, filters them, and a visitor enrolls end to end (sign in, back to
the event, one press); a site that is not registered gets nothing (CORS). Uses the browser
fixtures of tests/browser/conftest.py (Playwright + Debian Chromium; skips without them)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from registry_plugins.training.models import Enrollment
from sqlalchemy import select
from werkzeug.serving import make_server

from registry_kernel.testing import Factory, bearer

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
                                                              page):
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
