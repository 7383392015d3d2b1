"""County rule sets (uploaded, configured, in code), the county administrator's page, the
program administrator's site page, Excel exports, and the schema."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from qris_helpers import WebClient, ece_courses, ge_courses, make_world, permit, training

from registry_kernel.config import ConfigError
from registry_kernel.hookspecs import hookimpl
from registry_kernel.testing import bearer

AVERAGE = """[rule_set]
county = "Alameda"
version = "alameda-2026.2"
extends = "statewide"

[elements.3]
aggregate = "average"
"""

BAD = """[rule_set]
county = "Alameda"
version = "alameda-bad"
extends = "statewide"

[[elements.3.levels]]
points = 3
label = "Three"

  [[elements.3.levels.options]]
  id = "permit"
  permit = "grand_master_teacher"
"""


def two_teachers(world):
    """Lead teachers at 5 and 2 points: minimum 2, average 3 (3.5 rounded down)."""
    first, second = world.person(world.center), world.person(world.center)
    world.verify(first, permits=[permit("program_director")], training=[training(21)])
    world.verify(second, permits=[permit("associate_teacher")])
    return first, second


def upload(web, county, text, name="alameda.toml"):
    return web.post(f"/qris/county/{county}/rules",
                    data={"file": (io.BytesIO(text.encode()), name)},
                    content_type="multipart/form-data")


def test_county_admin_switches_qris_on_and_off(make_app):
    world = make_world(make_app, active=False)
    web = WebClient(world.app, world.county_admin)
    page = web.get("/qris/county")
    assert page.status_code == 200
    assert "QRIS is off." in page.get_data(as_text=True)
    token = world.token(world.staff)
    assert world.scores(world.center, token).status_code == 404
    response = web.post("/qris/county/Alameda/activation", data={"active": "on"})
    assert response.status_code == 302
    assert "QRIS is on." in web.get("/qris/county").get_data(as_text=True)
    assert world.scores(world.center, token).status_code == 200
    assert web.post("/qris/county/Alameda/activation", data={}).status_code == 302
    assert world.scores(world.center, token).status_code == 404
    # no CSRF token: refused; another county: not found; a program admin: forbidden
    assert web.post("/qris/county/Alameda/activation", data={"active": "on"},
                    csrf=False).status_code == 400
    assert web.post("/qris/county/Fresno/activation", data={"active": "on"}).status_code == 404
    admin = WebClient(world.app, world.program_admin)
    assert admin.get("/qris/county").status_code == 403
    assert admin.post("/qris/county/Alameda/activation",
                      data={"active": "on"}).status_code == 403


def test_uploaded_county_file_overrides_and_is_recorded(world):
    two_teachers(world)
    assert world.element(world.center, 3)["points"] == 2
    web = WebClient(world.app, world.county_admin)
    response = upload(web, "Alameda", AVERAGE)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = web.get("/qris/county").get_data(as_text=True)
    assert "alameda-2026.2" in page and "alameda.toml" in page
    element = world.element(world.center, 3)
    assert element["points"] == 3
    assert element["aggregate"] == "average"
    assert element["rule_set"] == {"county": "Alameda", "version": "alameda-2026.2",
                                   "levels": "cumulative"}
    # the FCC home is not touched by the Element 3 aggregate change, but uses the county set
    assert world.element(world.fcc, 3)["rule_set"]["version"] == "alameda-2026.2"
    assert web.post("/qris/county/Alameda/rules/remove").status_code == 302
    assert world.element(world.center, 3)["rule_set"]["county"] == "statewide"


def test_bad_uploaded_file_is_refused_with_line_and_reason(world):
    web = WebClient(world.app, world.county_admin)
    response = upload(web, "Alameda", BAD, name="alameda-bad.toml")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "alameda-bad.toml:12: unknown permit level" in text
    assert world.element(world.center, 3)["rule_set"]["county"] == "statewide"
    wrong_county = upload(web, "Alameda", AVERAGE.replace('"Alameda"', '"Fresno"'))
    assert wrong_county.status_code == 422
    assert "must be &#39;Alameda&#39;" in wrong_county.get_data(as_text=True)


def test_bad_configured_county_file_stops_start_up(make_app, tmp_path):
    path = tmp_path / "alameda.toml"
    path.write_text(BAD)
    with pytest.raises(ConfigError) as caught:
        make_app(plugins=["profile", "documents", "qris"],
                 plugin_sections={"qris": {"county_rule_files": {"Alameda": str(path)}}})
    assert f"{path}:12: unknown permit level 'grand_master_teacher'" in str(caught.value)
    with pytest.raises(ConfigError, match="not a California county"):
        make_app(plugins=["profile", "documents", "qris"],
                 plugin_sections={"qris": {"county_rule_files": {"Atlantis": str(path)}}})
    with pytest.raises(ConfigError, match="qris"):
        make_app(plugins=["profile", "documents", "qris"],
                 plugin_sections={"qris": {"county_files": {}}})


def test_configured_county_file_applies(make_app, tmp_path):
    path = tmp_path / "alameda.toml"
    path.write_text(AVERAGE)
    world = make_world(make_app, plugin_sections={"qris": {"county_rule_files":
                                                           {"alameda county": str(path)}}})
    two_teachers(world)
    element = world.element(world.center, 3)
    assert (element["points"], element["rule_set"]["version"]) == (3, "alameda-2026.2")


class CodeRules:
    """A county's rules supplied in code through the qris_rule_set hook."""

    @hookimpl
    def qris_rule_set(self, county, registry):
        if county != "Alameda":
            return None
        return {"rule_set": {"county": "Alameda", "version": "code-1", "extends": "statewide",
                             "levels": "highest"},
                "elements": {"3": {"aggregate": "maximum"}}}


