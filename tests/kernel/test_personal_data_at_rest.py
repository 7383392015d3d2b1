"""The promise: no personal data in clear in the database; shredding makes it unreadable."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from registry_kernel import participants as svc
from registry_kernel.app import create_app
from registry_kernel.crypto import KeyShredded
from registry_kernel.db import unit_of_work
from registry_kernel.testing import bearer, test_settings

SECRETS = {
    "first_name": "Zenobia", "last_name": "Quistgaard", "email": "zenobia.q@example.org",
    "phone": "510-555-0199", "ssn": "123-45-6789",
}


def _all_bytes(url: str) -> bytes:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    engine = create_engine(url)
    chunks = []
    with engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname='public'"))]
        for table in tables:
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(repr(tuple(row)).encode())
    engine.dispose()
    return b"\n".join(chunks)


def test_raw_database_holds_no_plaintext_personal_data(fresh_database, tmp_path):
    url = fresh_database()
    app = create_app(test_settings(url, tmp_path / "inst", plugins=[]))
    registry = app.extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        participant = svc.create_participant(
            session, registry, first_name=SECRETS["first_name"], last_name=SECRETS["last_name"],
            email=SECRETS["email"], phone=SECRETS["phone"], ssn=SECRETS["ssn"],
            birth_date=date(1987, 3, 14), address={"street": "42 Wallaby Way", "city": "Oakland"})
        rid = participant.registry_id
    registry.outbox.drain()
    registry.engine.dispose()
    raw = _all_bytes(url)
    assert rid.encode() in raw  # we are looking at the right data
    for value in [*SECRETS.values(), "1987-03-14", "Wallaby", "123456789"]:
        assert value.encode() not in raw, f"{value!r} found in clear"
        assert value.lower().encode() not in raw


def test_shredding_makes_data_unreadable_and_frees_the_email(make_app):
    app = make_app(plugins=[])
    registry = app.extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        person = svc.create_participant(session, registry, first_name="Ana", last_name="Lee",
                                        email="ana.lee@example.org")
    with unit_of_work(registry.sessions) as session:
        person = session.merge(person)
        svc.erase_participant(session, registry, person, actor=None, reason="participant asked")
    with unit_of_work(registry.sessions) as session:
        person = session.merge(person)
        with pytest.raises(KeyShredded):
            svc.personal_data(session, registry, person)
        assert svc.find_by_email(session, registry, "ana.lee@example.org") is None
        with pytest.raises(svc.ParticipantNotFound):
            svc.get_by_registry_id(session, person.registry_id)


def test_key_rotation_rewraps_without_rewriting_data(fresh_database, tmp_path):
    from registry_kernel.crypto import generate_key_text
    from registry_kernel.models import DataKey, Participant

    url = fresh_database()
    first = f"old:{generate_key_text()}"
    app = create_app(test_settings(url, tmp_path / "inst", master_key=first, plugins=[]))
    registry = app.extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        person = svc.create_participant(session, registry, first_name="Rot", last_name="Ate",
                                        email="rot@example.org")
        pid = person.id
    with registry.sessions() as session:
        before = session.get(Participant, pid).first_name_enc
    registry.engine.dispose()
    rotated = create_app(test_settings(url, tmp_path / "inst",
                                       master_key=f"new:{generate_key_text()},{first}", plugins=[]))
    reg2 = rotated.extensions["registry"]
    with reg2.sessions() as session:
        assert reg2.vault.rewrap_all(session) == 1
    with reg2.sessions() as session:
        assert session.get(DataKey, pid).kek_id == "new"
        participant = session.get(Participant, pid)
        assert participant.first_name_enc == before
        assert svc.personal_data(session, reg2, participant).first_name == "Rot"
    reg2.engine.dispose()


def test_reads_by_others_are_audited_but_own_reads_are_not(factory):
    from sqlalchemy import select

    from registry_kernel.models import AuditEvent

    person = factory.account()
    staff = factory.account("registry_staff")
    client = factory.app.test_client()
    client.get("/api/v1/me", headers=bearer(factory.token(person, "me")))
    client.get(f"/api/v1/participants/{person.participant.registry_id}",
               headers=bearer(factory.token(staff, "participants:read")))
    with factory.registry.sessions() as session:
        reads = session.scalars(select(AuditEvent).where(
            AuditEvent.subject_participant_id == person.participant_id,
            AuditEvent.action == "participant.read")).all()
    assert len(reads) == 1
    assert reads[0].actor_account_id == staff.id and reads[0].actor_role == "registry_staff"
    assert "first_name" in reads[0].fields
