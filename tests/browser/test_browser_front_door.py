"""The front door in a real browser: create a profile, confirm the email from the mail, sign in
with and without two-factor, reset a password, Spanish and Chinese, a phone-sized screen, and no
axe-core accessibility violations on any of these pages."""

import re

import pyotp
import pytest

from registry_kernel.testing import Factory

pytestmark = pytest.mark.browser

PASSWORD = "violet tractor umbrella"


def expect_heading(page, text):
    heading = page.locator("h1").first.inner_text()
    assert text in heading, heading


def fill_profile(page, **values):
    page.get_by_label("First name").fill(values.get("first", "Rosa"))
    page.get_by_label("Last name").fill(values.get("last", "Chan"))
    page.get_by_label("Birth date").fill(values.get("birth", "1988-03-14"))
    page.get_by_label("Language you prefer").select_option("zh-Hant")
    page.get_by_label("Email (this is your username)").fill(values.get("email", "rosa@example.org"))
    page.locator("#password").fill(values.get("password", PASSWORD))
    page.locator("#password_confirm").fill(values.get("confirm", values.get("password", PASSWORD)))
    page.get_by_label("Phone (optional)").fill("415-555-0188")
    page.get_by_label("County where you live").select_option("San Francisco")


def sign_in(page, live, email, password=PASSWORD):
    page.goto(live.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


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
    assert page.locator("#password-error").is_visible()
    assert page.locator("#password_confirm-error").is_visible()
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
    assert "Two-factor sign-in is on" in page.locator(".flash").inner_text()
    sign_out(page)

    sign_in(page, live, "lee@example.org")
    expect_heading(page, "Two-factor sign-in")
    axe_check(page)
    page.get_by_label("6-digit code").fill("000000" if pyotp.TOTP(secret).now() != "000000"
                                            else "111111")
    page.get_by_role("button", name="Continue").click()
    assert page.locator("#code-error").is_visible()
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


def test_switch_to_spanish_and_to_chinese(page, live_registry, axe_check):
    live = live_registry
    page.goto(live.url + "/")
    page.get_by_role("link", name="Español").click()
    assert page.locator("html").get_attribute("lang") == "es"
    expect_heading(page, "Su carrera en educación y cuidado infantil")
    axe_check(page)
    page.get_by_role("link", name="Crear un perfil").click()
    expect_heading(page, "Crear un perfil")
    page.get_by_role("button", name="Crear mi perfil").click()
    assert "Escriba su nombre." in page.locator("#first_name-error").inner_text()
    axe_check(page)

    page.get_by_role("link", name="繁體中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-Hant"
    expect_heading(page, "建立檔案")
    axe_check(page)
    page.goto(live.url + "/")
    expect_heading(page, "您的幼兒教育及照顧事業")
    axe_check(page)

    Factory(live.app).account(email="wong@example.org", password=PASSWORD, first_name="Wong")
    page.get_by_label("電郵").fill("wong@example.org")
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect_heading(page, "Wong，您好")
    assert "您的登記編號" in page.locator("main").inner_text()
    axe_check(page)


def test_phone_sized_screen(phone_page, live_registry, axe_check):
    page, live = phone_page, live_registry

    def fits():
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
    assert squares.count() == 2
    box = squares.first.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    axe_check(page)
    page.get_by_role("link", name="Español").click()
    expect_heading(page, "Hola, Luz")
    assert fits()
    axe_check(page)
