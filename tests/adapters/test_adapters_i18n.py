"""The adapters' UI in Spanish and Traditional Chinese: catalogs complete, compiled and up to
date with the source, and the pages render in the chosen language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from registry_kernel.testing import Factory, sign_in_test_client

ADAPTERS = Path(__file__).parents[2] / "adapters"
WITH_UI = ("webhooks", "widget")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _texts(value: object) -> list[str]:
    return [value] if isinstance(value, str) else [v for v in value if v]


@pytest.mark.parametrize("adapter", WITH_UI)
@pytest.mark.parametrize("locale", ["es", "zh_Hant"])
def test_catalogs_are_complete_compiled_and_current(adapter, locale):
    folder = ADAPTERS / adapter / "translations"
    with (folder / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        po = read_po(handle, locale=locale)
    assert not [m.id for m in po if m.id and not all(_texts(m.string))], "untranslated"
    assert not [m.id for m in po if m.id and m.fuzzy], "fuzzy"
    with (folder / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        mo = read_mo(handle)
    def table(catalog):
        return {tuple(_texts(m.id)): tuple(_texts(m.string)) for m in catalog if m.id}

    assert table(mo) == table(po), "run pybabel compile (see adapters/babel.cfg)"
    for message in po:
        if message.id:
            wanted = set(PLACEHOLDER.findall(_texts(message.id)[0]))
            for text in _texts(message.string):
                assert set(PLACEHOLDER.findall(text)) <= wanted | {"num"}, message.id
                assert wanted - {"num"} <= set(PLACEHOLDER.findall(text)), message.id
    in_source = {message[2] if isinstance(message[2], str) else message[2][0]
                 for message in extract_from_dir(
                     str(ADAPTERS / adapter),
                     method_map=[("**/templates/**.html", "jinja2"), ("**.py", "python")],
                     keywords={"_": None, "gettext": None, "lazy_gettext": None,
                               "ngettext": (1, 2)})}
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in po if m.id}
    assert len(in_source) > 5
    assert in_source <= in_catalog, f"run pybabel extract/update: {in_source - in_catalog}"


def _signed_in(app, account):
    return sign_in_test_client(app.test_client(), account)


def test_webhooks_page_and_its_errors_in_spanish_and_chinese(make_app):
    app = make_app(plugins=["webhooks"])
    factory = Factory(app)
    admin = factory.account(role="program_admin", org=factory.org(name="Valle R&R"))
    client = _signed_in(app, admin)
    html = client.get("/webhooks/?lang=es").get_data(as_text=True)
    assert "Agregar un punto de conexión" in html and "Todavía no hay puntos de conexión." in html
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    bad = client.post("/webhooks/", data={"csrf_token": token, "url": "ftp://x",
                                          "events": ["participant.created"]})
    assert "debe ser https" in bad.get_data(as_text=True)
    html = client.get("/webhooks/?lang=zh-Hant").get_data(as_text=True)
    assert "新增端點" in html and "尚無端點。" in html


def test_widget_page_in_spanish(make_app):
    app = make_app(plugins=["training", "widget"])
    html = app.test_client().get("/widget/?lang=es&sponsor=valle").get_data(as_text=True)
    assert "Muestre sus capacitaciones en su propio sitio web" in html
    assert "Vista previa" in html


def test_widget_sites_page_in_chinese(make_app):
    app = make_app(plugins=["training", "widget"])
    factory = Factory(app)
    manager = factory.account(role="sponsor_manager", org=factory.org(
        kind="training_sponsor", name="Valle R&R"))
    html = _signed_in(app, manager).get("/widget/sites?lang=zh-Hant").get_data(as_text=True)
    assert "登記網頁" in html and "尚未登記任何網頁。" in html
