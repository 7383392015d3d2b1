"""The verification queue: staff only, oldest first, filters, claims, verify, reject."""

from __future__ import annotations

from datetime import timedelta

from documents_helpers import COURSE, bearer
from registry_plugins.documents.models import Document
from sqlalchemy import select

from registry_kernel.db import unit_of_work, utcnow
from registry_kernel.models import AuditEvent


def _age(world, document_id: str, days: int) -> None:
    with unit_of_work(world.registry.sessions) as session:
        session.get(Document, document_id).uploaded_at = utcnow() - timedelta(days=days)


def test_queue_is_staff_only(world):
    client = world.client()
    assert client.get("/api/v1/verification-queue").status_code == 401
    me_only = world.factory.token(world.staff, "me")
    assert client.get("/api/v1/verification-queue", headers=bearer(me_only)).status_code == 403
    help_desk = world.factory.account("help_desk")
    # the verification scope is only for registry staff
    try:
        world.factory.token(help_desk, "verification")
        raise AssertionError("help desk got the verification scope")
    except ValueError:
        pass


def test_queue_oldest_first_with_filters_and_stats(world):
    newest = world.upload().get_json()["id"]
    oldest = world.upload(type="degree").get_json()["id"]
    other = world.factory.account("participant", county="Fresno")
    fresno = world.upload(token=world.factory.token(other, "me")).get_json()["id"]
    _age(world, oldest, 20)
    _age(world, fresno, 10)
    client = world.client()
    page = client.get("/api/v1/verification-queue", headers=bearer(world.staff_token)).get_json()
    ids = [item["id"] for item in page["items"]]
    assert ids.index(oldest) < ids.index(fresno) < ids.index(newest)
    first = next(item for item in page["items"] if item["id"] == oldest)
    assert first["waiting_days"] == 20 and first["county"] == "Alameda"
    assert first["registry_id"] == world.participant.participant.registry_id
    assert page["stats"]["waiting"] >= 3 and page["stats"]["oldest_waiting_days"] >= 20

    def ids_for(query: str) -> list[str]:
        response = client.get(f"/api/v1/verification-queue?{query}",
                              headers=bearer(world.staff_token))
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert oldest in ids_for("type=degree") and newest not in ids_for("type=degree")
    assert ids_for("county=fresno") == [fresno]
    waited = ids_for("min_waiting_days=15")
    assert oldest in waited and fresno not in waited and newest not in waited
    assert client.get("/api/v1/verification-queue?type=selfie",
                      headers=bearer(world.staff_token)).status_code == 422


