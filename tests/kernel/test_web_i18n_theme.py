"""Languages (en, es, zh-Hant) chosen by ?lang=, session, account or Accept-Language; complete
catalogs; localized dates; and an agency theme (name, logo, colours) without code changes."""

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from registry_kernel.config import ConfigError

TRANSLATIONS = Path(__file__).resolve().parents[2] / "registry_kernel" / "translations"


def h1(response):
    return re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S).group(1)


def html_lang(response):
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.fixture
def app(make_app):
    return make_app(plugins=[])


def test_lang_parameter_switches_and_is_remembered(app):
    client = app.test_client()
    assert html_lang(client.get("/")) == "en"
    spanish = client.get("/?lang=es")
    assert html_lang(spanish) == "es" and "Su carrera" in h1(spanish)
    assert html_lang(client.get("/signup")) == "es"
    chinese = client.get("/signup?lang=zh-Hant")
    assert html_lang(chinese) == "zh-Hant" and h1(chinese) == "建立檔案"
    assert html_lang(client.get("/help")) == "zh-Hant"
    assert html_lang(client.get("/?lang=klingon")) == "zh-Hant"  # unknown: ignored


def test_accept_language_is_used_without_a_choice(app):
    assert html_lang(app.test_client().get("/", headers={"Accept-Language": "es-MX,es;q=0.9"})) == "es"
    assert html_lang(app.test_client().get("/", headers={"Accept-Language": "zh-TW"})) == "zh-Hant"
    assert html_lang(app.test_client().get("/", headers={"Accept-Language": "zh-HK,en;q=0.5"})) == "zh-Hant"
    assert html_lang(app.test_client().get("/", headers={"Accept-Language": "fr"})) == "en"


def test_every_page_has_the_language_switch(app):
    client = app.test_client()
    for path in ("/", "/signup", "/login", "/forgot", "/help", "/privacy"):
        html = client.get(path).get_data(as_text=True)
        assert 'class="language-switch"' in html, path
        assert f'href="{path}?lang=es"' in html and 'lang="zh-Hant"' in html, path


def test_form_messages_are_in_the_pages_language(app):
    client = app.test_client()
    html = client.get("/signup?lang=es").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/signup", data={"csrf_token": token, "first_name": "Ana",
                                            "password": "short"})
    text = response.get_data(as_text=True)
    assert "Escriba su apellido." in text and "Use por lo menos 10 caracteres." in text
    assert 'value="Ana"' in text


@pytest.mark.parametrize("locale", ["es", "zh_Hant"])
def test_catalogs_are_complete_and_compiled(locale):
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        po = read_po(handle, locale=locale)
    untranslated = [m.id for m in po if m.id and not m.string]
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    assert not untranslated and not fuzzy
    with (folder / "messages.mo").open("rb") as handle:
        mo = read_mo(handle)
    compiled = {m.id: m.string for m in mo if m.id}
    assert compiled == {m.id: m.string for m in po if m.id}, "run pybabel compile"
    for message in po:
        if message.id and "%(" in str(message.id):
            assert set(re.findall(r"%\((\w+)\)s", message.id)) == set(
                re.findall(r"%\((\w+)\)s", message.string)), message.id


def test_dates_are_localized(app):
    from flask_babel import format_date

    from registry_kernel.db import utcnow

    with app.test_request_context("/?lang=es"):
        app.preprocess_request()
        spanish = format_date(utcnow(), "long")
    with app.test_request_context("/?lang=zh-Hant"):
        app.preprocess_request()
        chinese = format_date(utcnow(), "long")
    assert " de " in spanish and "年" in chinese


def test_theme_folder_overrides_name_logo_colours_and_templates(make_app, tmp_path):
    theme = tmp_path / "theme"
    (theme / "static").mkdir(parents=True)
    (theme / "templates" / "kernel").mkdir(parents=True)
    (theme / "static" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (theme / "theme.toml").write_text('name = "Alameda ECE Registry"\nlogo = "logo.svg"\n'
                                      '[colors]\nprimary = "#123456"\n')
    (theme / "templates" / "kernel" / "help.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Call Alameda at 555-0100</h1>'
        '{% endblock %}')
    app = make_app(plugins=[], theme_path=theme)
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert "Alameda ECE Registry" in home and 'src="/theme/static/logo.svg"' in home
    assert "--primary: #123456;" in client.get("/theme.css").get_data(as_text=True)
    assert client.get("/theme/static/logo.svg").status_code == 200
    assert client.get("/theme/static/../theme.toml").status_code == 404
    assert h1(client.get("/help")) == "Call Alameda at 555-0100"


def test_theme_colours_are_validated(make_app):
    with pytest.raises(ConfigError, match="primary"):
        make_app(plugins=[], theme_colors={"primary": "red; background: url(x)"})


def test_security_headers_forbid_inline_code(app):
    response = app.test_client().get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.get_data(as_text=True)
    assert " style=" not in response.get_data(as_text=True)
