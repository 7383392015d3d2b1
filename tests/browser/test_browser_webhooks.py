"""The Webhooks page in a real browser (Playwright + Debian's Chromium), against a live registry
and a live local HTTP receiver (``tests/adapters/adapters_http_receiver.py``).

An agency's program administrator registers an endpoint, sees the delivery and the receiver's
answer, sees a delivery fail after the receiver goes down, redelivers it (the same webhook-id,
delivered once), rotates the signing secret with an overlap (shown once; both secrets sign) and
stops signing with the old one. axe-core checks every state of the page; a phone-sized screen
too.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from adapters_http_receiver import (  # the receiver lives with the adapter tests
    Receiver,
    make_due,
    running_receiver,
    signatures,
    verify_standard_webhook,
)
from playwright.sync_api import expect

from registry_kernel.testing import Factory, bearer

pytestmark = pytest.mark.browser

PASSWORD = "violet tractor umbrella"
EVENT = "participant.created"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as live:
        yield live


@pytest.fixture
def agency(live_server: Any) -> SimpleNamespace:
    """A live registry with webhooks (two attempts before a delivery fails), an agency, its
    program administrator and an API token of the agency's own system."""
    live = live_server(plugins=["webhooks"],
                       plugin_sections={"webhooks": {"max_attempts": 2, "timeout_seconds": 5}})
    factory = Factory(live.app)
    org = factory.org(name="Valley R&R")
    factory.account("program_admin", org=org, email="dana@example.org", password=PASSWORD,
                    first_name="Dana")
    token = factory.client_token(org, "participants:write")
    return SimpleNamespace(live=live, org=org, token=token, people=0)


def add_participant(env: SimpleNamespace) -> None:
    """The agency's system registers someone: a ``participant.created`` event."""
    env.people += 1
    response = env.live.app.test_client().post("/api/v1/participants", headers=bearer(env.token),
                                               json={"first_name": "Ana", "last_name": "Reyes",
                                                     "email": f"ana{env.people}@example.org"})
    assert response.status_code == 201, response.get_json()


def open_webhooks(page: Any, env: SimpleNamespace) -> None:
    env.live.sign_in(page, "dana@example.org", PASSWORD)
    page.get_by_role("link", name="Webhooks").first.click()
    expect(page.locator("h1")).to_have_text("Webhooks: Valley R&R")


def register_endpoint(page: Any, url: str) -> str:
    """Add an endpoint for ``participant.created``; returns the secret shown once."""
    page.get_by_label("URL (https)").fill(url)
    page.get_by_label(EVENT).check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("status").locator("code")).to_contain_text("whsec_")
    secret = page.get_by_role("status").locator("code").inner_text()
    assert secret.startswith("whsec_")
    # the secret is in the DOM before the stylesheet may have arrived on a busy machine; a
    # layout measured then has no wrapping rules (CI once saw a 399 px page on a 390 px phone)
    page.wait_for_load_state("load")
    return secret


def refresh(page: Any, env: SimpleNamespace) -> None:
    """Load the page afresh (a reload would submit again a form the page answered)."""
    page.goto(f"{env.live.url}/webhooks/?org={env.org.id}")


def row_of(page: Any, webhook_id: str) -> Any:
    row = page.locator("tbody tr", has_text=webhook_id)
    expect(row).to_have_count(1)
    return row


