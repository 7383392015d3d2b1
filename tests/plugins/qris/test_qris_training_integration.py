"""QRIS with profile, documents, jobs, training and qris all enabled: a program administrator
confirms staff through the jobs API, registry staff verify permits, a training sponsor marks
attendance (hours granted), and the site's Element 3 (lead teacher) and Element 7 (director)
scores go up, recomputed and recorded on the domain events themselves (no API read needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from qris_helpers import World, activate, permit
from sqlalchemy import select

from registry_kernel.db import unit_of_work
from registry_kernel.testing import Factory, bearer

PLUGINS = ["profile", "documents", "jobs", "training", "qris"]


def recorded(world: World, element: int) -> list[tuple[int | None, str, str, str]]:
    """The site's recorded scores of ``element``: (points, trigger, rule county, version)."""
    from registry_plugins.qris.models import Score

    with unit_of_work(world.registry.sessions, write=False) as session:
        return [(r.points, r.trigger, r.rule_set_county, r.rule_set_version)
                for r in session.scalars(select(Score).where(
                    Score.organization_id == world.center.id, Score.element == element)
                    .order_by(Score.id))]


def make(make_app) -> World:
    app = make_app(plugins=PLUGINS)
    factory = Factory(app)
    county_org = factory.org(kind="county", county="Alameda", name="Alameda County")
    center = factory.org(kind="employer_center", county="Alameda", name="Sunshine Center")
    staff = factory.account("registry_staff")
    world = World(app=app, factory=factory, county_org=county_org,
                  county_admin=factory.account("county_admin", org=county_org), center=center,
                  fcc=factory.org(kind="employer_fcc", county="Alameda"),
                  program_admin=factory.account("program_admin", org=center), staff=staff,
                  staff_token=factory.token(staff, "verification qris:read"))
    activate(app, "Alameda")
    return world


def hire(world: World, role: str):
    """A participant reports a job at the center; its administrator confirms it (jobs API)."""
    person = world.person(world.center, role, confirm=False)
    me = world.client().get("/api/v1/me/employment", headers=bearer(person.me_token)).get_json()
    employment_id = (me["items"] if isinstance(me, dict) else me)[0]["id"]
    token = world.token(world.program_admin, "jobs:staff", org=world.center)
    response = world.client().post(
        f"/api/v1/programs/{world.center.id}/staff/{employment_id}/confirmation",
        json={"confirmed": True}, headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return person


def attended_training(world: World, people: list, hours: str = "21.00",
                      days_ago: int = 10) -> tuple[str, int]:
    """A sponsor's 21-hour training that took place ``days_ago``; everyone in ``people`` is
    marked Attended (hours granted). Returns the sponsor's token and the event id."""
    from registry_plugins.training.models import TrainingEvent

    sponsor = world.factory.org(kind="training_sponsor", name="Alameda R&R")
    manager = world.factory.account("sponsor_manager", org=sponsor)
    token = world.factory.token(manager, "training:read training:write enrollments:write",
                                org=sponsor)
    client = world.client()
    training = client.post("/api/v1/trainings", headers=bearer(token), json={
        "title": "Intentional Teaching Institute", "description": "Three Saturdays",
        "hours": hours, "competency_area": "LEC", "language": "en"})
    assert training.status_code == 201, training.get_json()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    event = client.post("/api/v1/events", headers=bearer(token), json={
        "training_id": training.get_json()["id"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=6)).isoformat(), "capacity": 20,
        "location": {"address": "1 Main St", "city": "Oakland", "county": "Alameda",
                     "zip": "94612"}})
    assert event.status_code == 201, event.get_json()
    event_id = event.get_json()["id"]
    for person in people:
        enrolled = client.post(f"/api/v1/events/{event_id}/enrollments", headers=bearer(token),
                               json={"registry_id": person.participant.registry_id})
        assert enrolled.status_code == 201, enrolled.get_json()
    with unit_of_work(world.registry.sessions) as session:  # the event takes place
        row = session.get(TrainingEvent, event_id)
        shift = timedelta(days=3 + days_ago)
        row.starts_at, row.ends_at = row.starts_at - shift, row.ends_at - shift
    mark(world, token, event_id, people, "attended")
    return token, event_id


