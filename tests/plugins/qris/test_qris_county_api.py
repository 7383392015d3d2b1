"""A county administrator through the API: switches QRIS on and off, uploads or replaces the
county's rule file (checked exactly like a file configured at start-up: a bad one is a 422
problem+json with the line and reason, and nothing changes), removes it; every change is in the
audit log and every recorded score names the rule set and version that produced it."""

from __future__ import annotations

import io

import pytest
from qris_helpers import ece_courses, ge_courses, make_world, permit, training
from sqlalchemy import select

from registry_kernel import clock
from registry_kernel.config import ConfigError
from registry_kernel.db import unit_of_work
from registry_kernel.testing import bearer

AVERAGE = """[rule_set]
county = "Alameda"
version = "alameda-2026.2"
extends = "statewide"

[elements.3]
aggregate = "average"
"""

LEVEL = """[rule_set]
county = "Alameda"
version = "alameda-bad"
extends = "statewide"

[[elements.3.levels]]
points = {points}
label = "Level"
{extra}
  [[elements.3.levels.options]]
  id = "opt"
  {condition}
"""

# (file text, line, reason): the rule file mistakes the issue names, and more
BAD_FILES = [
    (LEVEL.format(points=3, extra="", condition='permit = "grand_master_teacher"'), 12,
     "unknown permit level 'grand_master_teacher'"),
    (LEVEL.format(points=3, extra='colour = "red"\n', condition="ece_units = 30"), 9,
     "unknown field 'colour'"),
    (LEVEL.format(points=3, extra="", condition="ece_units = 30\n  units_ece = 4"), 13,
     "unknown field 'units_ece'"),
    (LEVEL.format(points=3, extra="", condition="ece_units = 30") + "\n"
     + LEVEL.format(points=3, extra="", condition="ece_units = 40").split("\n", 5)[5], 15,
     "overlapping levels"),
    (AVERAGE.replace("[elements.3]", '[elements.4]\ntitle = "Four"\nroles = { center = '
                     '["teacher"], fcc = ["fcc_owner"] }').replace('aggregate = "average"', "")
     + LEVEL.format(points=2, extra="", condition="ece_units = 3").split("\n", 5)[5]
     .replace("elements.3", "elements.4"), 11,
     "unreachable level: element 4 level 2 has no level 1 below it"),
    ('[rule_set]\ncounty = "Alameda"\nversion = "x"\nextends = "statewide"\n'
     "[elements.3]\nhue = 1\n", 6, "unknown field 'hue'"),
    ("[rule_set\ncounty = 1", 1, "not valid TOML"),
    ('[rule_set]\ncounty = "Alameda"\nversion = "x"\nextends = "statewide"\n'
     'levels = "best"\n', 5, "unknown levels mode 'best' (known: cumulative, highest)"),
]


def put_rules(world, text, *, token=None, name="alameda.toml", county="Alameda"):
    token = token or world.token(world.county_admin, "qris:admin qris:read")
    return world.client().put(f"/api/v1/qris/counties/{county}/rules", headers=bearer(token),
                              data={"file": (io.BytesIO(text.encode()), name)},
                              content_type="multipart/form-data")


def two_teachers(world):
    """Lead teachers at 5 and 2 points: minimum 2, average 3 (3.5 rounded down)."""
    for level in ("program_director", "associate_teacher"):
        teacher = world.person(world.center)
        world.verify(teacher, permits=[permit(level)], training=[training(21)])


