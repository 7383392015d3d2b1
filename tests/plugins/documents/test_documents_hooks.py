"""Hooks: export, erase, merge, demo data, declared permissions/scopes/events, and the plugin
running alone."""

from __future__ import annotations

from documents_helpers import COURSE, bearer, pdf_bytes
from registry_plugins.documents import services as svc
from registry_plugins.documents.models import Course, Document
from sqlalchemy import func, select

from registry_kernel import participants as participant_svc
from registry_kernel.auth.actor import SYSTEM
from registry_kernel.db import unit_of_work
from registry_kernel.models import Participant


def test_declares_scope_permission_and_event(world):
    registry = world.registry
    assert registry.scopes["verification"].roles == ("registry_staff",)
    assert registry.permission_roles["documents.verify"] == ("registry_staff",)
    assert "document.verified" in registry.event_types


def test_unknown_config_is_a_startup_error(make_app):
    import pytest

    from registry_kernel.config import ConfigError

    with pytest.raises(ConfigError, match="plugins.documents"):
        make_app(plugins=["documents"], plugin_sections={"documents": {"max_upload": 5}})


def test_export_lists_documents_and_records(world):
    document_id = world.upload(filename="transcript.pdf").get_json()["id"]
    world.verify(document_id, {"courses": [COURSE]})
    with world.registry.sessions() as session:
        person = session.get(Participant, world.participant.participant_id)
        sections = dict(world.registry.plugins.hook.participant_export(
            session=session, registry=world.registry, participant=person))
    exported = sections["documents"]
    assert exported["documents"][0]["id"] == document_id
    assert exported["documents"][0]["filename"] == "transcript.pdf"
    assert exported["documents"][0]["sha256"]
    assert exported["courses"][0]["course_number"] == "CHDEV 50"


def test_erase_deletes_files_and_rows(world):
    document_id = world.upload().get_json()["id"]
    world.verify(document_id, {"courses": [COURSE]})
    with world.registry.sessions() as session:
        address = session.get(Document, document_id).blob
    storage = svc.storage_for(world.registry)
    assert storage.exists(address)
    with unit_of_work(world.registry.sessions) as session:
        person = session.get(Participant, world.participant.participant_id)
        participant_svc.erase_participant(session, world.registry, person, actor=SYSTEM,
                                          reason="right to erasure")
    assert not storage.exists(address)
    with world.registry.sessions() as session:
        pid = world.participant.participant_id
        assert session.scalar(select(func.count(Document.id)).where(
            Document.participant_id == pid)) == 0
        assert session.scalar(select(func.count(Course.id)).where(
            Course.participant_id == pid)) == 0


def test_merge_moves_documents_and_reseals_files(world):
    duplicate = world.factory.account("participant")
    dup_token = world.factory.token(duplicate, "me")
    data = pdf_bytes("from the duplicate profile")
    document_id = world.upload(data, token=dup_token).get_json()["id"]
    world.verify(document_id, {"courses": [COURSE]})
    with unit_of_work(world.registry.sessions) as session:
        survivor = session.get(Participant, world.participant.participant_id)
        merged = session.get(Participant, duplicate.participant_id)
        participant_svc.merge_participants(session, world.registry, survivor, merged,
                                           actor=SYSTEM, reason="duplicate")
    client = world.client()
    mine = client.get("/api/v1/me/documents", headers=bearer(world.token)).get_json()
    assert [d["id"] for d in mine["items"]] == [document_id]
    download = client.get(f"/api/v1/me/documents/{document_id}/file",
                          headers=bearer(world.token))
    assert download.status_code == 200 and download.data == data
    report = client.get("/api/v1/me/education-report", headers=bearer(world.token)).get_json()
    assert report["totals"]["ece_units"] == "3.00"


def test_demo_data_verified_records_and_one_waiting(make_app):
    from registry_kernel.demo import load_demo

    app = make_app(plugins=["documents"])
    registry = app.extensions["registry"]
    load_demo(registry)
    with registry.sessions() as session:
        from registry_kernel.accounts import account_by_email

        account = account_by_email(session, registry, "maria.lopez@demo.registry.test")
        person = session.get(Participant, account.participant_id)
        statuses = sorted(d.status for d in svc.own_documents(session, person.id))
        report = svc.build_report(session, registry, person)
    assert statuses == ["unverified", "verified", "verified"]
    assert report["totals"]["ece_units"] == "12.00"  # 3 + 3 + 3 + 4.5 quarter (= 3.00)
    assert report["totals"]["ge_units"] == "4.00"  # the D in statistics is not shown
    assert report["permits"][0]["number"] == "CDP-2104417"


