"""Sign-in with two-factor (TOTP codes computed with pyotp) and password reset by a single-use
mailed link, in a real browser; no axe-core violations on any page."""

import pyotp
import pytest
from kernel_browser import PASSWORD, expect_heading, sign_in, sign_out
from playwright.sync_api import expect

from registry_kernel.testing import Factory

pytestmark = pytest.mark.browser


def test_two_factor_enrolment_and_sign_in(page, live_registry, axe_check):
    live = live_registry
    Factory(live.app).account(email="lee@example.org", password=PASSWORD, first_name="Lee")
    sign_in(page, live, "lee@example.org")
    expect_heading(page, "Hello, Lee")
    page.get_by_role("link", name="Two-factor sign-in").click()
    axe_check(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert page.locator("#totp-uri").get_attribute("href").startswith("otpauth://totp/")
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".flash")).to_contain_text("Two-factor sign-in is on")
    sign_out(page)

    sign_in(page, live, "lee@example.org")
    expect_heading(page, "Two-factor sign-in")
    axe_check(page)
    page.get_by_label("6-digit code").fill("000000" if pyotp.TOTP(secret).now() != "000000"
                                            else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#code-error")).to_be_visible()
    axe_check(page)
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect_heading(page, "Hello, Lee")


def test_reset_a_forgotten_password(page, live_registry, axe_check):
    live = live_registry
    Factory(live.app).account(email="mei@example.org", password=PASSWORD, first_name="Mei")
    page.goto(live.url + "/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect_heading(page, "Forgot your password?")
    axe_check(page)
    page.get_by_label("Email").fill("mei@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect_heading(page, "Check your email")
    axe_check(page)

    link = live.last_link("reset", to="mei@example.org")
    page.goto(link)
    expect_heading(page, "Choose a new password")
    axe_check(page)
    new_password = "orchard lantern copper"
    page.locator("#password").fill(new_password)
    page.locator("#password_confirm").fill(new_password)
    page.get_by_role("button", name="Save the new password").click()
    expect_heading(page, "Sign in")
    assert "signed out everywhere" in page.locator(".flash").inner_text()

    page.goto(link)  # the link worked once
    expect_heading(page, "This link does not work")
    assert page.locator("#link-status").get_attribute("data-status") == "used"
    axe_check(page)

    sign_in(page, live, "mei@example.org", new_password)
    expect_heading(page, "Hello, Mei")