def audit_actions(world, action):
    from registry_kernel.models import AuditEvent

    with unit_of_work(world.registry.sessions, write=False) as session:
        return [(e.actor_account_id, e.resource_id, e.reason) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_upload_replace_and_remove_through_the_api(world):
    two_teachers(world)
    assert world.element(world.center, 3)["points"] == 2
    token = world.token(world.county_admin, "qris:admin qris:read")
    before = world.client().get("/api/v1/qris/counties/Alameda/rules", headers=bearer(token))
    assert before.status_code == 200, before.get_json()
    assert before.get_json()["source"] == "statewide"
    assert before.get_json()["rule_set"]["version"] == "2026.2"
    assert before.get_json()["active"] is True and before.get_json()["uploaded"] is None

    response = put_rules(world, AVERAGE)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["source"] == "uploaded"
    assert body["rule_set"] == {"county": "Alameda", "version": "alameda-2026.2",
                                "name": "Alameda", "levels": "cumulative"}
    assert body["uploaded"]["filename"] == "alameda.toml"
    assert body["uploaded"]["text"] == AVERAGE
    element = world.element(world.center, 3)
    assert (element["points"], element["rule_set"]) == (3, {"county": "Alameda",
                                                            "version": "alameda-2026.2",
                                                            "levels": "cumulative"})
    assert audit_actions(world, "qris.rules_upload") == [
        (world.county_admin.id, "Alameda", "version alameda-2026.2")]

    # the same file again changes nothing; a changed file must carry a new version
    assert put_rules(world, AVERAGE).status_code == 200
    changed = AVERAGE.replace('"average"', '"maximum"')
    conflict = put_rules(world, changed)
    assert conflict.status_code == 409
    assert conflict.mimetype == "application/problem+json"
    assert "new version" in conflict.get_json()["detail"]
    assert world.element(world.center, 3)["aggregate"] == "average"
    replaced = put_rules(world, changed.replace("alameda-2026.2", "alameda-2026.3"),
                         name="alameda-3.toml")
    assert replaced.status_code == 200
    element = world.element(world.center, 3)
    assert (element["points"], element["rule_set"]["version"]) == (5, "alameda-2026.3")

    # the county's spelling in the path does not matter
    assert world.client().get("/api/v1/qris/counties/alameda%20county/rules",
                              headers=bearer(token)).get_json()["uploaded"]["version"] == \
        "alameda-2026.3"
    removed = world.client().delete("/api/v1/qris/counties/Alameda/rules",
                                    headers=bearer(token))
    assert removed.status_code == 204
    assert world.element(world.center, 3)["rule_set"]["county"] == "statewide"
    again = world.client().delete("/api/v1/qris/counties/Alameda/rules", headers=bearer(token))
    assert again.status_code == 404
    assert [r[2] for r in audit_actions(world, "qris.rules_remove")] == [
        "version alameda-2026.3"]


HIGHEST = """[rule_set]
county = "Alameda"
version = "alameda-highest-1"
extends = "statewide"
levels = "highest"
"""


def test_levels_are_cumulative_unless_the_county_file_says_highest(world):
    """The issue's example through the API: a lead teacher hired this month with 24 ECE units
    (none of them the core courses), 16 GE units and 21 PD hours does not meet Title 22, so
    the site has not enough data under the statewide (cumulative) rules; a county file with
    ``levels = "highest"`` scores 3, and every score records which way it was computed."""
    from registry_plugins.qris.models import Score

    teacher = world.person(world.center, start=clock.today().isoformat())
    world.verify(teacher, courses=ece_courses(24, core=False) + ge_courses(16),
                 training=[training(21)])
    element = world.element(world.center, 3)
    assert (element["points"], element["status"]) == (None, "not_enough_data")
    assert element["rule_set"]["levels"] == "cumulative"
    person = element["evidence"][0]
    assert (person["points"], person["next_points"]) == (None, 1)
    assert element["missing"] == [{"registry_id": teacher.participant.registry_id,
                                   "for_points": 1, "items": person["missing"]}]
    assert person["missing"] == ["CDA credential"]  # the closest Title 22 option

    token = world.token(world.county_admin, "qris:admin qris:read")
    assert put_rules(world, HIGHEST).status_code == 200
    info = world.client().get("/api/v1/qris/counties/Alameda/rules", headers=bearer(token))
    assert info.get_json()["rule_set"]["levels"] == "highest"
    element = world.element(world.center, 3)
    assert (element["points"], element["rule_set"]) == (3, {
        "county": "Alameda", "version": "alameda-highest-1", "levels": "highest"})
    assert element["rule"]["decided_by"][0]["option"] == "ece24_ge16"
    assert element["missing"][0]["for_points"] == 4

    with unit_of_work(world.registry.sessions, write=False) as session:
        rows = list(session.scalars(select(Score).where(
            Score.organization_id == world.center.id, Score.element == 3)
            .order_by(Score.id)))
    assert [(r.rule_set_version, r.detail["levels"], r.points) for r in rows][-2:] == [
        ("2026.2", "cumulative", None), ("alameda-highest-1", "highest", 3)]

    # removing the file brings back the statewide, cumulative rules
    assert world.client().delete("/api/v1/qris/counties/Alameda/rules",
                                 headers=bearer(token)).status_code == 204
    assert world.element(world.center, 3)["points"] is None


def test_every_score_records_the_rule_set_and_version_applied(world):
    from registry_plugins.qris.models import Score

    two_teachers(world)
    world.element(world.center, 3)
    assert put_rules(world, AVERAGE).status_code == 200
    world.element(world.center, 3)
    with unit_of_work(world.registry.sessions, write=False) as session:
        rows = list(session.scalars(select(Score).where(
            Score.organization_id == world.center.id, Score.element == 3)
            .order_by(Score.id)))
    assert rows and all(r.rule_set_county and r.rule_set_version for r in rows)
    assert (rows[0].rule_set_county, rows[0].rule_set_version) == ("statewide", "2026.2")
    assert (rows[-1].rule_set_county, rows[-1].rule_set_version, rows[-1].points) == (
        "Alameda", "alameda-2026.2", 3)
    assert rows[-1].decided_by.startswith("level 3:")


@pytest.mark.parametrize(("text", "line", "reason"), BAD_FILES)
def test_bad_file_is_422_with_line_and_reason_and_changes_nothing(world, text, line, reason):
    assert put_rules(world, AVERAGE).status_code == 200  # a good file in use
    response = put_rules(world, text, name="alameda-bad.toml")
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["line"] == line, problem
    assert reason in problem["reason"]
    assert problem["source"] == "alameda-bad.toml"
    assert problem["detail"].startswith(f"alameda-bad.toml:{line}: ")
    assert "file" in problem["errors"]
    info = world.client().get("/api/v1/qris/counties/Alameda/rules", headers=bearer(
        world.token(world.county_admin, "qris:admin"))).get_json()
    assert info["uploaded"]["version"] == "alameda-2026.2"  # nothing changed
    assert len(audit_actions(world, "qris.rules_upload")) == 1


@pytest.mark.parametrize(("text", "line", "reason"), [*BAD_FILES[:5], BAD_FILES[-1]])
def test_the_same_files_stop_start_up_with_the_same_line_and_reason(make_app, tmp_path, text,
                                                                    line, reason):
    path = tmp_path / "alameda.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        make_app(plugins=["profile", "documents", "qris"],
                 plugin_sections={"qris": {"county_rule_files": {"Alameda": str(path)}}})
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert reason in str(caught.value)


