"""Domain events: hooks inside the transaction, and again only after it commits."""

from registry_kernel import hookimpl
from registry_kernel.db import unit_of_work
from registry_kernel.participants import create_participant


class Recorder:
    def __init__(self):
        self.in_transaction = []
        self.committed = []

    @hookimpl
    def domain_event(self, session, registry, event):
        assert session.in_transaction()
        self.in_transaction.append(event)

    @hookimpl
    def domain_event_committed(self, registry, event):
        self.committed.append(event)


def test_events_fire_in_the_transaction_and_after_commit_with_ids_only(make_app):
    recorder = Recorder()
    registry = make_app(plugins=[], extra_plugins=(recorder,)).extensions["registry"]
    with unit_of_work(registry.sessions) as session:
        person = create_participant(session, registry, first_name="Eve", last_name="Ng",
                                    email="eve@example.org")
        assert [e.type for e in recorder.in_transaction] == ["participant.created"]
        assert recorder.committed == []
    assert [e.type for e in recorder.committed] == ["participant.created"]
    event = recorder.committed[0]
    assert event.data == {"registry_id": person.registry_id}
    body = event.as_json()
    assert set(body) == {"id", "type", "timestamp", "data"} and body["timestamp"].endswith("Z")


def test_a_rolled_back_change_announces_nothing(make_app):
    recorder = Recorder()
    registry = make_app(plugins=[], extra_plugins=(recorder,)).extensions["registry"]
    try:
        with unit_of_work(registry.sessions) as session:
            create_participant(session, registry, first_name="Rolled", last_name="Back",
                               email="rb@example.org")
            raise RuntimeError("fail after emitting")
    except RuntimeError:
        pass
    assert len(recorder.in_transaction) == 1 and recorder.committed == []