def test_rules_in_code_through_the_hook(make_app):
    world = make_world(make_app, extra_plugins=(CodeRules(),))
    two_teachers(world)
    element = world.element(world.center, 3)
    assert (element["points"], element["rule_set"]) == (5, {"county": "Alameda",
                                                            "version": "code-1",
                                                            "levels": "highest"})


def test_program_admin_site_page_and_correction_form(world):
    teacher = world.person(world.center, "teacher")
    world.verify(teacher, courses=ece_courses(24) + ge_courses(16), training=[training(21)])
    web = WebClient(world.app, world.program_admin)
    page = web.get(f"/qris/sites/{world.center.slug}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Not enough data" in text and teacher.participant.registry_id in text
    rid = teacher.participant.registry_id
    assert web.post(f"/qris/sites/{world.center.slug}/lead-teachers",
                    data={"registry_id": rid, "counts": "yes"}, csrf=False).status_code == 400
    bad = web.post(f"/qris/sites/{world.center.slug}/lead-teachers",
                   data={"registry_id": "R000000000", "counts": "yes", "classroom": "Room 9"})
    assert bad.status_code == 422
    assert "no confirmed, current employee" in bad.get_data(as_text=True)
    assert 'value="Room 9"' in bad.get_data(as_text=True)
    ok = web.post(f"/qris/sites/{world.center.slug}/lead-teachers",
                  data={"registry_id": rid, "counts": "yes", "classroom": "Room 1"})
    assert ok.status_code == 302
    text = web.get(f"/qris/sites/{world.center.slug}").get_data(as_text=True)
    assert "3 points" in text and "Room 1" in text
    assert world.element(world.center, 3)["points"] == 3
    # the sites list with a filter, and another program's admin cannot see the page
    listing = web.get("/qris/?element=3&points=3").get_data(as_text=True)
    assert world.center.name in listing
    assert world.center.name not in web.get("/qris/?element=3&points=5").get_data(as_text=True)
    other = world.factory.org(kind="employer_center", county="Alameda")
    other_admin = WebClient(world.app, world.factory.account("program_admin", org=other))
    assert other_admin.get(f"/qris/sites/{world.center.slug}").status_code == 404


def test_county_admin_sees_county_sites_and_records_validation_date(world):
    web = WebClient(world.app, world.county_admin)
    listing = web.get("/qris/").get_data(as_text=True)
    assert world.center.name in listing and world.fcc.name in listing
    page = web.get(f"/qris/sites/{world.center.slug}").get_data(as_text=True)
    assert "Who counts as a lead teacher" not in page  # only the program administrator
    response = web.post(f"/qris/sites/{world.center.slug}/validation-dates",
                        data={"validated_on": "2026-01-15"})
    assert response.status_code == 302
    assert "2026-01-15" in web.get(f"/qris/sites/{world.center.slug}").get_data(as_text=True)
    participant = WebClient(world.app, world.factory.account("participant"))
    assert participant.get("/qris/").status_code == 403


def rows_of(response) -> list[tuple]:
    data = response.data
    response.close()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = [tuple(row) for row in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    return rows


def test_excel_exports_for_the_county(world):
    teacher = world.person(world.center)
    world.verify(teacher, permits=[permit("teacher")], training=[training(21)])
    token = world.token(world.county_admin, "reports:read qris:read")
    response = world.client().get("/api/v1/reports/qris-sites.xlsx", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = rows_of(response)
    assert rows[0][:3] == ("site_slug", "site_name", "license_number")
    by_slug = {row[0]: row for row in rows[1:]}
    assert by_slug[world.center.slug][7:9] == (3, "scored")
    assert by_slug[world.fcc.slug][7:11] == (None, "not_enough_data", None, "not_scored")
    people = world.client().get("/api/v1/reports/qris-participants.xlsx",
                                headers=bearer(token))
    assert people.status_code == 200
    rows = rows_of(people)
    assert (world.center.slug, teacher.participant.registry_id, 3) in {
        (r[0], r[5], r[7]) for r in rows[1:] if r[3] == 3}
    web = WebClient(world.app, world.county_admin)
    download = web.get("/qris/export/qris-sites.xlsx")
    assert download.status_code == 200 and len(rows_of(download)) == 3
    assert world.client().get("/api/v1/reports/qris-sites.xlsx", headers=bearer(
        world.token(world.county_admin, "reports:read"))).status_code == 404


def test_models_and_migrations_agree(world):
    import registry_plugins.qris.models  # noqa: F401
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from registry_kernel.db import Base

    def qris_only(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return table is None or table.name.startswith("qris_")

    connection = world.app.extensions["registry_test_connection"]
    context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                           "include_object": qris_only})
    assert compare_metadata(context, Base.metadata) == []


def test_openapi_lists_the_qris_paths(world):
    document = world.client().get("/api/v1/openapi.json").get_json()
    assert "/api/v1/qris/sites/{org_slug}" in document["paths"]
    assert "/api/v1/qris/sites" in document["paths"]


def test_demo_switches_qris_on_for_the_demo_county(make_app):
    from registry_kernel.counties import is_active
    from registry_kernel.db import unit_of_work
    from registry_kernel.demo import load_demo

    app = make_app()
    registry = app.extensions["registry"]
    logins = load_demo(registry)
    assert "county_admin" in logins["accounts"]
    with unit_of_work(registry.sessions, write=False) as session:
        assert is_active(session, registry, "qris", "Alameda")


def test_erasing_a_participant_removes_their_corrections(world):
    from registry_plugins.qris.models import LeadTeacherCorrection
    from sqlalchemy import func, select

    from registry_kernel.db import unit_of_work

    teacher = world.person(world.center, "teacher")
    token = world.token(world.program_admin, "qris:read qris:write", org=world.center)
    rid = teacher.participant.registry_id
    assert world.client().put(f"/api/v1/qris/sites/{world.center.slug}/lead-teachers/{rid}",
                              json={"counts": True}, headers=bearer(token)).status_code == 200
    from registry_kernel.models import Participant
    from registry_kernel.participants import erase_participant

    with unit_of_work(world.registry.sessions) as session:
        erase_participant(session, world.registry,
                          session.get(Participant, teacher.participant.id), actor=None,
                          reason="test")
    with unit_of_work(world.registry.sessions, write=False) as session:
        assert session.scalar(select(func.count()).select_from(LeadTeacherCorrection)) == 0