def test_other_refusals(world):
    other = world.factory.org(kind="county", county="Fresno")
    fresno_admin = world.factory.account("county_admin", org=other)
    fresno = world.token(fresno_admin, "qris:admin")
    # another county's administrator: not found, nothing changed
    assert put_rules(world, AVERAGE, token=fresno).status_code == 404
    assert world.client().get("/api/v1/qris/counties/Alameda/rules",
                              headers=bearer(fresno)).status_code == 404
    assert world.client().put("/api/v1/qris/counties/Alameda/activation", json={"active": False},
                              headers=bearer(fresno)).status_code == 404
    # a file for another county, no file, a file that is not UTF-8 text, an unknown county
    wrong = put_rules(world, AVERAGE.replace('"Alameda"', '"Fresno"'))
    assert wrong.status_code == 422 and "must be 'Alameda'" in wrong.get_json()["reason"]
    token = world.token(world.county_admin, "qris:admin")
    missing = world.client().put("/api/v1/qris/counties/Alameda/rules", headers=bearer(token),
                                 data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in missing.get_json()["errors"]
    binary = world.client().put("/api/v1/qris/counties/Alameda/rules", headers=bearer(token),
                                data={"file": (io.BytesIO(b"\xff\xfe\x00bad"), "x.toml")},
                                content_type="multipart/form-data")
    assert binary.status_code == 422 and "UTF-8" in binary.get_json()["detail"]
    assert put_rules(world, AVERAGE, county="Atlantis").status_code == 404
    # tokens without the scope, or of people who are not county administrators
    assert put_rules(world, AVERAGE, token=world.token(world.county_admin,
                                                       "qris:read")).status_code == 403
    with pytest.raises(ValueError):
        world.token(world.program_admin, "qris:admin")
    assert world.client().put("/api/v1/qris/counties/Alameda/rules",
                              data={}).status_code == 401
    assert audit_actions(world, "qris.rules_upload") == []


def test_county_admin_switches_qris_through_the_api(make_app):
    world = make_world(make_app, active=False)
    token = world.token(world.county_admin, "qris:admin")
    staff = world.token(world.staff)
    assert world.scores(world.center, staff).status_code == 404
    on = world.client().put("/api/v1/qris/counties/Alameda/activation", json={"active": True},
                            headers=bearer(token))
    assert on.status_code == 200 and on.get_json()["active"] is True
    assert world.scores(world.center, staff).status_code == 200
    bad = world.client().put("/api/v1/qris/counties/Alameda/activation",
                             json={"active": True, "when": "now"}, headers=bearer(token))
    assert bad.status_code == 422 and "when" in bad.get_json()["errors"]
    off = world.client().put("/api/v1/qris/counties/Alameda/activation", json={"active": False},
                             headers=bearer(token))
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert world.scores(world.center, staff).status_code == 404
    assert [a[1] for a in audit_actions(world, "plugins.activate")] == ["Alameda"]
    assert [a[1] for a in audit_actions(world, "plugins.deactivate")] == ["Alameda"]


def test_openapi_lists_the_county_paths(world):
    document = world.client().get("/api/v1/openapi.json").get_json()
    path = document["paths"]["/api/v1/qris/counties/{county}/rules"]
    assert set(path) == {"get", "put", "delete"}
    assert "/api/v1/qris/counties/{county}/activation" in document["paths"]


def test_county_data_system_file(world):
    """The file a county QRIS data system takes: programs and participants with their element
    scores, the rule set and version, the verified totals; Registry IDs, no names; only the
    caller's sites."""
    from openpyxl import load_workbook
    from registry_plugins.qris.reports import PARTICIPANT_COLUMNS

    teacher = world.person(world.center)
    world.verify(teacher, permits=[permit("teacher")], training=[training(21)])
    director = world.person(world.center, "program_director")
    world.verify(director, permits=[permit("program_director")], training=[training(25)])
    fresno = world.factory.org(kind="employer_center", county="Fresno", name="Fresno Kids")

    def rows(token):
        response = world.client().get("/api/v1/reports/qris-participants.xlsx",
                                      headers=bearer(token))
        assert response.status_code == 200, response.get_data(as_text=True)
        book = load_workbook(io.BytesIO(response.data), read_only=True)
        found = [tuple(r) for r in book.active.iter_rows(values_only=True)]
        book.close()
        return found[0], [dict(zip(found[0], r, strict=True)) for r in found[1:]]

    header, items = rows(world.token(world.county_admin, "reports:read qris:read"))
    assert header == PARTICIPANT_COLUMNS
    assert header[:12] == ("site_slug", "license_number", "county", "element", "site_points",
                           "registry_id", "role_category", "participant_points",
                           "rule_option", "rule_set_county", "rule_set_version", "missing")
    by_person = {(i["site_slug"], i["element"], i["registry_id"]): i for i in items}
    e3 = by_person[(world.center.slug, 3, teacher.participant.registry_id)]
    assert (e3["site_points"], e3["participant_points"], e3["rule_option"]) == (
        3, 3, "teacher_permit")
    assert (e3["site_name"], e3["site_kind"], e3["site_status"]) == (
        "Sunshine Center", "employer_center", "scored")
    assert (e3["pd_hours"], e3["rule_set_county"], e3["rule_set_version"]) == (
        "21.00", "statewide", "2026.2")
    e7 = by_person[(world.center.slug, 7, director.participant.registry_id)]
    assert (e7["site_points"], e7["rule_option"]) == (4, "program_director_permit")
    nobody = by_person[(world.fcc.slug, 3, None)]  # an FCC home with nobody to score
    assert (nobody["site_points"], nobody["site_status"]) == (None, "not_enough_data")
    assert "fcc_owner" in nobody["missing"]
    assert fresno.slug not in {i["site_slug"] for i in items}
    text = repr(items)
    assert "First" not in text and "Last" not in text  # no names
    # a program administrator gets only the program's own rows
    _, mine = rows(world.token(world.program_admin, "reports:read qris:read",
                               org=world.center))
    assert {i["site_slug"] for i in mine} == {world.center.slug}
    # the county page's link gives the same file, and the download is audited
    from qris_helpers import WebClient

    web = WebClient(world.app, world.county_admin)
    download = web.get("/qris/export/qris-participants.xlsx")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data), read_only=True)
    assert next(book.active.iter_rows(values_only=True)) == PARTICIPANT_COLUMNS
    book.close()
    assert [a[1] for a in audit_actions(world, "report.export")].count(
        "qris-participants") == 3