def test_register_deliver_fail_redeliver_and_rotate(page, agency, receiver, axe_check):
    env, live = agency, agency.live
    open_webhooks(page, env)
    assert "No endpoints yet." in page.locator("main").inner_text()
    axe_check(page)

    # bad input: the messages are beside the fields, what was typed is kept, nothing is added
    page.get_by_label("URL (https)").fill("http://hooks.example.org/in")
    page.get_by_role("button", name="Add endpoint").click()
    url_field = page.get_by_label("URL (https)")
    assert url_field.get_attribute("aria-invalid") == "true"
    assert "must be https" in page.locator("#wh-url-error").inner_text()
    assert url_field.input_value() == "http://hooks.example.org/in"
    assert "name at least one event" in page.locator("#wh-events-error").inner_text()
    assert "No endpoints yet." in page.locator("main").inner_text()
    expect(page.get_by_role("status")).to_have_count(0)
    axe_check(page)

    secret = register_endpoint(page, receiver.url + "/hooks")
    endpoint = page.locator("section.wh-endpoint")
    assert endpoint.locator("h3").inner_text() == receiver.url + "/hooks"
    assert "No deliveries yet." in endpoint.inner_text()
    axe_check(page)
    refresh(page, env)
    assert secret not in page.content()  # shown once

    # a delivery, and the receiver's answer on the page
    receiver.responder = lambda r: (200, {"received": "thanks"})
    add_participant(env)
    assert live.registry.outbox.drain().delivered == 1
    first = receiver.requests[0]
    assert first.path == "/hooks"
    assert verify_standard_webhook(secret, first.headers, first.body)
    refresh(page, env)
    row = row_of(page, first.headers["webhook-id"])
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == EVENT and cells[2] == "delivered" and cells[3] == "1"
    assert cells[4].startswith("HTTP 200") and '"received": "thanks"' in cells[4]
    axe_check(page)

    # the receiver goes down: retried, then failed with the last answer shown
    receiver.responder = lambda r: (500, {"error": "down for maintenance"})
    add_participant(env)
    assert live.registry.outbox.drain().retried == 1
    failing_id = receiver.requests[-1].headers["webhook-id"]
    refresh(page, env)
    row = row_of(page, failing_id)
    assert "retrying" in row.inner_text() and "HTTP 500" in row.inner_text()
    expect(row.get_by_role("button", name="Redeliver")).to_have_count(0)  # still being attempted
    make_due(live.app)
    assert live.registry.outbox.drain().failed == 1
    refresh(page, env)
    row = row_of(page, failing_id)
    cells = row.locator("td").all_inner_texts()
    assert cells[2] == "failed" and cells[3] == "2"
    assert "HTTP 500" in cells[4] and "down for maintenance" in cells[4]
    axe_check(page)

    # the receiver is back: redeliver sends the same event once more, with the same id
    receiver.responder = lambda r: (204, b"")
    row.get_by_role("button", name="Redeliver").click()
    expect(page.locator(".flash")).to_contain_text("The event will be sent again.")
    assert "pending" in row_of(page, failing_id).inner_text()
    assert live.registry.outbox.drain().delivered == 1
    make_due(live.app)
    assert live.registry.outbox.drain().delivered == 0  # nothing doubled
    refresh(page, env)
    cells = row_of(page, failing_id).locator("td").all_inner_texts()
    assert cells[2] == "delivered" and cells[3] == "3" and cells[4].startswith("HTTP 204")
    sent = [r for r in receiver.requests if r.headers["webhook-id"] == failing_id]
    assert len(sent) == 3  # two failed attempts and the redelivery
    assert len({r.body for r in sent}) == 1
    assert verify_standard_webhook(secret, sent[-1].headers, sent[-1].body)
    expect(page.locator("tbody tr")).to_have_count(2)  # two events, two deliveries

    # rotate with a day's overlap: the new secret is shown once, both sign meanwhile
    endpoint = page.locator("section.wh-endpoint")
    endpoint.get_by_label("The old secret keeps working for").select_option(label="1 day")
    endpoint.get_by_role("button", name="Rotate signing secret").click()
    status = page.get_by_role("status")
    assert f"New signing secret for {receiver.url}/hooks." in status.inner_text()
    new_secret = status.locator("code").inner_text()
    assert new_secret.startswith("whsec_") and new_secret != secret
    assert "Rotation in progress" in page.locator(".wh-overlap").inner_text()
    axe_check(page)
    refresh(page, env)
    assert new_secret not in page.content()
    assert "Rotation in progress" in page.locator(".wh-overlap").inner_text()
    receiver.responder = lambda r: (200, {})
    add_participant(env)
    assert live.registry.outbox.drain().delivered == 1
    overlap = receiver.requests[-1]
    assert len(signatures(overlap.headers)) == 2
    assert verify_standard_webhook(secret, overlap.headers, overlap.body)
    assert verify_standard_webhook(new_secret, overlap.headers, overlap.body)

    # stop signing with the old secret now
    page.get_by_role("button", name="Stop signing with the old secret now").click()
    expect(page.locator(".flash")).to_contain_text("Only the new secret signs from now on.")
    expect(page.locator(".wh-overlap")).to_have_count(0)
    axe_check(page)
    add_participant(env)
    assert live.registry.outbox.drain().delivered == 1
    last = receiver.requests[-1]
    assert len(signatures(last.headers)) == 1
    assert verify_standard_webhook(new_secret, last.headers, last.body)
    assert not verify_standard_webhook(secret, last.headers, last.body)
    assert len(receiver.requests) == 6  # 1 + 3 + 1 + 1: nothing lost, nothing doubled


def wider_than(page: Any, width: int) -> list[str]:
    """The elements that stick out past ``width`` (what to fix when a page is too wide)."""
    return page.evaluate("""width => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > width)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)
             + ': ' + (e.textContent || '').trim().slice(0, 60))""", width)


def test_on_a_phone(phone_page, agency, receiver, axe_check):
    """The page fits a phone: registering, the secret and a failed delivery with its answer."""
    env, live, page = agency, agency.live, phone_page
    open_webhooks(page, env)
    # a real endpoint address is often longer than a phone is wide, with nowhere to break
    secret = register_endpoint(page, receiver.url + "/hooks/early-care-registry/participant-events")
    assert page.get_by_role("status").locator("code").is_visible()
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wider_than(page, width)
    axe_check(page)
    receiver.responder = lambda r: (503, {"error": "try later"})
    add_participant(env)
    live.registry.outbox.drain()
    make_due(live.app)
    assert live.registry.outbox.drain().failed == 1
    assert verify_standard_webhook(secret, receiver.requests[0].headers, receiver.requests[0].body)
    refresh(page, env)
    row = row_of(page, receiver.requests[0].headers["webhook-id"])
    assert "try later" in row.inner_text()
    redeliver = row.get_by_role("button", name="Redeliver")
    redeliver.scroll_into_view_if_needed()
    assert redeliver.is_visible()
    # nothing wider than the screen: the table scrolls inside its own region
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    region = page.get_by_role("region", name="Recent deliveries")
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # scrolls, and by keyboard
    assert region.get_attribute("tabindex") == "0"
    axe_check(page)
    # deleting asks first: the warning and the button sit behind a disclosure
    delete = page.get_by_role("button", name="Delete endpoint")
    assert not delete.is_visible()
    page.locator("summary", has_text="Delete endpoint").click()
    expect(page.get_by_text("Pending deliveries are cancelled")).to_be_visible()
    axe_check(page)
    delete.click()
    expect(page.get_by_role("button", name="Delete endpoint")).to_have_count(0)
