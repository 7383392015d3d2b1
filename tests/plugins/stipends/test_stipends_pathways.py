"""Pathways through the API: county staff write a recipient's professional development plan
(permit level, units, training hours, with the courses and trainings each needs); progress
comes from verified records only (documents plugin, and training hours other plugins report
through ``education_report_sections``); a recipient proposes a plan that staff approve or
return; bad input changes nothing; another county sees nothing."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import time_machine
from sqlalchemy import func, select
from stipends_helpers import World, make_world, training

from registry_kernel import clock
from registry_kernel.db import unit_of_work
from registry_kernel.extension import ReportSection
from registry_kernel.hookspecs import hookimpl
from registry_kernel.models import AuditEvent
from registry_kernel.testing import bearer, local_evening


def course(number: str, title: str, units: str, *, core_area: str | None = None,
           category: str = "ece", grade: str = "B", days_ago: int = 10) -> dict[str, Any]:
    record = {"institution": "Laney College", "course_number": number, "title": title,
              "units": units, "unit_system": "semester", "grade": grade,
              "completed_on": (clock.today() - timedelta(days=days_ago)).isoformat(),
              "category": category}
    if core_area:
        record["core_area"] = core_area
    return record


def approved(world: World, **person: Any) -> tuple[Any, dict[str, Any]]:
    program = world.program()
    account = world.person(**person)
    application = world.apply(account, program["id"], tier="pd21").get_json()
    decided = world.admin("post", f"/api/v1/stipends/applications/{application['id']}/decision",
                          json={"decision": "approve", "reason": "Meets every rule"})
    assert decided.status_code == 200
    return account, application


PLAN = {
    "title": "Toward the Master Teacher Permit",
    "target_date": (clock.today() + timedelta(days=365)).isoformat(),
    "goals": [
        {"kind": "permit_level", "permit_level": "master_teacher",
         "steps": [{"kind": "course", "title": "ECE 60", "amount": "3"},
                   {"kind": "course", "title": "Adult Supervision and Mentoring"}]},
        {"kind": "units", "area": "specialization", "amount": "6"},
        {"kind": "training_hours", "area": "HSN", "amount": "16",
         "steps": [{"kind": "training", "title": "Pediatric First Aid", "amount": "8"}]},
    ],
}


def test_a_plan_written_in_a_california_evening_starts_on_californias_date(world):
    _, application = approved(world)
    evening = local_evening()
    with time_machine.travel(evening.astimezone(UTC), tick=True):
        created = world.admin("post",
                              f"/api/v1/stipends/applications/{application['id']}/pathway",
                              json=PLAN)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["starts_on"] == evening.date().isoformat()


def test_staff_write_a_plan_and_progress_follows_verified_records(world):
    person, application = approved(world)
    created = world.admin("post", f"/api/v1/stipends/applications/{application['id']}/pathway",
                          json=PLAN)
    assert created.status_code == 201, created.get_json()
    plan = created.get_json()
    assert plan["status"] == "active" and plan["starts_on"] == clock.today().isoformat()
    permit, units, hours = plan["goals"]
    # a verified Teacher permit and 24 training hours (CDL, 30 days ago) from the helper:
    # nothing yet toward the master teacher education, no specialization units, and the CDL
    # hours neither match the HSN area nor fall after the plan's start
    assert permit["met"] is False and permit["percent"] == 0
    assert any("specialization" in text for text in permit["needs_text"])
    assert any("adult supervision" in text for text in permit["needs_text"])
    assert [s["done"] for s in permit["steps"]] == [False, False]
    assert units == {**units, "have": "0.00", "need": "6.00", "percent": 0, "met": False}
    assert hours["have"] == "0.00" and hours["since"] == clock.today().isoformat()

    # the participant sees the same plan
    mine = world.client().get("/api/v1/me/stipend-pathways",
                              headers=bearer(person.me_token)).get_json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == plan["id"]

    # staff verify a transcript and a certificate: progress moves, steps are ticked off
    world.verify(person, courses=[
        course("ECE 60", "Infant and Toddler Curriculum", "3", core_area="specialization",
               days_ago=0),
        course("ECE 61", "Preschool Specialization", "3", core_area="specialization",
               days_ago=0),
        course("ECE 70", "Adult Supervision and Mentoring", "2", core_area="adult_supervision",
               days_ago=0),
        course("ENG 1A", "Composition", "16", category="ge", days_ago=400),
        course("ECE 10", "Child Growth", "3", core_area="child_growth", days_ago=400),
        course("ECE 20", "Child, Family and Community", "3",
               core_area="child_family_community", days_ago=400),
        course("ECE 30", "Curriculum", "3", core_area="curriculum", days_ago=400),
        course("ECE 40", "Observation", "12", days_ago=400)],
        training=[{**training("8", days_ago=0), "title": "Pediatric First Aid",
                   "competency_area": "HSN"}])
    now = world.client().get(f"/api/v1/me/stipend-pathways/{plan['id']}",
                             headers=bearer(person.me_token)).get_json()
    permit, units, hours = now["goals"]
    assert permit["meets_education"] is True and permit["met"] is False
    assert permit["percent"] < 100 and "Commission on Teacher Credentialing" in \
        " ".join(permit["needs_text"])
    assert [s["done"] for s in permit["steps"]] == [True, True]
    assert units["met"] is True and units["have"] == "6.00" and units["percent"] == 100
    assert hours["have"] == "8.00" and hours["percent"] == 50 and hours["met"] is False
    assert hours["steps"][0]["done"] is True
    assert now["completed"] is False

    # the permit itself arrives: that goal is met
    world.verify(person, permits=[{"level": "master_teacher", "number": "MT-1",
                                   "issued_on": clock.today().isoformat(),
                                   "expires_on": (clock.today() + timedelta(days=1800)
                                                  ).isoformat()}])
    permit = world.client().get(f"/api/v1/me/stipend-pathways/{plan['id']}",
                                headers=bearer(person.me_token)).get_json()["goals"][0]
    assert permit["met"] is True and permit["percent"] == 100 and permit["needs"] == []

    # staff see it, the read is audited; the program lists its plans
    detail = world.admin("get", f"/api/v1/stipends/pathways/{plan['id']}")
    assert detail.status_code == 200 and detail.get_json()["goals"][1]["met"] is True
    listed = world.admin("get", f"/api/v1/stipends/programs/{application['program_id']}"
                                "/pathways").get_json()
    assert listed["total"] == 1 and listed["items"][0]["registry_id"] == person.participant.registry_id
    assert listed["items"][0]["percent"] == detail.get_json()["percent"]
    with unit_of_work(world.registry.sessions) as session:
        reads = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "stipends.pathway_read",
            AuditEvent.resource_id == str(plan["id"])))
        assert reads >= 2
    world.registry.outbox.drain()
    assert any("professional development plan" in m["Subject"]
               for m in world.registry.sent_mail)

    # staff change the plan: goals replaced, status kept
    changed = world.admin("put", f"/api/v1/stipends/pathways/{plan['id']}", json={
        **PLAN, "goals": [{"kind": "training_hours", "amount": "21"}]})
    assert changed.status_code == 200
    assert [g["kind"] for g in changed.get_json()["goals"]] == ["training_hours"]
    assert changed.get_json()["status"] == "active"


def test_recipient_proposes_staff_return_then_approve(world):
    person, application = approved(world)
    client = world.client()
    proposal = {**PLAN, "application_id": application["id"]}
    sent = client.post("/api/v1/me/stipend-pathways", headers=bearer(person.me_token),
                       json=proposal)
    assert sent.status_code == 201 and sent.get_json()["status"] == "proposed"
    plan_id = sent.get_json()["id"]
    twice = client.post("/api/v1/me/stipend-pathways", headers=bearer(person.me_token),
                        json=proposal)
    assert twice.status_code == 409
    review = f"/api/v1/stipends/pathways/{plan_id}/review"
    no_reason = world.admin("post", review, json={"decision": "return", "reason": " "})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    returned = world.admin("post", review, json={"decision": "return",
                                                 "reason": "Add a health and safety goal"})
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    assert world.admin("post", review, json={"decision": "approve"}).status_code == 409
    edited = client.put(f"/api/v1/me/stipend-pathways/{plan_id}",
                        headers=bearer(person.me_token),
                        json={**PLAN, "title": "Master Teacher, with health and safety"})
    assert edited.status_code == 200 and edited.get_json()["status"] == "proposed"
    assert world.admin("post", review, json={"decision": "approve"}).get_json()["status"] == \
        "active"
    locked = client.put(f"/api/v1/me/stipend-pathways/{plan_id}",
                        headers=bearer(person.me_token), json=PLAN)
    assert locked.status_code == 409
    world.registry.outbox.drain()
    subjects = [m["Subject"] for m in world.registry.sent_mail]
    assert "Your professional development plan needs changes" in subjects
    assert "Your professional development plan is approved" in subjects


def test_bad_plans_are_refused_and_change_nothing(world):
    person, application = approved(world)
    path = f"/api/v1/stipends/applications/{application['id']}/pathway"
    for goals, field in (
            ([{"kind": "units", "amount": "6"}], "goals.0"),  # no area
            ([{"kind": "units", "area": "ece", "amount": "-3"}], "goals.0.amount"),
            ([{"kind": "permit_level", "permit_level": "grand_master"}], "goals.0"),
            ([{"kind": "training_hours", "area": "XYZ", "amount": "5"}], "goals.0"),
            ([{"kind": "training_hours", "amount": "5",
               "steps": [{"kind": "lecture", "title": "x"}]}], "goals.0.steps.0.kind"),
            ([], "goals")):
        refused = world.admin("post", path, json={**PLAN, "goals": goals})
        assert refused.status_code == 422, goals
        assert any(k.startswith(field) for k in refused.get_json()["errors"]), \
            refused.get_json()
    backwards = world.admin("post", path, json={**PLAN, "starts_on": "2027-01-01",
                                                "target_date": "2026-01-01"})
    assert backwards.status_code == 422
    assert world.admin("post", path, json={**PLAN, "colour": "red"}).status_code == 422
    # a submitted (not approved) application takes no plan, nor someone else's
    program = world.program(name="Second")
    other = world.person()
    pending = world.apply(other, program["id"], tin="234-56-7890", tier="pd21").get_json()
    assert world.admin("post", f"/api/v1/stipends/applications/{pending['id']}/pathway",
                       json=PLAN).status_code == 409
    mine = world.client().post("/api/v1/me/stipend-pathways", headers=bearer(other.me_token),
                               json={**PLAN, "application_id": application["id"]})
    assert mine.status_code == 404
    assert world.client().get("/api/v1/me/stipend-pathways", headers=bearer(
        person.me_token)).get_json()["total"] == 0
    # another county's administrator sees nothing
    created = world.admin("post", path, json=PLAN).get_json()
    marin = world.factory.org(kind="county", county="Marin", name="Marin County")
    token = world.factory.token(world.factory.account("county_admin", org=marin),
                                "stipends:admin")
    for method, url, body in (("get", f"/api/v1/stipends/pathways/{created['id']}", None),
                              ("put", f"/api/v1/stipends/pathways/{created['id']}", PLAN),
                              ("post", f"/api/v1/stipends/pathways/{created['id']}/review",
                               {"decision": "approve"}),
                              ("post", path, PLAN)):
        response = getattr(world.client(), method)(url, headers=bearer(token), json=body)
        assert response.status_code == 404, url
    # a participant's token cannot reach staff routes; a plan of someone else is 404
    assert world.client().get(f"/api/v1/stipends/pathways/{created['id']}",
                              headers=bearer(person.me_token)).status_code == 403
    assert world.client().get(f"/api/v1/me/stipend-pathways/{created['id']}",
                              headers=bearer(other.me_token)).status_code == 404


class AttendedTraining:
    """Another plugin reporting attended training through education_report_sections (as the
    training plugin does)."""

    @hookimpl
    def education_report_sections(self, session, registry, participant):
        return ReportSection(key="training", title="Trainings attended", order=40, data=[
            {"title": "Safe Sleep", "sponsor": "Alameda R&R", "hours": "6.00",
             "completed_on": clock.today().isoformat(), "competency_area": "HSN"}])


def test_training_hours_from_other_plugins_count_but_unverified_uploads_do_not(make_app):
    world = make_world(make_app, extra_plugins=(AttendedTraining(),))
    person, application = approved(world)
    plan = world.admin("post", f"/api/v1/stipends/applications/{application['id']}/pathway",
                       json={"title": "Health and safety", "goals": [
                           {"kind": "training_hours", "area": "HSN", "amount": "12",
                            "steps": [{"kind": "training", "title": "Safe Sleep"}]}]})
    goal = plan.get_json()["goals"][0]
    assert goal["have"] == "6.00" and goal["percent"] == 50 and goal["steps"][0]["done"]
    # an uploaded but unverified certificate counts for nothing
    import io

    from stipends_helpers import sample_pdf

    upload = world.client().post(
        "/api/v1/me/documents", headers=bearer(person.me_token),
        data={"type": "training_certificate",
              "file": (io.BytesIO(sample_pdf()), "t.pdf", "application/pdf")},
        content_type="multipart/form-data")
    assert upload.status_code == 201
    again = world.client().get(f"/api/v1/me/stipend-pathways/{plan.get_json()['id']}",
                               headers=bearer(person.me_token)).get_json()["goals"][0]
    assert again["have"] == "6.00"


def test_pathway_endpoints_are_in_the_openapi_document(world):
    spec = world.client().get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/me/stipend-pathways", "/api/v1/me/stipend-pathways/{pathway_id}",
                 "/api/v1/stipends/applications/{application_id}/pathway",
                 "/api/v1/stipends/pathways/{pathway_id}",
                 "/api/v1/stipends/pathways/{pathway_id}/review",
                 "/api/v1/stipends/programs/{program_id}/pathways"):
        assert path in spec["paths"], path


def test_plans_are_in_the_record_export_and_gone_after_erasure(world):
    from sqlalchemy import text

    from registry_kernel import participants
    from registry_kernel.models import Participant

    person, application = approved(world)
    plan = world.admin("post", f"/api/v1/stipends/applications/{application['id']}/pathway",
                       json=PLAN).get_json()
    with unit_of_work(world.registry.sessions) as session:
        participant = session.get(Participant, person.participant_id)
        sections = dict(world.registry.plugins.hook.participant_export(
            session=session, registry=world.registry, participant=participant))
        exported = sections["stipends"]["pathways"]
        assert [p["id"] for p in exported] == [plan["id"]]
        assert len(exported[0]["goals"]) == 3 and "percent" in exported[0]
        participants.erase_participant(session, world.registry, participant, actor=None,
                                       reason="asked to be forgotten")
    with unit_of_work(world.registry.sessions) as session:
        for table in ("stipends_pathways", "stipends_pathway_goals"):
            assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_hours_attended_in_the_training_plugin_count_toward_goals_and_eligibility(make_app):
    """With the real training plugin enabled, attended events (reported through its
    education_report_sections hook) count as verified training hours."""
    from datetime import datetime

    from registry_plugins.training.models import Enrollment, Training, TrainingEvent

    from registry_kernel.models import Participant

    world = make_world(make_app, plugins=["profile", "documents", "training", "stipends"])
    person, application = approved(world, training_hours="22")
    plan = world.admin("post", f"/api/v1/stipends/applications/{application['id']}/pathway",
                       json={"title": "Health and safety", "starts_on": "2026-01-01",
                             "goals": [{"kind": "training_hours", "area": "HSN",
                                        "amount": "8", "since": "2026-01-01",
                                        "steps": [{"kind": "training",
                                                   "title": "Pediatric CPR"}]}]}).get_json()
    assert plan["goals"][0]["have"] == "0.00"
    sponsor = world.factory.org(kind="rr_agency", county="Alameda", name="Alameda R&R")
    ended = datetime.now(UTC) - timedelta(days=2)
    with unit_of_work(world.registry.sessions) as session:
        training = Training(organization_id=sponsor.id, title="Pediatric CPR", hours=6,
                            competency_area="HSN", language="en")
        session.add(training)
        session.flush()
        event = TrainingEvent(training_id=training.id, organization_id=sponsor.id,
                              title="Pediatric CPR", language="en", competency_area="HSN",
                              hours=6, starts_at=ended - timedelta(hours=6), ends_at=ended,
                              capacity=20, seats_taken=1)
        session.add(event)
        session.flush()
        session.add(Enrollment(event_id=event.id, participant_id=person.participant_id,
                               status="attended", hours_granted=6))
        assert session.get(Participant, person.participant_id) is not None
    goal = world.client().get(f"/api/v1/me/stipend-pathways/{plan['id']}",
                              headers=bearer(person.me_token)).get_json()["goals"][0]
    assert goal["have"] == "6.00" and goal["percent"] == 75 and goal["steps"][0]["done"]
    # eligibility counts them too: 22 verified certificate hours + 6 attended reach 28
    second = world.program(name="28 hours", tiers=[], amount="100.00",
                           rules={"min_training_hours": "28"})
    preview = world.client().get(f"/api/v1/me/stipend-programs/{second['id']}/eligibility",
                                 headers=bearer(person.me_token)).get_json()
    assert preview["tiers"][0]["eligible"] is True
