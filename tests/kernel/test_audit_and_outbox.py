"""Audit hash chain and the transactional outbox."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from registry_kernel import audit, hookimpl
from registry_kernel.app import create_app
from registry_kernel.db import unit_of_work, utcnow
from registry_kernel.models import AuditEvent, OutboxMessage
from registry_kernel.outbox import enqueue


def test_audit_chain_verifies_and_detects_tampering(make_app):
    registry = make_app(plugins=[]).extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        for n in range(5):
            audit.record(session, actor=None, action="test.event", resource_id=n,
                         fields=["first_name"], reason="testing")
    with registry.sessions() as session:
        intact, checked, broken = audit.verify_chain(session)
        assert intact and checked >= 5 and broken is None
        target = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(3)).all()[-1]
        session.execute(update(AuditEvent).where(AuditEvent.id == target.id)
                        .values(reason="edited later"))
        session.flush()
        intact, _, broken = audit.verify_chain(session)
        assert not intact and broken == target.id
        session.rollback()


def test_an_event_recorded_in_a_rolled_back_savepoint_is_dropped_with_it(make_app):
    registry = make_app(plugins=[]).extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        audit.record(session, actor=None, action="test.kept", resource_id="before")
        with pytest.raises(LookupError), session.begin_nested():
            audit.record(session, actor=None, action="test.undone", resource_id="inner")
            raise LookupError("the change this event records failed")
        with session.begin_nested():
            audit.record(session, actor=None, action="test.kept", resource_id="after")
    with registry.sessions() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action.like("test.%"))
                               .order_by(AuditEvent.id)).all()
        assert [(r.action, r.resource_id) for r in rows] == [("test.kept", "before"),
                                                             ("test.kept", "after")]
        assert rows[1].prev_hash == rows[0].row_hash
        assert audit.verify_chain(session)[0]


def test_an_event_of_a_session_closed_without_commit_is_never_written(make_app):
    registry = make_app(plugins=[]).extensions["registry"]
    session = registry.sessions()
    audit.record(session, actor=None, action="test.abandoned")
    session.close()
    with session.begin():  # the same session, used again
        audit.record(session, actor=None, action="test.committed")
    with registry.sessions() as reader:
        assert reader.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("test.%"))).all() == ["test.committed"]


def test_audited_transactions_run_side_by_side_until_they_commit(fresh_database, tmp_path):
    """Recording an event does not hold the chain's lock: a second audited transaction commits
    while the first is still open, and the chain links them in commit order."""
    app = create_app({"database_url": fresh_database(plugins=[]), "plugins": [],
                      "instance_path": str(tmp_path / "instance"), "quiet_dev_keys": True})
    registry = app.extensions["registry"]
    try:
        if registry.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has one writer at a time anyway")
        with registry.sessions() as first:
            audit.record(first, actor=None, action="test.slow", resource_id=1)
            first.flush()  # the slow transaction is under way
            with registry.sessions() as second:
                second.execute(text("SET LOCAL lock_timeout = '3s'"))
                audit.record(second, actor=None, action="test.quick", resource_id=2)
                second.commit()  # before: waited for the first's chain lock, timed out
            first.commit()
        with registry.sessions() as session:
            actions = session.scalars(select(AuditEvent.action).where(
                AuditEvent.action.like("test.%")).order_by(AuditEvent.id)).all()
            assert actions == ["test.quick", "test.slow"]
            assert audit.verify_chain(session)[0]
    finally:
        registry.engine.dispose()


def test_audit_rows_hold_field_names_never_values(factory):
    person = factory.participant(first_name="Quintessa")
    with factory.registry.sessions() as session:
        rows = session.scalars(select(AuditEvent).where(
            AuditEvent.subject_participant_id == person.id)).all()
    assert rows and all("Quintessa" not in repr((r.fields, r.reason, r.resource_id)) for r in rows)
    assert "first_name" in rows[0].fields


class FlakyReceiver:
    """An outbox handler that fails twice, then succeeds."""

    def __init__(self):
        self.calls = []

    @hookimpl
    def outbox_handlers(self):
        return {"flaky": self.deliver}

    def deliver(self, registry, message):
        self.calls.append(message.message_id)
        if len(self.calls) < 3:
            raise ConnectionError("receiver down")


def _make_due(registry):
    with unit_of_work(registry.sessions) as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(1)))


def test_outbox_retries_with_backoff_and_keeps_one_message_id(make_app):
    receiver = FlakyReceiver()
    registry = make_app(plugins=[], extra_plugins=(receiver,)).extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        enqueue(session, "flaky", {"n": 1})
    first = registry.outbox.drain()
    assert (first.delivered, first.retried) == (0, 1)
    with registry.sessions() as session:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "flaky"))
        assert message.status == "pending" and message.attempts == 1
        assert message.next_attempt_at > utcnow() + timedelta(seconds=10)  # backing off
        assert "receiver down" in message.last_error
    assert registry.outbox.drain().delivered == 0  # not due yet
    _make_due(registry)
    registry.outbox.drain()
    _make_due(registry)
    assert registry.outbox.drain().delivered == 1
    assert len(set(receiver.calls)) == 1 and len(receiver.calls) == 3
    with registry.sessions() as session:
        assert session.scalar(select(OutboxMessage.status).where(
            OutboxMessage.kind == "flaky")) == "done"


def test_outbox_rows_roll_back_with_their_cause(make_app):
    registry = make_app(plugins=[]).extensions["registry"]
    try:
        with unit_of_work(registry.sessions) as session:
            enqueue(session, "mail", {"x": 1})
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    with registry.sessions() as session:
        assert session.scalar(select(OutboxMessage.id)) is None


def test_mail_is_sealed_in_the_outbox_and_delivered(factory):
    from registry_kernel.mail import send_mail

    person = factory.participant(email="sealed@example.org")
    with unit_of_work(factory.registry.sessions) as session:
        send_mail(session, factory.registry, participant_id=person.id, to="sealed@example.org",
                  subject="Your Registry ID", text="Hello Sealed Person")
    with factory.registry.sessions() as session:
        payloads = [m.payload for m in session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "mail"))]
    assert payloads and all("sealed@example.org" not in str(p) for p in payloads)
    factory.registry.outbox.drain()
    sent = [m for m in factory.registry.sent_mail if m["To"] == "sealed@example.org"]
    assert sent and "Hello Sealed Person" in sent[0].get_content()
