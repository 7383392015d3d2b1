"""The language switch in a real browser: Spanish and Traditional Chinese pages, messages and
sign-in; no axe-core violations on any page."""

import pytest
from kernel_browser import PASSWORD, expect_heading
from playwright.sync_api import expect

from registry_kernel.testing import Factory

pytestmark = pytest.mark.browser


def test_switch_to_spanish_and_to_chinese(page, live_registry, axe_check):
    live = live_registry
    page.goto(live.url + "/")
    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect_heading(page, "Su carrera en educación y cuidado infantil")
    axe_check(page)
    page.get_by_role("link", name="Crear un perfil").click()
    expect_heading(page, "Crear un perfil")
    page.get_by_role("button", name="Crear mi perfil").click()
    expect(page.locator("#first_name-error")).to_contain_text("Escriba su nombre.")
    axe_check(page)

    page.get_by_role("link", name="繁體中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
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
