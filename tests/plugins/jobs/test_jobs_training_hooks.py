"""Enrolling staff goes through the kernel's ``training_offerings`` / ``enroll_in_training``
hooks: jobs works with any plugin that implements them, and without one the feature is absent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jobs_helpers import TestLogin, WebClient, report_employment

from registry_kernel.extension import EnrollmentOutcome, EnrollmentRefused, TrainingOffering
from registry_kernel.hookspecs import hookimpl
from registry_kernel.testing import Factory


class FakeTrainings:
    """Another vendor's trainings plugin: two offerings, a 1-seat event with a waitlist."""

    def __init__(self) -> None:
        self.enrolled: list[tuple[int, str, str]] = []

    @hookimpl
    def training_offerings(self, session, registry, limit):
        start = datetime.now(UTC) + timedelta(days=3)
        return [TrainingOffering(event_id=7, title="Outdoor Play", starts_at=start,
                                 county="Alameda", seats_left=1),
                TrainingOffering(event_id=8, title="Closed Course", starts_at=start)][:limit]

    @hookimpl
    def enroll_in_training(self, session, registry, event_id, participant, actor, source):
        if event_id != 7:
            raise EnrollmentRefused(409, "the event is full and has no waitlist")
        self.enrolled.append((event_id, participant.id, source))
        if len(self.enrolled) == 1:
            return EnrollmentOutcome(enrollment_id=1, status="enrolled")
        return EnrollmentOutcome(enrollment_id=len(self.enrolled), status="waitlisted",
                                 waitlist_position=len(self.enrolled) - 1)


def confirmed_staff(app, jf: Factory, center, admin, *names: str) -> tuple[WebClient, list[int]]:
    web = WebClient(app, admin)
    jobs = []
    for name in names:
        job = report_employment(app, jf.account(first_name=name), center)
        web.post(f"/jobs/admin/{center.id}/staff/{job}/confirm")
        jobs.append(job)
    return web, jobs


def test_any_plugin_implementing_the_hooks_takes_staff_enrollments(make_app):
    trainings = FakeTrainings()
    app = make_app(plugins=["profile", "jobs"], extra_plugins=(TestLogin(), trainings))
    jf = Factory(app)
    center = jf.org(kind="employer_center")
    admin = jf.account("program_admin", org=center)
    web, (ana, ben) = confirmed_staff(app, jf, center, admin, "Ana", "Ben")

    page = web.get(f"/jobs/admin/{center.id}/qualifications").get_data(as_text=True)
    assert "Outdoor Play" in page and "1 seats left" in page and "Closed Course" in page

    first = web.post(f"/jobs/admin/{center.id}/staff/{ana}/enroll", data={"event_id": 7},
                     follow_redirects=True).get_data(as_text=True)
    assert "Enrolled." in first
    second = web.post(f"/jobs/admin/{center.id}/staff/{ben}/enroll", data={"event_id": 7},
                      follow_redirects=True).get_data(as_text=True)
    assert "Added to the waitlist (position 1)." in second
    refused = web.post(f"/jobs/admin/{center.id}/staff/{ben}/enroll", data={"event_id": 8},
                       follow_redirects=True).get_data(as_text=True)
    assert "the event is full and has no waitlist" in refused
    assert [(event, source) for event, _pid, source in trainings.enrolled] == [
        (7, "staff"), (7, "staff")]


def test_without_a_trainings_plugin_there_is_nothing_to_enroll_in(app, jf, center, admin):
    web, (ana,) = confirmed_staff(app, jf, center, admin, "Ana")
    page = web.get(f"/jobs/admin/{center.id}/qualifications").get_data(as_text=True)
    assert "Enroll in a training" not in page
    assert web.post(f"/jobs/admin/{center.id}/staff/{ana}/enroll",
                    data={"event_id": 1}).status_code == 404
