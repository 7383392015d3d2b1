"""Helpers shared by the kernel's browser tests (a unique module name, unlike conftest)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

PASSWORD = "violet tractor umbrella"


def expect_heading(page: Any, text: str) -> None:
    """The page's heading says ``text``; then wait until the page has loaded, stylesheets
    included, so that size and layout checks after it measure the styled page (a click that
    submits a form returns before the next page's stylesheet has arrived)."""
    expect(page.locator("h1").first).to_contain_text(text)
    page.wait_for_load_state("load")


def fill_profile(page: Any, **values: str) -> None:
    """Fill the Create a Profile form (Rosa Chan unless ``values`` say otherwise)."""
    page.get_by_label("First name").fill(values.get("first", "Rosa"))
    page.get_by_label("Last name").fill(values.get("last", "Chan"))
    page.get_by_label("Birth date").fill(values.get("birth", "1988-03-14"))
    page.get_by_label("Language you prefer").select_option("zh-Hant")
    page.get_by_label("Email (this is your username)").fill(values.get("email", "rosa@example.org"))
    page.locator("#password").fill(values.get("password", PASSWORD))
    page.locator("#password_confirm").fill(values.get("confirm", values.get("password", PASSWORD)))
    page.get_by_label("Phone (optional)").fill("415-555-0188")
    page.get_by_label("County where you live").select_option("San Francisco")


def sign_in(page: Any, live: Any, email: str, password: str = PASSWORD) -> None:
    live.sign_in(page, email, password)


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
