"""Stipends through the API: programs, applying (eligible, ineligible, twice, bad IDs), review,
payment, export, and the taxpayer ID never stored or shown in clear."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select, text
from stipends_helpers import make_world, program_body

from registry_kernel import clock
from registry_kernel.db import unit_of_work
from registry_kernel.models import AuditEvent
from registry_kernel.testing import bearer


def test_public_list_shows_open_programs_of_active_counties_only(world, make_app):
    program = world.program()
    world.program(name="Closed", opens_on="2020-01-01", closes_on="2020-02-01")
    listed = world.client().get("/api/v1/stipends/programs").get_json()
    assert [p["name"] for p in listed["items"]] == ["Workforce Pathways"]
    item = listed["items"][0]
    assert item["id"] == program["id"] and item["county"] == "Alameda" and item["open"] is True
    assert [t["amount"] for t in item["tiers"]] == ["315.00", "240.00"]
    assert world.client().get("/api/v1/stipends/programs?county=Marin").get_json()["total"] == 0
    from registry_kernel import counties

    with unit_of_work(world.registry.sessions) as session:
        counties.deactivate(session, "stipends", "Alameda")
    assert world.client().get("/api/v1/stipends/programs").get_json()["total"] == 0


def test_program_definition_is_validated_and_needs_an_active_county(world, make_app):
    bad = world.admin("post", "/api/v1/stipends/programs", json=program_body(tiers=[
        {"key": "a", "label": "A", "amount": "-5.00"}]))
    assert bad.status_code == 422
    assert any("tiers" in k for k in bad.get_json()["errors"])
    both = world.admin("post", "/api/v1/stipends/programs", json=program_body(amount="100.00"))
    assert both.status_code == 422
    backwards = world.admin("post", "/api/v1/stipends/programs", json=program_body(
        opens_on="2026-05-01", closes_on="2026-04-01"))
    assert backwards.status_code == 422
    unknown = world.admin("post", "/api/v1/stipends/programs", json=program_body(
        rules={"permit_levels": ["grand_master"]}))
    assert unknown.status_code == 422 and "grand_master" in str(unknown.get_json())
    fixed = world.admin("post", "/api/v1/stipends/programs",
                        json=program_body(tiers=[], amount="500.00", rules={}))
    assert fixed.status_code == 201 and fixed.get_json()["amount"] == "500.00"
    # another county's administrator, where stipends are off
    marin = world.factory.org(kind="county", county="Marin", name="Marin County")
    marin_admin = world.factory.account("county_admin", org=marin)
    token = world.factory.token(marin_admin, "stipends:admin")
    off = world.client().post("/api/v1/stipends/programs", headers=bearer(token),
                              json=program_body())
    assert off.status_code == 409 and "Marin" in off.get_json()["detail"]


def test_eligible_applicant_applies_once_with_a_masked_ssn(world):
    program = world.program()
    person = world.person()
    applied = world.apply(person, program["id"], tier="pd21", funding_types=["CSPP"])
    assert applied.status_code == 201, applied.get_json()
    body = applied.get_json()
    assert body["status"] == "submitted" and body["amount"] == "315.00"
    assert body["tin_masked"] == "***-**-6789"
    assert "123-45-6789" not in applied.get_data(as_text=True)
    assert "123456789" not in applied.get_data(as_text=True)
    assert all(r["met"] for r in body["eligibility"])
    again = world.apply(person, program["id"], tier="hs16")
    assert again.status_code == 409
    # another profile with the same SSN: the blind index finds it
    twin = world.person()
    dup = world.apply(twin, program["id"], tin="123456789", tier="pd21")
    assert dup.status_code == 409 and "taxpayer ID" in dup.get_json()["detail"]
    mine = world.client().get("/api/v1/me/stipend-applications",
                              headers=bearer(person.me_token)).get_json()
    assert mine["total"] == 1 and mine["items"][0]["program_name"] == "Workforce Pathways"
    assert "tin_masked" not in mine["items"][0]
    world.registry.outbox.drain()
    assert any("received" in m["Subject"] for m in world.registry.sent_mail)


def test_ineligible_applicant_sees_every_unmet_rule_and_nothing_is_stored(world):
    program = world.program()
    person = world.person(role="assistant", hours="10", start=(
        clock.today() - timedelta(days=60)).isoformat(), permit_level=None, training_hours="5")
    refused = world.apply(person, program["id"], tier="pd21")
    assert refused.status_code == 422
    problem = refused.get_json()
    rules = {r["rule"] for r in problem["unmet"]}
    assert rules == {"min_hours_per_week", "min_months_employed", "role_categories",
                     "permit_levels", "tier.min_training_hours"}
    assert "At least 20 hours a week" in problem["errors"]["min_hours_per_week"]
    assert "you have 5" in problem["errors"]["tier.min_training_hours"]
    assert "6789" not in refused.get_data(as_text=True)
    mine = world.client().get("/api/v1/me/stipend-applications",
                              headers=bearer(person.me_token)).get_json()
    assert mine["total"] == 0


def test_unconfirmed_or_out_of_county_employment_does_not_count(world):
    program = world.program(rules={"min_hours_per_week": "20"}, tiers=[], amount="100.00")
    pending = world.person(confirm=False)
    refused = world.apply(pending, program["id"])
    assert refused.status_code == 422
    assert {r["rule"] for r in refused.get_json()["unmet"]} == {"employment",
                                                               "min_hours_per_week"}
    elsewhere = world.factory.org(kind="employer_center", county="Marin", name="Marin Kids")
    world.factory.account("program_admin", org=elsewhere)
    person = world.person(employer=elsewhere)
    assert world.apply(person, program["id"]).status_code == 422


def test_bad_input_is_refused_without_echoing_the_id(world):
    program = world.program()
    person = world.person()
    for tin in ("000-12-3456", "123-00-4567", "12-345-678", "abcdefghi", "666-12-3456"):
        response = world.apply(person, program["id"], tin=tin, tier="pd21")
        assert response.status_code == 422, tin
        assert tin not in response.get_data(as_text=True)
        assert "tin" in response.get_json()["errors"]
    assert world.apply(person, program["id"], tier="nope").status_code == 422
    assert world.apply(person, program["id"]).status_code == 422  # a tier is needed
    itin = world.apply(person, program["id"], tin="912-70-1234", tin_kind="itin", tier="pd21")
    assert itin.status_code == 201 and itin.get_json()["tin_masked"] == "***-**-1234"
    no_itin = world.program(name="SSN only", allow_itin=False)
    refused = world.apply(world.person(), no_itin["id"], tin="912-70-1234", tin_kind="itin",
                          tier="pd21")
    assert refused.status_code == 422 and "tin_kind" in refused.get_json()["errors"]
    closed = world.program(name="Later", opens_on=(clock.today() + timedelta(days=3)).isoformat())
    late = world.apply(world.person(), closed["id"], tier="pd21")
    assert late.status_code == 422 and "window" in str(late.get_json()["errors"])
    assert world.apply(person, 999999, tier="pd21").status_code == 404


def test_review_decision_payment_and_excel_export(world):
    program = world.program()
    eligible, other = world.person(), world.person()
    first = world.apply(eligible, program["id"], tier="pd21").get_json()
    second = world.apply(other, program["id"], tin="234-56-7890", tier="hs16").get_json()
    queue = world.admin("get", f"/api/v1/stipends/programs/{program['id']}/applications")
    assert queue.status_code == 200 and queue.get_json()["total"] == 2
    assert "tin_masked" not in queue.get_data(as_text=True)
    detail = world.admin("get", f"/api/v1/stipends/applications/{first['id']}").get_json()
    assert detail["tin_masked"] == "***-**-6789" and detail["applicant"]["name"]
    with unit_of_work(world.registry.sessions) as session:
        reads = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "stipends.tin_read",
            AuditEvent.resource_id == str(first["id"]))).all()
        assert reads and reads[-1].actor_account_id == world.county_admin.id
    note = world.admin("post", f"/api/v1/stipends/applications/{second['id']}/notes",
                       json={"kind": "request_documents", "text": "Please upload your permit"})
    assert note.status_code == 201 and note.get_json()["status"] == "documents_requested"
    no_reason = world.admin("post", f"/api/v1/stipends/applications/{first['id']}/decision",
                            json={"decision": "approve", "reason": "  "})
    assert no_reason.status_code == 422
    approved = world.admin("post", f"/api/v1/stipends/applications/{first['id']}/decision",
                           json={"decision": "approve", "reason": "Meets every rule"})
    assert approved.status_code == 200
    payment = approved.get_json()["payment"]
    assert payment == {"id": payment["id"], "amount": "315.00", "status": "pending",
                       "paid_on": None}
    denied = world.admin("post", f"/api/v1/stipends/applications/{second['id']}/decision",
                         json={"decision": "deny", "reason": "No permit uploaded"})
    assert denied.status_code == 200 and denied.get_json()["payment"] is None
    twice = world.admin("post", f"/api/v1/stipends/applications/{second['id']}/decision",
                        json={"decision": "approve", "reason": "changed my mind"})
    assert twice.status_code == 409
    world.registry.outbox.drain()
    subjects = [m["Subject"] for m in world.registry.sent_mail]
    assert any("approved" in s for s in subjects) and any("denied" in s for s in subjects)
    assert any("More documents" in s for s in subjects)
    mine = world.client().get("/api/v1/me/stipend-applications",
                              headers=bearer(other.me_token)).get_json()["items"][0]
    assert mine["status"] == "denied" and mine["decision_reason"] == "No permit uploaded"
    assert [n["text"] for n in mine["notes"]] == ["Please upload your permit"]

    export = world.admin("get", "/api/v1/reports/stipend-payments.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("payment_id", "program", "funding_year")
    assert len(rows) == 2 and rows[1][7] == "***-**-6789" and rows[1][9] == 315
    flat = " ".join(str(c) for r in rows for c in r)
    assert "123-45-6789" not in flat and "123456789" not in flat

    paid = world.admin("post", f"/api/v1/stipends/payments/{payment['id']}/paid",
                       json={"paid_on": clock.today().isoformat()})
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    assert world.admin("post", f"/api/v1/stipends/payments/{payment['id']}/paid",
                       json={"paid_on": clock.today().isoformat()}).status_code == 409


def test_another_countys_administrator_gets_404(world):
    program = world.program()
    application = world.apply(world.person(), program["id"], tier="pd21").get_json()
    marin = world.factory.org(kind="county", county="Marin", name="Marin County")
    token = world.factory.token(world.factory.account("county_admin", org=marin),
                                "stipends:admin reports:read")
    client = world.client()
    for path in (f"/api/v1/stipends/programs/{program['id']}/applications",
                 f"/api/v1/stipends/applications/{application['id']}"):
        assert client.get(path, headers=bearer(token)).status_code == 404
    decision = client.post(f"/api/v1/stipends/applications/{application['id']}/decision",
                           headers=bearer(token), json={"decision": "approve", "reason": "x"})
    assert decision.status_code == 404
    export = client.get("/api/v1/reports/stipend-payments.xlsx", headers=bearer(token))
    assert export.status_code == 200
    assert len(list(load_workbook(io.BytesIO(export.data)).active.iter_rows())) == 1
    me = world.person()
    assert client.get(f"/api/v1/stipends/programs/{program['id']}/applications",
                      headers=bearer(me.me_token)).status_code == 403


def test_raw_database_holds_no_plaintext_ssn(world):
    program = world.program()
    world.apply(world.person(), program["id"], tin="345-67-8901", tier="pd21")
    with unit_of_work(world.registry.sessions) as session:
        rows = session.execute(text("SELECT * FROM stipends_applications")).all()
        assert rows
        blob = repr(rows).encode() + b"".join(
            bytes(v) for r in rows for v in r if isinstance(v, (bytes, memoryview)))
        for needle in (b"345-67-8901", b"345678901", b"8901"):
            assert needle not in blob
        audit_rows = repr(session.execute(text("SELECT * FROM audit_events")).all())
        assert "345678901" not in audit_rows and "345-67-8901" not in audit_rows


def test_export_erase_and_merge(world):
    from registry_kernel import participants
    from registry_kernel.models import Participant

    program = world.program()
    person = world.person()
    world.apply(person, program["id"], tier="pd21")
    with unit_of_work(world.registry.sessions) as session:
        participant = session.get(Participant, person.participant_id)
        sections = dict(world.registry.plugins.hook.participant_export(
            session=session, registry=world.registry, participant=participant))
        assert sections["stipends"]["applications"][0]["program_name"] == \
            "Workforce Pathways"
        assert "tin" not in repr(sections["stipends"]).replace("tin_kind", "")
    twin = world.person()
    other = world.program(name="Second")
    world.apply(twin, other["id"], tin="234-56-7890", tier="pd21")
    with unit_of_work(world.registry.sessions) as session:
        participants.merge_participants(session, world.registry,
                                        session.get(Participant, person.participant_id),
                                        session.get(Participant, twin.participant_id),
                                        actor=None, reason="same person")
    mine = world.client().get("/api/v1/me/stipend-applications",
                              headers=bearer(person.me_token)).get_json()
    assert sorted(a["program_name"] for a in mine["items"]) == ["Second", "Workforce Pathways"]
    with unit_of_work(world.registry.sessions) as session:
        participants.erase_participant(session, world.registry,
                                       session.get(Participant, person.participant_id),
                                       actor=None, reason="asked to be forgotten")
    with unit_of_work(world.registry.sessions) as session:
        left = session.execute(text(
            "SELECT tin_enc, tin_index FROM stipends_applications")).all()
        assert left == [] or all(r == (None, None) for r in left)


def test_inactive_county_refuses_applications(make_app):
    world = make_world(make_app, active=True)
    program = world.program()
    from registry_kernel import counties

    with unit_of_work(world.registry.sessions) as session:
        counties.deactivate(session, "stipends", "Alameda")
    assert world.apply(world.person(), program["id"], tier="pd21").status_code == 404


def test_eligibility_preview_per_tier(world):
    program = world.program()
    person = world.person(training_hours="18")
    preview = world.client().get(f"/api/v1/me/stipend-programs/{program['id']}/eligibility",
                                 headers=bearer(person.me_token))
    assert preview.status_code == 200
    tiers = {t["tier"]: t for t in preview.get_json()["tiers"]}
    assert tiers["hs16"]["eligible"] is True and tiers["pd21"]["eligible"] is False
    unmet = [r for r in tiers["pd21"]["results"] if not r["met"]]
    assert [r["rule"] for r in unmet] == ["tier.min_training_hours"]
    assert world.client().get("/api/v1/me/stipend-programs/999999/eligibility",
                              headers=bearer(person.me_token)).status_code == 404


def test_merge_reseals_the_taxpayer_id_under_the_survivors_key(world):
    """The merged profile's key is destroyed by the merge: its sealed ID must have been opened
    and sealed again under the survivor's key (still readable masked by staff), with the same
    blind index (duplicates still refused). Where both applied to one program, the award
    further along is kept, with its plan."""
    from registry_kernel import participants
    from registry_kernel.models import DataKey, Participant

    first, second = world.program(), world.program(name="Second")
    survivor, duplicate = world.person(), world.person()
    moved = world.apply(duplicate, first["id"], tin="345-67-8901", tier="pd21").get_json()
    kept = world.apply(duplicate, second["id"], tin="345-67-8901", tier="pd21").get_json()
    dropped = world.apply(survivor, second["id"], tin="456-78-9012", tier="hs16").get_json()
    world.admin("post", f"/api/v1/stipends/applications/{kept['id']}/decision",
                json={"decision": "approve", "reason": "ok"})
    plan = world.admin("post", f"/api/v1/stipends/applications/{kept['id']}/pathway", json={
        "title": "PD", "goals": [{"kind": "training_hours", "amount": "21"}]}).get_json()
    with unit_of_work(world.registry.sessions) as session:
        index_before = session.execute(text(
            "SELECT tin_index FROM stipends_applications WHERE id = :i"),
            {"i": moved["id"]}).scalar()
        participants.merge_participants(session, world.registry,
                                        session.get(Participant, survivor.participant_id),
                                        session.get(Participant, duplicate.participant_id),
                                        actor=None, reason="same person")
    with unit_of_work(world.registry.sessions) as session:
        assert session.get(DataKey, duplicate.participant_id) is None  # shredded
        rows = session.execute(text(
            "SELECT id, participant_id, tin_index, tin_enc FROM stipends_applications "
            "ORDER BY id")).all()
    assert {r[0] for r in rows} == {moved["id"], kept["id"]}  # the survivor's own one dropped
    assert all(r[1] == survivor.participant_id and r[3] is not None for r in rows)
    assert dict((r[0], r[2]) for r in rows)[moved["id"]] == index_before
    for application in (moved, kept):
        detail = world.admin("get", f"/api/v1/stipends/applications/{application['id']}")
        assert detail.status_code == 200 and detail.get_json()["tin_masked"] == "***-**-8901"
    assert world.admin("get", f"/api/v1/stipends/applications/{dropped['id']}"
                       ).status_code == 404
    mine = world.client().get("/api/v1/me/stipend-pathways",
                              headers=bearer(survivor.me_token)).get_json()
    assert [p["id"] for p in mine["items"]] == [plan["id"]]
    third = world.person()
    assert world.apply(third, first["id"], tin="345678901", tier="pd21").status_code == 409
    with unit_of_work(world.registry.sessions) as session:
        assert session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "stipends.merge_drop",
            AuditEvent.resource_id == str(dropped["id"]))) is not None


def test_payroll_route_where_the_program_allows_it_needs_no_taxpayer_id(world):
    strict = world.program(name="Taxpayer ID only")
    refused = world.apply(world.person(), strict["id"], tin=None, tin_kind="payroll",
                          tier="pd21")
    assert refused.status_code == 422 and "payroll" in refused.get_json()["errors"]["tin_kind"]
    missing = world.apply(world.person(), strict["id"], tin=None, tier="pd21")
    assert missing.status_code == 422 and "tin" in missing.get_json()["errors"]
    program = world.program(name="Payroll friendly", allow_payroll=True)
    assert program["allow_payroll"] is True
    person = world.person()
    applied = world.apply(person, program["id"], tin=None, tin_kind="payroll", tier="pd21")
    assert applied.status_code == 201, applied.get_json()
    assert applied.get_json()["tin_kind"] == "payroll" and "tin_masked" not in applied.get_json()
    with unit_of_work(world.registry.sessions) as session:
        row = session.execute(text("SELECT tin_enc, tin_index FROM stipends_applications "
                                   "WHERE id = :i"), {"i": applied.get_json()["id"]}).one()
        assert tuple(row) == (None, None)
    world.admin("post", f"/api/v1/stipends/applications/{applied.get_json()['id']}/decision",
                json={"decision": "approve", "reason": "ok"})
    sheet = load_workbook(io.BytesIO(world.admin(
        "get", "/api/v1/reports/stipend-payments.xlsx").data)).active
    header, row = list(sheet.iter_rows(values_only=True))
    exported = dict(zip(header, row, strict=True))
    assert exported["tin_kind"] == "payroll" and exported["tin_masked"] in ("", None)
    assert exported["pay_through_employer"] == "Sunshine Center"
    # a payroll route needs a confirmed job to pay through
    open_program = world.program(name="No job rules", allow_payroll=True, rules={},
                                 tiers=[], amount="100.00")
    jobless = world.person(confirm=False)
    no_job = world.apply(jobless, open_program["id"], tin=None, tin_kind="payroll")
    assert no_job.status_code == 422 and "confirmed current job" in str(no_job.get_json())
