"""Reading requests take no write lock; what they must record still commits; a GET view that
writes without saying so fails loudly (registry_kernel.read_only)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint
from sqlalchemy import event, func, make_url, select

from registry_kernel import hookimpl
from registry_kernel.app import create_app
from registry_kernel.audit import verify_chain
from registry_kernel.models import AuditEvent, Organization
from registry_kernel.read_only import ReadOnlySessionError, mark_read_only
from registry_kernel.testing import Factory, bearer, sign_in_test_client, test_settings
from registry_kernel.web import registry_session, writes_on_get


class GetThatWrites:
    """A plugin with two GET views that add an organization: one says so, one does not."""

    @hookimpl
    def blueprints(self) -> Any:
        bp = Blueprint("get_that_writes", __name__)

        def add(name: str) -> str:
            session = registry_session()
            session.add(Organization(name=name, slug=name.lower(), kind="employer"))
            session.commit()
            return "added"

        @bp.get("/_t/quietly-writes")
        def quietly_writes() -> str:
            return add("Quiet")

        @bp.get("/_t/says-it-writes")
        @writes_on_get
        def says_it_writes() -> str:
            return add("Declared")

        @bp.get("/_t/commits-twice")
        @writes_on_get
        def commits_twice() -> str:
            add("First")
            session = registry_session()  # after a commit: a new transaction, still a writer's
            session.scalar(select(func.count()).select_from(Organization))
            return add("Second")

        return [bp]


def committing_app(fresh_database: Any, tmp_path: Path, **extra: Any) -> Any:
    """An app on a database that really commits (no test transaction around it)."""
    url = fresh_database(plugins=[])
    app = create_app(test_settings(url, tmp_path / "inst", plugins=[]), **extra)
    app.config["TESTING"] = True
    return app


def organizations_named(app: Any, name: str) -> int:
    with app.extensions["registry"].sessions() as session:
        return session.scalar(select(func.count()).where(Organization.name == name))


def test_a_get_view_that_writes_unannounced_fails_and_writes_nothing(fresh_database, tmp_path,
                                                                    caplog):
    app = committing_app(fresh_database, tmp_path, extra_plugins=(GetThatWrites(),))
    client = app.test_client()
    assert client.get("/_t/quietly-writes").status_code == 500
    assert "read-only request tried to write Organization" in caplog.text
    assert organizations_named(app, "Quiet") == 0
    assert client.get("/_t/says-it-writes").status_code == 200
    assert organizations_named(app, "Declared") == 1


def test_an_audited_read_is_committed_even_though_the_request_only_reads(fresh_database,
                                                                        tmp_path):
    app = committing_app(fresh_database, tmp_path)
    factory = Factory(app)
    person = factory.account()
    staff = factory.account("registry_staff")
    token = factory.token(staff, "participants:read")
    for _ in range(2):
        response = app.test_client().get(
            f"/api/v1/participants/{person.participant.registry_id}", headers=bearer(token))
        assert response.status_code == 200
    registry = app.extensions["registry"]
    with registry.sessions() as session:
        reads = session.scalars(select(AuditEvent).where(
            AuditEvent.subject_participant_id == person.participant_id,
            AuditEvent.action == "participant.read")).all()
        assert [r.actor_account_id for r in reads] == [staff.id, staff.id]
        assert verify_chain(session)[0]  # the side transactions kept the chain whole
    registry.engine.dispose()


def test_on_sqlite_pages_are_read_while_another_process_holds_the_write_lock(fresh_database,
                                                                            tmp_path):
    app = committing_app(fresh_database, tmp_path)
    registry = app.extensions["registry"]
    if registry.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock; PostgreSQL readers never wait for writers")
    person = Factory(app).account()
    client = sign_in_test_client(app.test_client(), person)
    assert client.get("/").status_code == 200  # warm: templates, plugin hooks
    writer = sqlite3.connect(make_url(registry.settings.database_url).database,
                             isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # e.g. a CLI import in the middle of its transaction
    answers: list[int] = []
    reader = threading.Thread(target=lambda: answers.append(client.get("/").status_code))
    try:
        reader.start()
        reader.join(timeout=10)
        assert answers == [200], "the home page waited for the write lock"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        reader.join()
    registry.engine.dispose()


def test_in_production_an_unannounced_write_is_logged_and_let_through(fresh_database, tmp_path,
                                                                     caplog):
    registry = committing_app(fresh_database, tmp_path).extensions["registry"]
    with registry.sessions() as session:
        mark_read_only(session)  # development and tests: refused
        session.add(Organization(name="Strict", slug="strict", kind="employer"))
        with pytest.raises(ReadOnlySessionError, match="tried to write Organization"):
            session.flush()
    with registry.sessions() as session:
        mark_read_only(session, strict=False)  # production
        session.add(Organization(name="Lenient", slug="lenient", kind="employer"))
        session.commit()
    assert "read-only request tried to write Organization" in caplog.text
    with registry.sessions() as session:
        names = set(session.scalars(select(Organization.name)))
    assert "Lenient" in names and "Strict" not in names
    registry.engine.dispose()


def test_a_writing_request_that_commits_part_way_stays_a_writer(fresh_database, tmp_path):
    app = committing_app(fresh_database, tmp_path, extra_plugins=(GetThatWrites(),))
    engine = app.extensions["registry"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's")
    modes: list[str] = []
    event.listen(engine, "begin",
                 lambda conn: modes.append(conn.get_execution_options().get("sqlite_begin")))
    assert app.test_client().get("/_t/commits-twice").status_code == 200
    assert modes == ["IMMEDIATE", "IMMEDIATE"]
    assert organizations_named(app, "Second") == 1