def test_verify_creates_records_emails_and_emits(world):
    events = []

    class Listener:
        from registry_kernel.hookspecs import hookimpl

        @hookimpl
        def domain_event(self, session, registry, event):
            events.append(event)

    world.registry.plugins.register(Listener())
    document_id = world.upload().get_json()["id"]
    response = world.verify(document_id, {
        "courses": [COURSE, {**COURSE, "course_number": "ENGL 1A", "title": "Composition",
                             "category": "ge", "ge_area": "english", "core_area": None,
                             "grade": "b+"}],
        "degrees": [{"level": "AA", "major": "Child Development", "ece_related": True,
                     "institution": "Laney College", "conferred_on": "2021-05-30"}],
        "permits": [{"level": "teacher", "number": "CDP-9", "issued_on": "2022-01-01",
                     "expires_on": "2027-01-01"}],
        "credentials": [{"type": "cda", "number": "CDA-1", "issued_on": "2020-01-01"}],
        "training": [{"sponsor": "R&R", "title": "Safe Sleep", "completed_on": "2023-03-01",
                      "hours": "2.5", "competency_area": "HSN"}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "verified"
    assert response.get_json()["records"]["courses"] == 2
    doc = world.client().get(f"/api/v1/me/documents/{document_id}",
                             headers=bearer(world.token)).get_json()
    assert doc["status"] == "verified"
    verified = [e for e in events if e.type == "document.verified"]
    assert len(verified) == 1
    assert verified[0].data == {"document_id": document_id, "type": "transcript",
                                "registry_id": world.participant.participant.registry_id}
    world.registry.outbox.drain()
    subjects = [m["Subject"] for m in world.registry.sent_mail]
    assert "Your document was verified" in subjects
    report = world.client().get("/api/v1/me/education-report",
                                headers=bearer(world.token)).get_json()
    assert [c["course_number"] for c in report["courses"]] == ["CHDEV 50", "ENGL 1A"]
    assert report["courses"][1]["grade"] == "B+"
    assert report["degrees"][0]["level"] == "AA"
    assert {p["kind"] for p in report["permits"]} == {"cd_permit", "cda"}
    assert report["training"][0]["hours"] == "2.50"


def test_verifying_twice_is_409(world):
    document_id = world.upload().get_json()["id"]
    assert world.verify(document_id, {"courses": [COURSE]}).status_code == 200
    again = world.verify(document_id, {"courses": [COURSE]})
    assert again.status_code == 409
    assert "already verified" in again.get_json()["detail"]
    report = world.client().get("/api/v1/me/education-report",
                                headers=bearer(world.token)).get_json()
    assert len(report["courses"]) == 1


def test_bad_records_are_422_and_nothing_is_stored(world):
    document_id = world.upload().get_json()["id"]
    response = world.verify(document_id, {"courses": [
        {**COURSE, "grade": "Z"}, {**COURSE, "units": "-1"}, {**COURSE, "unit_system": "trimester"}],
        "permits": [{"level": "teacher", "number": "1", "issued_on": "2022-01-01",
                     "expires_on": "2020-01-01"}], "surprise": []})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "courses.0.grade" in errors and "courses.1.units" in errors
    assert "courses.2.unit_system" in errors and "surprise" in errors
    assert any(key.startswith("permits.0") for key in errors)
    doc = world.client().get(f"/api/v1/me/documents/{document_id}",
                             headers=bearer(world.token)).get_json()
    assert doc["status"] == "unverified"


def test_claims_keep_two_staff_apart(world):
    document_id = world.upload().get_json()["id"]
    other_staff = world.factory.account("registry_staff")
    other_token = world.factory.token(other_staff, "verification")
    client = world.client()
    claim = client.post(f"/api/v1/documents/{document_id}/claim",
                        headers=bearer(world.staff_token))
    assert claim.status_code == 200
    assert client.post(f"/api/v1/documents/{document_id}/claim",
                       headers=bearer(other_token)).status_code == 409
    assert world.verify(document_id, {"courses": [COURSE]}, token=other_token).status_code == 409
    assert client.delete(f"/api/v1/documents/{document_id}/claim",
                         headers=bearer(world.staff_token)).status_code == 204
    assert world.verify(document_id, {"courses": [COURSE]}, token=other_token).status_code == 200


def test_reject_with_reason_emails_the_participant(world):
    document_id = world.upload().get_json()["id"]
    client = world.client()
    assert client.post(f"/api/v1/documents/{document_id}/reject", headers=bearer(world.staff_token),
                       json={}).status_code == 422
    response = client.post(f"/api/v1/documents/{document_id}/reject",
                           headers=bearer(world.staff_token),
                           json={"reason": "The scan is unreadable; please upload a clearer copy."})
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"
    world.registry.outbox.drain()
    mail = [m for m in world.registry.sent_mail if m["Subject"] == "Please resubmit your document"]
    assert len(mail) == 1
    assert "clearer copy" in mail[0].get_content()
    doc = client.get(f"/api/v1/me/documents/{document_id}", headers=bearer(world.token)).get_json()
    assert doc["status"] == "rejected" and doc["reject_reason"].startswith("The scan")
    assert world.verify(document_id, {"courses": [COURSE]}).status_code == 409
    # a rejected document may be deleted and uploaded again
    assert client.delete(f"/api/v1/me/documents/{document_id}",
                         headers=bearer(world.token)).status_code == 204


def test_staff_reading_a_file_is_audited(world):
    document_id = world.upload().get_json()["id"]
    response = world.client().get(f"/api/v1/documents/{document_id}/file",
                                  headers=bearer(world.staff_token))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    with world.registry.sessions() as session:
        rows = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "document.file.read",
            AuditEvent.resource_id == document_id)).all()
    assert len(rows) == 1
    assert rows[0].actor_account_id == world.staff.id
    assert rows[0].subject_participant_id == world.participant.participant_id


def test_owner_reading_own_file_is_not_audited(world):
    document_id = world.upload().get_json()["id"]
    world.client().get(f"/api/v1/me/documents/{document_id}/file", headers=bearer(world.token))
    with world.registry.sessions() as session:
        assert session.scalar(select(AuditEvent).where(
            AuditEvent.action == "document.file.read")) is None


def test_staff_upload_on_behalf_and_course_suggestions(world):
    import io

    from documents_helpers import pdf_bytes

    rid = world.participant.participant.registry_id
    response = world.client().post(
        f"/api/v1/participants/{rid}/documents", headers=bearer(world.staff_token),
        data={"type": "transcript", "file": (io.BytesIO(pdf_bytes()), "mailed.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    document_id = response.get_json()["id"]
    mine = world.client().get("/api/v1/me/documents", headers=bearer(world.token)).get_json()
    assert [d["id"] for d in mine["items"]] == [document_id]
    assert world.verify(document_id, {"courses": [COURSE]}).status_code == 200
    suggestions = world.client().get(
        "/api/v1/verification/course-suggestions?institution=laney%20college",
        headers=bearer(world.staff_token)).get_json()["items"]
    assert suggestions[0]["course_number"] == "CHDEV 50"
    assert suggestions[0]["units"] == "3.00"


def test_unknown_document_is_404(world):
    assert world.verify("no-such-id", {"courses": [COURSE]}).status_code == 404
