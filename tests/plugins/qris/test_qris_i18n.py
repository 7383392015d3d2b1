"""The QRIS pages in Spanish and Traditional Chinese: the plugin's catalogs are complete and
compiled, and what is missing for the next level (English in the API and the recorded score)
is shown in the page's language for every item the rules can produce."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qris_helpers import WebClient, course, ece_courses, permit, training
from registry_plugins.qris import rules as R

FOLDER = Path(R.__file__).parent / "translations"
STATEWIDE, _DATA = R.load_statewide()


@pytest.mark.parametrize("locale", ["es", "zh_Hant"])
def test_catalogs_are_complete_and_compiled(locale):
    template = {m.id for m in read_po((FOLDER / "messages.pot").open("rb")) if m.id}
    with (FOLDER / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        po = read_po(handle, locale=locale)
    done = {m.id for m in po if m.id and m.string and not m.fuzzy}
    assert template <= done, sorted(template - done)[:5]
    with (FOLDER / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == {m.id: m.string for m in po if m.id}, "run pybabel compile"
    for message in po:
        if message.id and "%(" in message.id:
            assert set(re.findall(r"%\((\w+)\)s", message.id)) == set(
                re.findall(r"%\((\w+)\)s", message.string)), message.id


def test_template_holds_every_message_of_the_plugin():
    from babel.messages.extract import extract_from_dir

    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found = {message for _f, _n, message, _c, _ctx in extract_from_dir(
        str(FOLDER.parent), method_map, keywords={"_": None, "_l": None, "gettext": None})}
    template = {m.id for m in read_po((FOLDER / "messages.pot").open("rb")) if m.id}
    assert found - template == set()


def test_site_and_county_pages_in_spanish_and_chinese(world):
    teacher = world.person(world.center)
    world.verify(teacher, courses=ece_courses(18), training=[training(5)])
    web = WebClient(world.app, world.county_admin)
    spanish = web.get(f"/qris/sites/{world.center.slug}?lang=es").get_data(as_text=True)
    assert "Falta para el siguiente nivel" in spanish
    assert "6.00 más: Unidades de ECE" in spanish  # "6.00 more ECE units"
    assert "Datos insuficientes" in spanish  # Element 7: no director
    assert "un director (Director de Programa, Supervisor de Sitio)" in spanish
    assert "Calificaciones mínimas del maestro principal" in spanish
    assert "Curso: " in spanish and "verificado" in spanish
    assert "Los niveles son acumulativos" in spanish
    chinese = web.get("/qris/county?lang=zh-Hant").get_data(as_text=True)
    assert "QRIS 已啟用。" in chinese and "上傳規則檔" in chinese
    assert "等級為累進制" in chinese
    listing = web.get("/qris/?lang=zh-Hant").get_data(as_text=True)
    assert "QRIS 要素分數" in listing and "資料不足" in listing
    english = web.get(f"/qris/sites/{world.center.slug}?lang=en").get_data(as_text=True)
    assert "6.00 more ECE units" in english


def test_permit_and_degree_items_are_translated(world):
    teacher = world.person(world.center)
    world.verify(teacher, permits=[permit("teacher")], training=[training(21)])
    director = world.person(world.center, "program_director")
    # Title 22 (12 ECE + 3 administration units + experience) and a Master Teacher Permit:
    # 2 points; level 3 needs a Site Supervisor Permit and 21 PD hours
    world.verify(director, permits=[permit("master_teacher")],
                 courses=[*ece_courses(12), course("ADM 1", 3, area="administration")])
    web = WebClient(world.app, world.program_admin)
    page = web.get(f"/qris/sites/{world.center.slug}?lang=es").get_data(as_text=True)
    assert "título AA/AS en ECE o un campo afín, o superior" in page
    assert "Permiso de Supervisor de Sitio o superior" in page
    assert "21.00 horas más de desarrollo profesional en el año de DP" in page


units = st.decimals(min_value=0, max_value=60, places=2)
facts = st.builds(
    R.Facts, ece_units=units, ge_units=units, admin_units=st.decimals(0, 12, places=2),
    supervision_units=st.decimals(0, 6, places=2),
    core_areas_met=st.frozensets(st.sampled_from(R.CORE_COURSES)),
    degrees=st.lists(st.tuples(st.sampled_from(list(R.DEGREE_RANK)), st.booleans()),
                     max_size=1).map(tuple),
    permits=st.lists(st.sampled_from(STATEWIDE.permit_order), max_size=1).map(tuple),
    credentials=st.lists(st.sampled_from(R.CREDENTIAL_KINDS), max_size=1).map(tuple),
    experience_months=st.decimals(0, 60, places=1), pd_hours=st.decimals(0, 30, places=2))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(person=facts, element=st.sampled_from([3, 7]), kind=st.sampled_from(["center", "fcc"]))
def test_every_missing_item_the_rules_produce_is_translated(make_app_once, person, element,
                                                            kind):
    from flask_babel import force_locale
    from registry_plugins.qris.views import missing_text

    if element == 7:
        kind = "center"
    items = []
    for level in STATEWIDE.elements[element].levels:
        items += R.level_missing(STATEWIDE, level, replace(person, pd_hours=Decimal(0)),
                                 kind)[1]
    with make_app_once.test_request_context(), force_locale("es"):
        for item in items:
            assert missing_text(item) != item, item


@pytest.fixture(scope="module")
def make_app_once():
    """A Flask app with Babel and the qris catalogs (no database needed for translating)."""
    from flask import Flask
    from flask_babel import Babel

    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(FOLDER)
    Babel(app)
    return app


def test_correction_form_message_in_the_pages_language(world):
    web = WebClient(world.app, world.program_admin)
    response = web.post(f"/qris/sites/{world.center.slug}/lead-teachers?lang=es",
                        data={"registry_id": "R000000000", "counts": "yes"})
    assert response.status_code == 422
    assert "no hay ningún empleado actual y confirmado con este ID del Registro" in \
        response.get_data(as_text=True)
