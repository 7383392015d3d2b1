"""CSV exchange: import with matching and dry run (API and CLI), exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from registry_kernel.cli import cli
from registry_kernel.models import AuditEvent, Participant
from registry_kernel.testing import Factory, bearer

HEADER = "first_name,last_name,email,birth_date,phone,county,preferred_language\n"


@pytest.fixture
def env(make_app):
    app = make_app(plugins=["csv_exchange"])
    factory = Factory(app)
    org = factory.org(name="Valley R&R")
    token = factory.client_token(org, "participants:write participants:read")
    return app, factory, org, token


def count_participants(app) -> int:
    with app.extensions["registry"].sessions() as session:
        return session.scalar(select(func.count()).select_from(Participant))


def upload(client, token, text: str | bytes, dry_run: bool = False):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/api/v1/csv/participants/import", headers=bearer(token),
                       data={"file": (io.BytesIO(data), "people.csv"),
                             "dry_run": "true" if dry_run else "false"},
                       content_type="multipart/form-data")


def test_dry_run_then_import_matches_and_never_duplicates(env):
    app, factory, _org, token = env
    client = app.test_client()
    known = factory.participant(first_name="Mei", last_name="Chen", email="mei@example.org")
    factory.participant(first_name="Luis", last_name="Ortega", email="luis.o@example.org",
                        birth_date=date(1988, 4, 2))
    text = HEADER + (
        "Ana,Reyes,ana@example.org,1990-05-01,510-555-0101,Alameda,es\n"
        "Mei,Chen,MEI@example.org,,,,\n"                      # existing by email (any case)
        "Luis,Ortega,luis.new@example.org,1988-04-02,,,\n"    # existing by name + birth date
        "Ana,Reyes,ana@example.org,1990-05-01,,,\n"           # the same as line 2
        ",Nobody,not-an-email,1990-13-01,,,xx\n"              # errors
        "\n"
        "Kim,Lee,kim@example.org,,,Alameda,zh-Hant\n")
    before = count_participants(app)
    dry = upload(client, token, text, dry_run=True)
    assert dry.status_code == 200, dry.get_json()
    report = dry.get_json()
    assert report["dry_run"] is True
    assert [(r["line"], r["action"]) for r in report["rows"]] == [
        (2, "create"), (3, "exists"), (4, "exists"), (5, "duplicate_in_file"), (6, "error"),
        (8, "create")]
    assert report["rows"][1]["matched_on"] == "email"
    assert report["rows"][2]["matched_on"] == "name_and_birth_date"
    assert "registry_id" not in report["rows"][1]  # no relationship: no Registry ID leaked
    assert set(report["rows"][4]["errors"]) >= {"first_name", "email", "birth_date",
                                                 "preferred_language"}
    assert "line 2" in report["rows"][3]["detail"]
    assert report["counts"] == {"create": 2, "exists": 2, "duplicate_in_file": 1, "error": 1}
    assert count_participants(app) == before  # a dry run writes nothing

    real = upload(client, token, text).get_json()
    assert real["counts"] == report["counts"]
    created = [r for r in real["rows"] if r["action"] == "create"]
    assert all(r["registry_id"] for r in created)
    assert count_participants(app) == before + 2

    again = upload(client, token, text).get_json()
    assert again["counts"]["create"] == 0
    assert count_participants(app) == before + 2
    # people this organization registered are now reported with their Registry ID
    by_line = {r["line"]: r for r in again["rows"]}
    assert by_line[2]["registry_id"] == created[0]["registry_id"]
    assert "registry_id" not in by_line[3]
    assert known.registry_id not in json.dumps(again)


def test_whole_file_problems_are_clear(env):
    app, _factory, _org, token = env
    client = app.test_client()
    bad_encoding = upload(client, token, (HEADER + "José,Núñez,j@example.org,,,,\n")
                          .encode("latin-1"))
    assert bad_encoding.status_code == 422
    assert "UTF-8" in bad_encoding.get_json()["detail"]
    wrong_columns = upload(client, token, "name,mail\nAna,ana@example.org\n")
    assert wrong_columns.status_code == 422
    detail = wrong_columns.get_json()["detail"]
    assert "missing column(s): first_name, last_name, email" in detail
    assert "unknown column(s): name, mail" in detail
    assert upload(client, token, b"").status_code == 422
    bom = upload(client, token, "\ufeff" + HEADER + "Ana,Reyes,ana2@example.org,,,,\n")
    assert bom.get_json()["counts"]["create"] == 1
    no_file = client.post("/api/v1/csv/participants/import", headers=bearer(token),
                          data={"dry_run": "true"}, content_type="multipart/form-data")
    assert no_file.status_code == 422


def test_import_needs_the_write_scope(env):
    app, factory, org, _token = env
    read_only = factory.client_token(org, "participants:read")
    assert upload(app.test_client(), read_only, HEADER).status_code == 403


def test_cli_import_and_export(env, tmp_path):
    app, _factory, org, _token = env
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "Rosa,Diaz,rosa@example.org,1979-02-03,,Alameda,es\n"
                    "Bad,Row,nope,,,,\n", encoding="utf-8")
    app.extensions["registry"].plugins.hook.cli_commands(cli=cli)  # as `registry` does
    runner = CliRunner()
    dry = runner.invoke(cli, ["csv", "import", str(path), "--org", org.slug, "--dry-run"],
                        obj={"app": app})
    assert dry.exit_code == 2, dry.output  # some rows have errors
    report = json.loads(dry.stdout)
    assert report["dry_run"] is True
    assert [r["action"] for r in report["rows"]] == ["create", "error"]
    assert report["rows"][1]["line"] == 3

    path.write_text(HEADER + "Rosa,Diaz,rosa@example.org,1979-02-03,,Alameda,es\n",
                    encoding="utf-8")
    done = runner.invoke(cli, ["csv", "import", str(path), "--org", org.slug],
                         obj={"app": app})
    assert done.exit_code == 0, done.output
    registry_id = json.loads(done.stdout)["rows"][0]["registry_id"]

    out = tmp_path / "out.csv"
    exported = runner.invoke(cli, ["csv", "export", "--org", org.slug, "--output", str(out)],
                             obj={"app": app})
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows == [{"registry_id": registry_id, "first_name": "Rosa", "last_name": "Diaz",
                     "email": "rosa@example.org", "birth_date": "1979-02-03", "phone": "",
                     "county": "Alameda", "preferred_language": "es"}]

    unknown = runner.invoke(cli, ["csv", "import", str(path), "--org", "nope"],
                            obj={"app": app})
    assert unknown.exit_code != 0
    assert "no organization" in unknown.stderr


def test_api_export_is_scoped_to_the_organization_and_audited(env):
    app, factory, _org, token = env
    client = app.test_client()
    upload(client, token, HEADER + "Ana,Reyes,ana3@example.org,,,,\n")
    other = factory.org(name="Elsewhere")
    other_token = factory.client_token(other, "participants:write participants:read")
    upload(client, other_token, HEADER + "Bo,Tran,bo@example.org,,,,\n")

    response = client.get("/api/v1/csv/participants.csv", headers=bearer(token))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["email"] for r in rows] == ["ana3@example.org"]
    with app.extensions["registry"].sessions() as session:
        reads = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.reason == "CSV export by the organization"))
    assert reads == 1
    enrollments = client.get("/api/v1/csv/enrollments.csv", headers=bearer(token))
    assert enrollments.get_data(as_text=True).splitlines()[0].startswith("registry_id,event_id")


def test_enrollment_export_lists_the_sponsors_events(make_app):
    from datetime import UTC, datetime, timedelta

    app = make_app(plugins=["training", "csv_exchange"])
    factory = Factory(app)
    sponsor = factory.org(kind="training_sponsor", name="Sponsor")
    token = factory.client_token(sponsor, "training:write enrollments:write participants:read")
    client = app.test_client()
    training = client.post("/api/v1/trainings", headers=bearer(token), json={
        "title": "Story time", "hours": "3", "competency_area": "CDL", "language": "en"})
    start = datetime.now(UTC) + timedelta(days=3)
    event = client.post("/api/v1/events", headers=bearer(token), json={
        "training_id": training.get_json()["id"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(), "capacity": 5,
        "visibility": "published", "online_url": "https://meet.example.org/y"}).get_json()
    person = factory.participant(first_name="Vy", last_name="Pham")
    assert client.post(f"/api/v1/events/{event['id']}/enrollments", headers=bearer(token),
                       json={"registry_id": person.registry_id}).status_code == 201
    text = client.get("/api/v1/csv/enrollments.csv", headers=bearer(token)).get_data(
        as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["registry_id"] == person.registry_id
    assert rows[0]["training_title"] == "Story time"
    assert rows[0]["status"] == "enrolled"
    people = client.get("/api/v1/csv/participants.csv", headers=bearer(token)).get_data(
        as_text=True)
    assert "Vy,Pham" in people  # enrolled in the sponsor's event: the sponsor works with them


def test_roster_and_hours_exports(make_app, tmp_path):
    """An event's roster (names audited) and the hours granted, by API and CLI; another
    organization's event is a 404; the completion date is the event's date in California."""
    from datetime import UTC, datetime, timedelta

    from registry_plugins.training.models import TrainingEvent
    from sqlalchemy import update

    from registry_kernel.db import unit_of_work

    app = make_app(plugins=["training", "csv_exchange"])
    factory = Factory(app)
    sponsor = factory.org(kind="training_sponsor", name="Sponsor", slug="sponsor")
    token = factory.client_token(
        sponsor, "training:write training:read enrollments:write participants:read")
    client = app.test_client()
    training = client.post("/api/v1/trainings", headers=bearer(token), json={
        "title": "Story time", "hours": "2.5", "competency_area": "CDL", "language": "en"})
    start = datetime.now(UTC) + timedelta(days=3)
    event = client.post("/api/v1/events", headers=bearer(token), json={
        "training_id": training.get_json()["id"], "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat(), "capacity": 5,
        "visibility": "published", "online_url": "https://meet.example.org/y"}).get_json()
    came = factory.participant(first_name="Vy", last_name="Pham")
    missed = factory.participant(first_name="Ana", last_name="Ruiz")
    for person in (came, missed):
        assert client.post(f"/api/v1/events/{event['id']}/enrollments", headers=bearer(token),
                           json={"registry_id": person.registry_id}).status_code == 201
    # the event took place yesterday evening in California (after midnight UTC)
    evening = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 2026-03-09 18:00 in Los Angeles
    with unit_of_work(app.extensions["registry"].sessions) as session:
        session.execute(update(TrainingEvent).where(TrainingEvent.id == event["id"]).values(
            starts_at=evening, ends_at=evening + timedelta(hours=3)))
    recorded = client.post(f"/api/v1/events/{event['id']}/attendance", headers=bearer(token),
                           json={"records": [
                               {"registry_id": came.registry_id, "status": "attended"},
                               {"registry_id": missed.registry_id, "status": "no_show"}]})
    assert recorded.status_code in (200, 201), recorded.get_json()

    roster = client.get(f"/api/v1/csv/events/{event['id']}/roster.csv", headers=bearer(token))
    assert roster.status_code == 200 and roster.mimetype == "text/csv"
    rows = {r["registry_id"]: r for r in csv.DictReader(io.StringIO(roster.get_data(
        as_text=True)))}
    assert rows[came.registry_id]["first_name"] == "Vy"
    assert rows[came.registry_id]["status"] == "attended"
    assert rows[came.registry_id]["hours_granted"] == "2.50"
    assert rows[missed.registry_id]["status"] == "no_show"
    assert rows[missed.registry_id]["hours_granted"] in ("", "0", "0.00")
    with app.extensions["registry"].sessions() as session:
        audited = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.reason == f"CSV roster of training event {event['id']}"))
    assert audited == 2

    hours = list(csv.DictReader(io.StringIO(client.get(
        "/api/v1/csv/hours.csv", headers=bearer(token)).get_data(as_text=True))))
    assert hours == [{"registry_id": came.registry_id, "event_id": str(event["id"]),
                      "training_id": str(training.get_json()["id"]),
                      "training_title": "Story time", "competency_area": "CDL",
                      "completed_on": "2026-03-09", "hours": "2.50"}]

    other = factory.client_token(factory.org(name="Elsewhere"), "participants:read")
    assert client.get(f"/api/v1/csv/events/{event['id']}/roster.csv",
                      headers=bearer(other)).status_code == 404
    assert client.get("/api/v1/csv/hours.csv", headers=bearer(other)).get_data(
        as_text=True).splitlines() == [",".join(
            ("registry_id", "event_id", "training_id", "training_title", "competency_area",
             "completed_on", "hours"))]
    assert client.get("/api/v1/csv/events/999999/roster.csv",
                      headers=bearer(token)).status_code == 404

    app.extensions["registry"].plugins.hook.cli_commands(cli=cli)  # as `registry` does
    runner = CliRunner()
    obj = {"app": app}
    out = tmp_path / "roster.csv"
    result = runner.invoke(cli, ["csv", "export", "--org", "sponsor", "--what", "roster",
                                 "--event", str(event["id"]), "--output", str(out)], obj=obj)
    assert result.exit_code == 0, result.output
    assert "Vy,Pham" in out.read_text(encoding="utf-8")
    result = runner.invoke(cli, ["csv", "export", "--org", "sponsor", "--what", "hours"],
                           obj=obj)
    assert result.exit_code == 0 and "2026-03-09" in result.output
    result = runner.invoke(cli, ["csv", "export", "--org", "sponsor", "--what", "roster"],
                           obj=obj)
    assert result.exit_code != 0 and "--event" in result.output + (result.stderr or "")