def mark(world: World, token: str, event_id: int, people: list, status: str) -> None:
    response = world.client().post(f"/api/v1/events/{event_id}/attendance",
                                   headers=bearer(token), json={"records": [
                                       {"registry_id": p.participant.registry_id,
                                        "status": status} for p in people]})
    assert response.status_code == 200, response.get_json()


def test_attended_training_hours_raise_element_3_and_7_when_hours_are_granted(make_app):
    world = make(make_app)
    teacher = hire(world, "lead_teacher")
    director = hire(world, "program_director")
    # the confirmation itself re-scored the site: nobody has verified records yet
    assert recorded(world, 3)[-1][:2] == (None, "employment.confirmed")

    world.verify(teacher, permits=[permit("teacher")])
    world.verify(director, permits=[permit("site_supervisor")])
    # the verifications re-scored the site (Teacher Permit: 2 points without PD hours;
    # Site Supervisor Permit: Element 7 level 2 without PD hours)
    assert recorded(world, 3)[-1] == (2, "document.verified", "statewide", "2026.2")
    assert recorded(world, 7)[-1] == (2, "document.verified", "statewide", "2026.2")

    sponsor_token, event_id = attended_training(world, [teacher, director])
    # recomputed and recorded on the attendance event, before anyone reads the scores
    assert recorded(world, 3)[-1] == (3, "attendance.recorded", "statewide", "2026.2")
    assert recorded(world, 7)[-1] == (3, "attendance.recorded", "statewide", "2026.2")

    e3 = world.element(world.center, 3)
    assert e3["points"] == 3 and e3["rule"]["decided_by"][0]["option"] == "teacher_permit"
    person = e3["evidence"][0]
    assert person["totals"]["pd_hours"] == "21.00"
    hours = [r for r in person["records"] if r["kind"] == "training"]
    assert hours == [{**hours[0], "source": "training", "verification_status": "attended",
                      "hours": "21.00", "counted": True,
                      "title": "Intentional Teaching Institute"}]
    e7 = world.element(world.center, 7)
    assert e7["points"] == 3
    assert e7["rule"]["decided_by"][0]["option"] == "site_supervisor_permit"
    assert e7["rule"]["decided_by"][0]["registry_id"] == director.participant.registry_id

    # the sponsor corrects the teacher to No Show: the hours are withdrawn, the score follows
    mark(world, sponsor_token, event_id, [teacher], "no_show")
    assert recorded(world, 3)[-1][:2] == (2, "attendance.recorded")
    assert recorded(world, 7)[-1][0] == 3
    e3 = world.element(world.center, 3)
    assert e3["points"] == 2
    assert e3["missing"][0]["items"] == [
        "21.00 more professional development hours in the PD year"]


def test_hours_outside_the_pd_year_do_not_count(make_app):
    world = make(make_app)
    teacher = hire(world, "lead_teacher")
    world.verify(teacher, permits=[permit("teacher")])
    attended_training(world, [teacher], days_ago=400)  # more than a year ago
    assert recorded(world, 3)[-1][0] == 2
    record = next(r for r in world.element(world.center, 3)["evidence"][0]["records"]
                  if r["kind"] == "training")
    assert record["counted"] is False and record["verification_status"] == "attended"


def test_hours_granted_outside_a_qris_county_change_nothing(make_app):
    from registry_plugins.qris.models import Score

    world = make(make_app)
    fresno = world.factory.org(kind="employer_center", county="Fresno")
    teacher = world.person(fresno, "lead_teacher")
    world.verify(teacher, permits=[permit("teacher")])
    attended_training(world, [teacher])
    with unit_of_work(world.registry.sessions, write=False) as session:
        assert session.scalars(select(Score).where(
            Score.organization_id == fresno.id)).all() == []