def test_verified_education_for_other_plugins(world):
    document_id = world.upload().get_json()["id"]
    world.verify(document_id, {
        "courses": [COURSE, {**COURSE, "course_number": "CD 2", "grade": "C-",
                             "core_area": "curriculum"}],
        "degrees": [{"level": "BA", "major": "Child Development", "ece_related": True,
                     "institution": "SFSU", "conferred_on": "2018-05-01"},
                    {"level": "AA", "major": "General", "institution": "Laney",
                     "conferred_on": "2014-05-01"}],
        "permits": [{"level": "site_supervisor", "number": "P1", "issued_on": "2020-01-01",
                     "expires_on": "2099-01-01"}],
        "training": [{"sponsor": "S", "title": "T", "completed_on": "2024-01-01", "hours": "21",
                      "competency_area": "PROF"}]})
    with world.registry.sessions() as session:
        education = svc.verified_education(session, world.participant.participant_id)
    assert str(education.ece_units) == "3.00"  # C- is below the permit threshold (C)
    assert education.core_areas == {"child_growth"}
    assert education.highest_degree() == "BA"
    assert education.current_permit_levels() == ["site_supervisor"]
    assert str(education.training_hours) == "21.00"


def test_portfolio_zip_holds_record_report_and_files(world):
    import io
    import json
    import zipfile

    data = pdf_bytes("my permit")
    document_id = world.upload(data, filename="permit scan.pdf").get_json()["id"]
    world.verify(document_id, {"courses": [COURSE]})
    response = world.client().get("/api/v1/me/portfolio.zip", headers=bearer(world.token))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {"manifest.json", "record.json", "education-report.pdf", "education-report.json",
            "README.txt"} <= names
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "open-ece-registry-portfolio" and manifest["version"] == 1
    assert manifest["registry_id"] == world.participant.participant.registry_id
    [entry] = manifest["files"]
    assert archive.read(entry["path"]) == data
    assert entry["path"] == f"documents/{document_id}-permit scan.pdf"
    record = json.loads(archive.read("record.json"))
    assert record["participant"]["first_name"]
    assert record["documents"]["courses"][0]["course_number"] == "CHDEV 50"
    assert archive.read("education-report.pdf").startswith(b"%PDF")
    report = json.loads(archive.read("education-report.json"))
    assert report["totals"]["ece_units"] == "3.00"
    code = manifest["report_verification_code"]
    assert world.app.test_client().get(f"/api/v1/report-verifications/{code}").status_code == 200


def test_works_beside_every_built_in_plugin(make_app):
    from documents_helpers import make_world

    world = make_world(make_app, plugins=None)
    document_id = world.upload().get_json()["id"]
    assert world.verify(document_id, {"courses": [COURSE]}).status_code == 200
    client = world.client()
    report = client.get("/api/v1/me/education-report", headers=bearer(world.token))
    assert report.status_code == 200 and report.get_json()["totals"]["ece_units"] == "3.00"
    assert client.get("/api/v1/me/education-report.pdf",
                      headers=bearer(world.token)).data.startswith(b"%PDF")
    assert client.get("/api/v1/me/portfolio.zip",
                      headers=bearer(world.token)).status_code == 200


def test_hidden_documents_are_not_listed_for_employers(world):
    shown = world.upload().get_json()["id"]
    hidden = world.upload(hidden_from_employers="true").get_json()["id"]
    waiting = world.upload().get_json()["id"]
    for document_id in (shown, hidden):
        world.verify(document_id, {"courses": [COURSE]})
    with world.registry.sessions() as session:
        listed = svc.documents_for_employers(session, world.participant.participant_id)
    assert [d["id"] for d in listed] == [shown]
    assert waiting not in [d["id"] for d in listed]


def test_openapi_describes_the_documents_api(world):
    document = world.client().get("/api/v1/openapi.json").get_json()
    upload = document["paths"]["/api/v1/me/documents"]["post"]
    schema = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"file", "type", "level", "number", "issued_on", "expires_on"} <= set(schema["properties"])
    assert {"413", "415", "422"} <= set(upload["responses"])
    verify = document["paths"]["/api/v1/documents/{document_id}/verify"]["post"]
    assert verify["security"] == [{"oauth2": ["verification"]}]
    for path in ("/api/v1/verification-queue", "/api/v1/documents/{document_id}/reject",
                 "/api/v1/me/education-report", "/api/v1/me/education-report.pdf"):
        assert path in document["paths"], path
