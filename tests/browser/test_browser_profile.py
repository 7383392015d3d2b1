"""Create a Profile in a real browser: typed values kept and messages beside fields, confirm
the email from the captured mail, sign in, My privacy, and a phone-sized screen; no axe-core
violations on any page."""

import re

import pytest
from kernel_browser import PASSWORD, expect_heading, fill_profile, sign_in, sign_out
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_create_profile_confirm_email_and_sign_in(page, live_registry, axe_check):
    live = live_registry
    page.goto(live.url + "/")
    expect_heading(page, "Your early care and education career")
    axe_check(page)
    page.get_by_role("link", name="Create a Profile").click()
    expect_heading(page, "Create a Profile")
    axe_check(page)

    # A weak password and a mismatch: messages beside the fields, what was typed is kept.
    fill_profile(page, password="password123", confirm="something else")
    page.get_by_role("button", name="Create my profile").click()
    expect(page.locator("#password-error")).to_be_visible()
    expect(page.locator("#password_confirm-error")).to_be_visible()
    assert page.get_by_label("First name").input_value() == "Rosa"
    assert page.get_by_label("County where you live").input_value() == "San Francisco"
    axe_check(page)

    page.locator("#password").fill(PASSWORD)
    assert "Strength" in page.locator("#password-strength").inner_text()
    page.locator("#password_confirm").fill(PASSWORD)
    page.get_by_role("button", name="Create my profile").click()
    expect_heading(page, "Hello, Rosa")
    registry_id = page.locator(".registry-id-value").inner_text()
    assert re.fullmatch(r"\d{4}-\d{4}-\d{2}", registry_id)
    assert page.get_by_role("link", name="My privacy").first.is_visible()
    assert "Your permit expires in 30 days" in page.locator(".attention").inner_text()
    assert "confirm your email" in page.locator(".attention").inner_text()
    axe_check(page)

    page.goto(live.last_link("verify", to="rosa@example.org"))
    assert "your email address is confirmed" in page.locator(".flash").inner_text()
    assert "confirm your email" not in page.locator("main").inner_text()

    sign_out(page)
    sign_in(page, live, "rosa@example.org", "wrong password here")
    assert "not right" in page.locator(".error-summary").inner_text()
    axe_check(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect_heading(page, "Hello, Rosa")
    page.get_by_role("link", name="My privacy").first.click()
    expect_heading(page, "My privacy")
    axe_check(page)


def test_phone_sized_screen(phone_page, live_registry, axe_check):
    page, live = phone_page, live_registry

    def fits():
        page.wait_for_load_state("load")  # measured with the stylesheet applied
        return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.goto(live.url + "/")
    assert fits()
    axe_check(page)
    page.get_by_role("link", name="Create a Profile").click()
    fill_profile(page, first="Luz", last="Ortega", email="luz@example.org")
    page.get_by_role("button", name="Create my profile").click()
    expect_heading(page, "Hello, Luz")
    assert fits()
    squares = page.locator(".quick-link")
    expect(squares).to_have_count(2)
    box = squares.first.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    axe_check(page)
    page.get_by_role("link", name="Español").click()
    expect_heading(page, "Hola, Luz")
    assert fits()
    axe_check(page)
