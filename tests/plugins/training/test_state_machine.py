"""Property test: the enrollment state machine against a simple model.

Random sequences of enrollments and withdrawals on small events (with and without a waitlist)
must keep: seats taken == people enrolled <= capacity; nobody waits while a seat is free; the
waitlist is served first come, first served; refusals are exactly the model's.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from registry_plugins.training import services as svc
from registry_plugins.training.models import Enrollment, TrainingEvent

from registry_kernel.auth.actor import SYSTEM
from registry_kernel.db import unit_of_work, utcnow
from registry_kernel.models import Participant
from registry_kernel.testing import Factory

PEOPLE = 4


def test_enrollment_state_machine(make_app):
    factory = Factory(make_app(plugins=["training"]))
    registry = factory.registry
    org = factory.org(kind="training_sponsor")
    people = [factory.participant() for _ in range(PEOPLE)]
    with unit_of_work(registry.sessions) as session:
        training = svc.create_training(session, registry, org.id, SYSTEM, title="Model",
                                       hours="1", competency_area="PROF", language="en")
        training_id = training.id

    class Enrollments(RuleBasedStateMachine):
        @initialize(capacity=st.integers(1, 2), waitlist=st.booleans())
        def make_event(self, capacity: int, waitlist: bool) -> None:
            self.capacity, self.waitlist = capacity, waitlist
            self.status: dict[int, str] = {}
            self.queue: list[int] = []
            self.ids: dict[int, int] = {}
            with unit_of_work(registry.sessions) as session:
                start = utcnow() + timedelta(days=10)
                event = svc.create_event(
                    session, registry, session.get(svc.Training, training_id), SYSTEM,
                    starts_at=start, ends_at=start + timedelta(hours=2), capacity=capacity,
                    waitlist=waitlist, online_url="https://meet.example.org/model")
                self.event_id = event.id

        def _enrolled(self) -> int:
            return sum(1 for s in self.status.values() if s == "enrolled")

        @rule(person=st.integers(0, PEOPLE - 1))
        def enroll(self, person: int) -> None:
            current = self.status.get(person)
            if current in ("enrolled", "waitlisted"):
                expected = "conflict"
            elif self._enrolled() < self.capacity:
                expected = "enrolled"
            elif self.waitlist:
                expected = "waitlisted"
            else:
                expected = "conflict"
            session = registry.sessions()
            try:
                enrollment = svc.enroll(session, registry, self.event_id,
                                        session.get(Participant, people[person].id),
                                        actor=SYSTEM, notify=False)
                session.commit()
                outcome = enrollment.status
                self.ids[person] = enrollment.id
            except svc.Conflict:
                session.rollback()
                outcome = "conflict"
            finally:
                session.close()
            assert outcome == expected, (person, current, self.status)
            if outcome != "conflict":
                self.status[person] = outcome
                if outcome == "waitlisted":
                    self.queue.append(person)

        @rule(person=st.integers(0, PEOPLE - 1))
        def withdraw(self, person: int) -> None:
            if person not in self.ids:
                return
            current = self.status[person]
            session = registry.sessions()
            try:
                svc.withdraw(session, registry, self.ids[person], actor=SYSTEM,
                             self_service=False)
                session.commit()
                outcome = "withdrawn"
            except svc.Conflict:
                session.rollback()
                outcome = "conflict"
            finally:
                session.close()
            if current == "withdrawn":
                assert outcome == "conflict"
                return
            assert outcome == "withdrawn"
            self.status[person] = "withdrawn"
            if current == "waitlisted":
                self.queue.remove(person)
            elif self.queue:
                promoted = self.queue.pop(0)
                self.status[promoted] = "enrolled"

        @invariant()
        def matches_the_model(self) -> None:
            if not hasattr(self, "event_id"):
                return
            with unit_of_work(registry.sessions, write=False) as session:
                event = session.get(TrainingEvent, self.event_id)
                rows = {e.participant_id: e.status for e in session.query(Enrollment).filter(
                    Enrollment.event_id == self.event_id)}
            enrolled = sum(1 for s in rows.values() if s == "enrolled")
            assert event.seats_taken == enrolled <= event.capacity
            if enrolled < event.capacity:
                assert "waitlisted" not in rows.values()
            assert rows == {people[p].id: s for p, s in self.status.items()}

    Enrollments.TestCase.settings = settings(
        max_examples=40, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    Enrollments.TestCase().runTest()
