"""The QRIS API: element scores of a site from verified registry data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from qris_helpers import degree, ece_courses, ge_courses, make_world, permit, training

from registry_kernel import clock
from registry_kernel.testing import bearer


def test_center_without_lead_teacher_is_not_enough_data(world):
    response = world.scores(world.center)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [e["element"] for e in body["elements"]] == [3, 7]
    for element in body["elements"]:
        assert element["points"] is None
        assert element["status"] == "not_enough_data"
        assert element["rule_set"] == {"county": "statewide", "version": "2026.2",
                                       "levels": "cumulative"}
        assert element["missing"] and element["missing"][0]["registry_id"] is None
    assert "lead teacher" in body["elements"][0]["missing"][0]["items"][0]


def test_lead_teacher_with_units_and_pd_hours_scores_three(world):
    teacher = world.person(world.center)
    world.verify(teacher, courses=ece_courses(24) + ge_courses(16),
                 training=[training(21)])
    element = world.element(world.center, 3)
    assert element["points"] == 3
    assert element["status"] == "scored"
    assert element["rule"]["decided_by"][0]["option"] == "ece24_ge16"
    person = element["evidence"][0]
    assert person["registry_id"] == teacher.participant.registry_id
    kinds = {r["kind"] for r in person["records"]}
    assert {"course", "training", "employment"} <= kinds
    assert all(r["verification_status"] in ("verified", "confirmed")
               for r in person["records"])
    assert element["missing"][0]["for_points"] == 4
    assert any("AA/AS degree" in item for item in element["missing"][0]["items"])


def test_unverified_documents_never_count(world):
    teacher = world.person(world.center)
    world.upload(teacher)  # waiting for verification
    element = world.element(world.center, 3)
    assert element["points"] is None and element["status"] == "not_enough_data"
    records = element["evidence"][0]["records"]
    waiting = [r for r in records if r["kind"] == "document"]
    assert waiting and waiting[0]["verification_status"] == "unverified"
    assert waiting[0]["counted"] is False


def test_pending_employment_is_not_scored(world):
    teacher = world.person(world.center, confirm=False)
    world.verify(teacher, permits=[permit("teacher")])
    element = world.element(world.center, 3)
    assert element["status"] == "not_enough_data" and element["evidence"] == []


@pytest.mark.parametrize(("ece", "hours", "expected"), [
    ("24", "21", 3), ("24", "20.99", 2), ("23.99", "21", 1)])
def test_thresholds_through_the_api(world, ece, hours, expected):
    teacher = world.person(world.center)
    world.verify(teacher, courses=ece_courses(ece) + ge_courses(16), training=[training(hours)])
    assert world.element(world.center, 3)["points"] == expected


def test_quarter_units_count_two_thirds(world):
    teacher = world.person(world.fcc, "fcc_owner")
    # three core courses of 4 quarter units each (8 semester units) + 4 semester units = 12
    world.verify(teacher, courses=ece_courses(8, unit_system="quarter") + ece_courses(4, core=False))
    element = world.element(world.fcc, 3)
    assert element["points"] == 2, element["evidence"][0]["totals"]  # FCC: 12 ECE units including the core courses
    assert element["evidence"][0]["totals"]["ece_units"] == "12.01"  # 3 x 2.67 + 4


def test_fcc_home_is_scored_on_element_3_only(world):
    owner = world.person(world.fcc, "fcc_owner")
    world.verify(owner, permits=[permit("associate_teacher")])
    body = world.scores(world.fcc, world.token(world.staff)).get_json()
    assert [e["element"] for e in body["elements"]] == [3]
    assert body["elements"][0]["points"] == 2


def test_director_scores_element_7(world):
    director = world.person(world.center, "program_director")
    world.verify(director, permits=[permit("program_director")], training=[training(21)])
    element = world.element(world.center, 7)
    assert element["points"] == 4
    assert element["rule"]["decided_by"][0]["option"] == "program_director_permit"
    assert element["missing"][0]["for_points"] == 5


def test_lowest_lead_teacher_decides_and_expired_permit_does_not_count(world):
    first, second = world.person(world.center), world.person(world.center)
    world.verify(first, degrees=[degree("BA", ece=True)], permits=[permit("teacher")],
                 training=[training(21)])
    expired = {**permit("teacher"), "issued_on": "2015-01-01", "expires_on": "2020-01-01"}
    world.verify(second, permits=[expired, permit("associate_teacher")])
    element = world.element(world.center, 3)
    assert element["points"] == 2
    assert {p["points"] for p in element["evidence"]} == {5, 2}
    assert element["rule"]["decided_by"][0]["registry_id"] == second.participant.registry_id
    assert [m["registry_id"] for m in element["missing"]] == [second.participant.registry_id]
    counted = {r["level"]: r["counted"] for r in element["evidence"][1]["records"]
               if r["kind"] == "permit"} if element["evidence"][1]["registry_id"] == \
        second.participant.registry_id else {}
    if counted:
        assert counted == {"teacher": False, "associate_teacher": True}


def test_program_admin_corrects_who_counts_as_lead_teacher(world):
    teacher = world.person(world.center, "teacher")
    world.verify(teacher, permits=[permit("site_supervisor")], training=[training(30)])
    assert world.element(world.center, 3)["status"] == "not_enough_data"
    token = world.token(world.program_admin, "qris:read qris:write", org=world.center)
    rid = teacher.participant.registry_id
    response = world.client().put(f"/api/v1/qris/sites/{world.center.slug}/lead-teachers/{rid}",
                                  json={"counts": True, "classroom": "Room 2"},
                                  headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    element = next(e for e in response.get_json()["elements"] if e["element"] == 3)
    assert element["points"] == 4
    assert element["evidence"][0]["corrected"] is True
    assert element["evidence"][0]["classroom"] == "Room 2"
    # someone without confirmed employment at the site cannot be added
    stranger = world.factory.account("participant")
    response = world.client().put(
        f"/api/v1/qris/sites/{world.center.slug}/lead-teachers/"
        f"{stranger.participant.registry_id}", json={"counts": True}, headers=bearer(token))
    assert response.status_code == 422
    assert "registry_id" in response.get_json()["errors"]
    # the county administrator can read but not correct
    county_token = world.token(world.county_admin, "qris:read qris:write")
    response = world.client().put(f"/api/v1/qris/sites/{world.center.slug}/lead-teachers/{rid}",
                                  json={"counts": None}, headers=bearer(county_token))
    assert response.status_code == 403
    # removing the correction lets the role category decide again
    response = world.client().put(f"/api/v1/qris/sites/{world.center.slug}/lead-teachers/{rid}",
                                  json={"counts": None}, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["elements"][0]["status"] == "not_enough_data"


def test_pd_year_runs_between_validation_dates(world):
    teacher = world.person(world.center)
    token = world.token(world.program_admin, "qris:read qris:write", org=world.center)
    today = clock.today()
    for day in (today - timedelta(days=400), today - timedelta(days=20)):
        response = world.client().post(
            f"/api/v1/qris/sites/{world.center.slug}/validation-dates",
            json={"validated_on": day.isoformat()}, headers=bearer(token))
        assert response.status_code == 201, response.get_json()
    # 21 hours, but 10 of them after the latest validation date: outside the PD year scored
    world.verify(teacher, permits=[permit("teacher")],
                 training=[training(11, days_ago=100), training(10, days_ago=5)])
    element = world.element(world.center, 3)
    assert element["pd_year"] == {"from": (today - timedelta(days=400)).isoformat(),
                                  "to": (today - timedelta(days=20)).isoformat()}
    assert element["points"] == 2
    assert element["missing"][0]["items"] == [
        "10.00 more professional development hours in the PD year"]
    world.verify(teacher, training=[training(10, days_ago=200)])
    assert world.element(world.center, 3)["points"] == 3


@pytest.mark.parametrize("who", ["other_admin", "other_county_admin", "client_other_org",
                                 "client_other_county",
                                 "participant_token", "admin_token_for_other_org"])
def test_sites_of_others_are_404(world, who):
    factory = world.factory
    if who == "other_admin":
        other = factory.org(kind="employer_center", county="Alameda")
        token = factory.token(factory.account("program_admin", org=other), "qris:read",
                              org=other)
    elif who == "other_county_admin":
        county = factory.org(kind="county", county="Fresno")
        token = factory.token(factory.account("county_admin", org=county), "qris:read")
    elif who == "client_other_org":
        token = factory.client_token(factory.org(kind="employer_center"), "qris:read")
    elif who == "client_other_county":
        token = factory.client_token(factory.org(kind="county", county="Fresno"), "qris:read")
    elif who == "participant_token":
        response = world.scores(world.center, factory.token(factory.account("participant"),
                                                            "me"))
        assert response.status_code == 403
        return
    else:  # an administrator of two programs, with a token acting for the other one
        from registry_kernel.accounts import grant_role
        from registry_kernel.db import unit_of_work
        from registry_kernel.models import Account, Organization

        other = factory.org(kind="employer_center", county="Alameda")
        with unit_of_work(world.registry.sessions) as session:
            grant_role(session, session.get(Account, world.program_admin.id), "program_admin",
                       session.get(Organization, other.id), actor=None)
        token = factory.token(world.program_admin, "qris:read", org=other)
        assert world.scores(other, token).status_code == 200
    response = world.scores(world.center, token)
    assert response.status_code == 404
    assert response.get_json()["detail"] == "no such site"


def test_who_may_read_a_site(world):
    for token in (world.token(world.program_admin, org=world.center),
                  world.token(world.county_admin), world.token(world.staff),
                  world.factory.client_token(world.center, "qris:read"),
                  world.factory.client_token(world.county_org, "qris:read")):
        assert world.scores(world.center, token).status_code == 200
    assert world.client().get(f"/api/v1/qris/sites/{world.center.slug}").status_code == 401
    assert world.scores(world.county_org, world.token(world.staff)).status_code == 404
    response = world.client().get("/api/v1/qris/sites/no-such-site",
                                  headers=bearer(world.token(world.staff)))
    assert response.status_code == 404


def test_county_not_switched_on_is_404(make_app):
    world = make_world(make_app, active=False)
    response = world.scores(world.center, world.token(world.staff))
    assert response.status_code == 404
    assert "not switched on" in response.get_json()["detail"]
    listing = world.client().get("/api/v1/qris/sites", headers=bearer(world.token(world.staff)))
    assert listing.get_json()["total"] == 0


def test_list_of_sites_with_filters(world):
    teacher = world.person(world.center)
    world.verify(teacher, permits=[permit("teacher")], training=[training(21)])
    token = world.token(world.county_admin)
    body = world.client().get("/api/v1/qris/sites", headers=bearer(token)).get_json()
    assert body["total"] == 2
    slugs = {item["slug"] for item in body["items"]}
    assert slugs == {world.center.slug, world.fcc.slug}
    filtered = world.client().get("/api/v1/qris/sites?element=3&points=3",
                                  headers=bearer(token)).get_json()
    assert [i["slug"] for i in filtered["items"]] == [world.center.slug]
    no_data = world.client().get("/api/v1/qris/sites?element=3&points=0",
                                 headers=bearer(token)).get_json()
    assert [i["slug"] for i in no_data["items"]] == [world.fcc.slug]
    mine = world.client().get("/api/v1/qris/sites", headers=bearer(
        world.token(world.program_admin, org=world.center))).get_json()
    assert [i["slug"] for i in mine["items"]] == [world.center.slug]


def test_scores_are_recorded_with_rule_set_when_a_document_is_verified(world):
    from registry_plugins.qris.models import Score
    from sqlalchemy import select

    from registry_kernel.db import unit_of_work

    teacher = world.person(world.center)
    world.verify(teacher, permits=[permit("teacher")], training=[training(21)])
    with unit_of_work(world.registry.sessions, write=False) as session:
        rows = list(session.scalars(select(Score).where(
            Score.organization_id == world.center.id, Score.element == 3).order_by(Score.id)))
        assert rows, "the verification re-scored the site"
        last = rows[-1]
        assert (last.points, last.rule_set_county, last.rule_set_version) == (3, "statewide",
                                                                              "2026.2")
        assert last.trigger == "document.verified"
        assert last.decided_by == "level 3: teacher_permit"
        count = len(rows)
    world.element(world.center, 3)  # unchanged: no new row
    with unit_of_work(world.registry.sessions, write=False) as session:
        assert len(list(session.scalars(select(Score).where(
            Score.organization_id == world.center.id, Score.element == 3)))) == count
