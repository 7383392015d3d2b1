"""Reports built in the background: ask (202), poll, download; the same workbook as the direct
download; only the requester sees it; bad parameters, a revoked token and expiry end it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select, update

from registry_kernel import hookimpl
from registry_kernel.api import ProblemError
from registry_kernel.extension import ReportDefinition
from registry_kernel.models import AuditEvent, OAuthToken, ReportRun
from registry_kernel.testing import Factory, bearer


def people_rows(session, registry, actor, params):
    """A small report: five rows, the county asked for in each; 'Atlantis' is refused."""
    if params.get("county") == "Bug":
        raise RuntimeError("a bug in the report")
    if params.get("county") == "Atlantis":
        raise ProblemError(422, "Unprocessable Content", "the request has invalid fields",
                           {"county": "no such county"})
    return ((n, params.get("county") or "", str(params.get("from") or "")) for n in range(5))


class PeopleReport:
    @hookimpl
    def report_definitions(self):
        return [ReportDefinition(name="people", title="People", scope="reports:read",
                                 build=people_rows, columns=("n", "county", "from"))]


@pytest.fixture
def env(make_app):
    factory = Factory(make_app(plugins=[], extra_plugins=(PeopleReport(),)))
    org = factory.org()
    staff = factory.account("sponsor_manager", org=org)
    return factory, org, staff, factory.token(staff, "reports:read", org=org)


def rows_of(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def test_a_run_is_built_in_the_background_like_the_direct_download(env):
    factory, _org, _staff, token = env
    client = factory.app.test_client()
    asked = client.post("/api/v1/reports/people/runs", headers=bearer(token),
                        json={"county": "Alameda", "from": "2026-01-01"})
    assert asked.status_code == 202, asked.get_json()
    run = asked.get_json()
    assert run["status"] == "queued" and run["file_url"] is None
    assert asked.headers["Location"].endswith(f"/api/v1/report-runs/{run['id']}")
    early = client.get(f"/api/v1/report-runs/{run['id']}.xlsx", headers=bearer(token))
    assert early.status_code == 409 and "queued" in early.get_json()["detail"]

    assert factory.registry.outbox.drain().delivered >= 1  # what a worker does
    done = client.get(f"/api/v1/report-runs/{run['id']}", headers=bearer(token)).get_json()
    assert done["status"] == "done" and done["rows"] == 5 and done["error"] is None
    workbook = client.get(done["file_url"], headers=bearer(token))
    assert workbook.status_code == 200
    assert workbook.headers["Content-Disposition"] == 'attachment; filename="people.xlsx"'
    direct = client.get("/api/v1/reports/people.xlsx?county=Alameda&from=2026-01-01",
                        headers=bearer(token))
    assert rows_of(workbook.data) == rows_of(direct.data)
    assert rows_of(workbook.data)[1] == (0, "Alameda", "2026-01-01")
    listed = client.get("/api/v1/report-runs", headers=bearer(token)).get_json()["items"]
    assert [r["id"] for r in listed] == [run["id"]]
    with factory.registry.sessions() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.resource_type == "report")).all()
    assert {"report.request", "report.export", "report.download"} <= set(actions)


def test_only_the_requester_sees_the_run(env):
    factory, org, _staff, token = env
    client = factory.app.test_client()
    run = client.post("/api/v1/reports/people/runs", headers=bearer(token), json={}).get_json()
    factory.registry.outbox.drain()
    colleague = factory.account("sponsor_manager", org=org)
    other = factory.token(colleague, "reports:read", org=org)
    for path in (f"/api/v1/report-runs/{run['id']}", f"/api/v1/report-runs/{run['id']}.xlsx"):
        assert client.get(path, headers=bearer(other)).status_code == 404
    assert client.get("/api/v1/report-runs", headers=bearer(other)).get_json()["items"] == []
    no_scope = factory.token(colleague, "participants:read", org=org)
    assert client.get(f"/api/v1/report-runs/{run['id']}",
                      headers=bearer(no_scope)).status_code == 403


def test_the_workbook_is_stored_encrypted_and_bound_to_its_run(env):
    factory, _org, _staff, token = env
    client = factory.app.test_client()
    first = client.post("/api/v1/reports/people/runs", headers=bearer(token), json={}).get_json()
    second = client.post("/api/v1/reports/people/runs", headers=bearer(token),
                         json={}).get_json()
    factory.registry.outbox.drain()
    plain = client.get(f"/api/v1/report-runs/{first['id']}.xlsx", headers=bearer(token)).data
    with factory.registry.sessions() as session:
        a, b = session.get(ReportRun, first["id"]), session.get(ReportRun, second["id"])
        assert a.content != plain and plain[:2] == b"PK" and a.content[:2] != b"PK"
        session.execute(update(ReportRun).where(ReportRun.id == b.id).values(
            content=a.content, content_key=a.content_key))  # moved to another run
        session.commit()
    moved = client.get(f"/api/v1/report-runs/{second['id']}.xlsx", headers=bearer(token))
    assert moved.status_code == 500  # authentication fails: the key is bound to its run


def test_bad_parameters_end_the_run_failed_with_the_reason(env):
    factory, _org, _staff, token = env
    client = factory.app.test_client()
    run = client.post("/api/v1/reports/people/runs", headers=bearer(token),
                      json={"county": "Atlantis"}).get_json()
    factory.registry.outbox.drain()
    failed = client.get(f"/api/v1/report-runs/{run['id']}", headers=bearer(token)).get_json()
    assert failed["status"] == "failed" and "county: no such county" in failed["error"]
    download = client.get(f"/api/v1/report-runs/{run['id']}.xlsx", headers=bearer(token))
    assert download.status_code == 409 and "no such county" in download.get_json()["detail"]


def test_a_bug_in_a_report_ends_the_run_failed_instead_of_pending_for_a_week(env, caplog):
    factory, _org, _staff, token = env
    client = factory.app.test_client()
    run = client.post("/api/v1/reports/people/runs", headers=bearer(token),
                      json={"county": "Bug"}).get_json()
    factory.registry.outbox.drain()
    failed = client.get(f"/api/v1/report-runs/{run['id']}", headers=bearer(token)).get_json()
    assert failed["status"] == "failed" and "unexpected error" in failed["error"]
    assert "a bug in the report" not in failed["error"]  # the details go to the log only
    assert "a bug in the report" in caplog.text


@pytest.mark.parametrize(("body", "field"), [
    ({"from": "2026-05-01", "to": "2026-01-01"}, None),
    ({"surprise": 1}, "surprise"),
    ({"from": "yesterday"}, "from"),
])
def test_bad_bodies_are_422_and_queue_nothing(env, body, field):
    factory, _org, _staff, token = env
    response = factory.app.test_client().post("/api/v1/reports/people/runs",
                                              headers=bearer(token), json=body)
    assert response.status_code == 422, response.get_json()
    if field:
        assert field in response.get_json()["errors"]
    with factory.registry.sessions() as session:
        assert session.scalars(select(ReportRun)).all() == []


def test_an_unknown_report_is_404(env):
    factory, _org, _staff, token = env
    response = factory.app.test_client().post("/api/v1/reports/nothing/runs",
                                              headers=bearer(token), json={})
    assert response.status_code == 404


def test_a_token_revoked_before_the_build_ends_the_run(env):
    factory, _org, _staff, token = env
    client = factory.app.test_client()
    run = client.post("/api/v1/reports/people/runs", headers=bearer(token), json={}).get_json()
    with factory.registry.sessions() as session:
        session.execute(update(OAuthToken).values(revoked_at=OAuthToken.issued_at))
        session.commit()
    factory.registry.outbox.drain()
    with factory.registry.sessions() as session:
        stored = session.get(ReportRun, run["id"])
        assert stored.status == "failed" and "no longer valid" in stored.error
        assert stored.content is None


def test_a_run_outlives_its_token_but_not_its_week(env):
    factory, _org, staff, _token = env
    client = factory.app.test_client()
    short = factory.token(staff, "reports:read", org=env[1], ttl=60)
    run = client.post("/api/v1/reports/people/runs", headers=bearer(short), json={}).get_json()
    with time_machine.travel(timedelta(minutes=5)):  # the token expired before the worker ran
        factory.registry.outbox.drain()
        fresh = factory.token(staff, "reports:read", org=env[1])
        done = client.get(f"/api/v1/report-runs/{run['id']}", headers=bearer(fresh)).get_json()
        assert done["status"] == "done"
    with time_machine.travel(timedelta(days=7, minutes=1)):
        fresh = factory.token(staff, "reports:read", org=env[1])
        assert client.get(f"/api/v1/report-runs/{run['id']}",
                          headers=bearer(fresh)).status_code == 404
        client.post("/api/v1/reports/people/runs", headers=bearer(fresh), json={})
        factory.registry.outbox.drain()  # each build first deletes what has expired
        with factory.registry.sessions() as session:
            assert session.get(ReportRun, run["id"]) is None


class WriterProbe:
    """A report whose build checks that another program can write to the SQLite file while it
    runs (a worker building a long report must not hold the write lock)."""

    def __init__(self, path: str) -> None:
        self.path, self.wrote = path, None

    def rows(self, session, registry, actor, params):
        import sqlite3

        probe = sqlite3.connect(self.path, timeout=1, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            self.wrote = True
        except sqlite3.OperationalError:
            self.wrote = False
        finally:
            probe.close()
        yield (1,)

    @hookimpl
    def report_definitions(self):
        return [ReportDefinition(name="probe", title="Probe", scope="reports:read",
                                 build=self.rows, columns=("n",))]


def test_a_build_on_sqlite_leaves_the_write_lock_free(fresh_database, tmp_path):
    from sqlalchemy.engine import make_url

    from registry_kernel.app import create_app
    from registry_kernel.testing import test_settings

    url = fresh_database(plugins=[])
    if make_url(url).get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    probe = WriterProbe(make_url(url).database)
    app = create_app(test_settings(url, tmp_path / "inst", plugins=[]), extra_plugins=(probe,))
    factory = Factory(app)
    org = factory.org()
    token = factory.token(factory.account("sponsor_manager", org=org), "reports:read", org=org)
    run = app.test_client().post("/api/v1/reports/probe/runs", headers=bearer(token),
                                 json={}).get_json()
    app.extensions["registry"].outbox.drain()
    assert probe.wrote is True
    done = app.test_client().get(f"/api/v1/report-runs/{run['id']}", headers=bearer(token))
    assert done.get_json()["status"] == "done"
    app.extensions["registry"].engine.dispose()
