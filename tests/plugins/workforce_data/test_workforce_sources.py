"""Figures read from what other plugins contribute: verified documents (permits held and
expiring, degrees, ECE units, training certificates) and any plugin's training section of the
Education & Training Report (the ``education_report_sections`` hook)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from wf_helpers import NO_CACHE, many

from registry_kernel import clock
from registry_kernel.extension import ReportSection
from registry_kernel.hookspecs import hookimpl
from registry_kernel.testing import Factory, bearer


def verified(factory, client, staff_token, records):
    """A participant with one verified document proving ``records``."""
    from registry_plugins.documents.demo import sample_pdf

    account = factory.account("participant")
    token = factory.token(account, "me")
    pdf = sample_pdf("Transcript", ["Records"])
    response = client.post("/api/v1/me/documents", headers=bearer(token),
                           data={"type": "transcript",
                                 "file": (io.BytesIO(pdf), "t.pdf", "application/pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    response = client.post(f"/api/v1/documents/{response.get_json()['id']}/verify",
                           headers=bearer(staff_token), json=records)
    assert response.status_code == 200, response.get_json()


def records(n, expires, *, old_permit=False, renewed_from=None):
    today = clock.today()
    permits = [{"level": "teacher", "number": f"P-{n}", "issued_on": "2022-01-01",
                "expires_on": expires.isoformat()}]
    if renewed_from:  # the permit it renewed runs out soon, but the renewal does not
        permits.append({"level": "teacher", "number": f"P-was-{n}", "issued_on": "2021-01-01",
                        "expires_on": renewed_from.isoformat()})
    if old_permit:  # an expired higher permit does not count
        permits.append({"level": "program_director", "number": f"P-old-{n}",
                        "issued_on": "2010-01-01", "expires_on": "2015-01-01"})
    return {"permits": permits,
            "degrees": [{"level": "BA", "major": "Child Development", "ece_related": True,
                         "institution": "CSU", "conferred_on": "2015-06-01"}],
            "courses": [{"institution": "CSU", "course_number": "CD 1", "title": "Growth",
                         "units": "24", "unit_system": "semester", "grade": "A",
                         "completed_on": "2014-06-01", "category": "ece"}],
            "training": [{"sponsor": "R&R", "title": "First aid",
                          "completed_on": (today - timedelta(days=30)).isoformat(),
                          "hours": "6", "competency_area": "HSN"},
                         {"sponsor": "R&R", "title": "Old course",
                          "completed_on": (today - timedelta(days=400)).isoformat(),
                          "hours": "50", "competency_area": "CDL"}]}


@pytest.fixture
def factory(make_app):
    return Factory(make_app(plugins=["profile", "documents", "workforce_data"],
                            plugin_sections=NO_CACHE))


def test_permits_education_and_certificate_hours(factory):
    client = factory.app.test_client()
    staff_token = factory.token(factory.account("registry_staff"), "verification")
    soon, later = clock.today() + timedelta(days=100), clock.today() + timedelta(days=500)
    for n in range(11):
        verified(factory, client, staff_token, records(n, soon, old_permit=n == 0))
    for n in range(12):
        verified(factory, client, staff_token, records(100 + n, later, renewed_from=soon))
    body = client.get("/api/v1/workforce/statistics").get_json()
    permits = {p["group"]: p for p in body["permits"]}
    assert permits["teacher"]["held"] == 23 and permits["teacher"]["expiring"] == 11
    assert permits["program_director"]["held"] is None  # the expired one
    assert permits["program_director"]["suppressed"] is True
    tables = {t["by"]: {i["group"]: i["count"] for i in t["items"]} for t in body["tables"]}
    assert tables["degree"]["bachelor"] == 23 and tables["ece_units"]["24_plus"] == 23
    assert tables["permit_level"]["teacher"] == 23
    # the staff account's participant has no records: alone in its group, in no figure
    assert body["tables"][0]["total"] == 23
    hours = {i["group"]: i for i in body["pd_hours"]["items"]}
    assert hours["HSN"]["hours"] == "138.00" and hours["HSN"]["per_person"] == "6.00"
    assert hours["CDL"]["hours"] == "0.00"  # more than 12 months ago
    filtered = client.get("/api/v1/workforce/summary",
                          query_string={"by": "degree", "permit_level": "teacher"}).get_json()
    assert filtered["total"] == 23
    assert client.get("/api/v1/workforce/summary", query_string={
        "by": "degree", "permit_level": "wizard"}).status_code == 422


class TrainingSection:
    """A plugin contributing attended training to the Education & Training Report."""

    @hookimpl
    def education_report_sections(self, session, registry, participant):
        day = (clock.today() - timedelta(days=10)).isoformat()
        return ReportSection(key="training", title="Trainings attended", order=40,
                             data=[{"title": "Dual language", "hours": "2.5",
                                    "completed_on": day, "competency_area": "DLD"},
                                   {"title": "Untagged", "hours": "1", "completed_on": day,
                                    "competency_area": None}],
                             columns=[], rows=[])


class OtherSection:
    @hookimpl
    def education_report_sections(self, session, registry, participant):
        return ReportSection(key="memberships", title="Memberships", order=50,
                             data=[{"hours": "99", "completed_on": clock.today().isoformat()}],
                             columns=[], rows=[])


def test_pd_hours_from_contributed_training_sections(make_app):
    factory = Factory(make_app(plugins=["profile", "workforce_data"], plugin_sections=NO_CACHE,
                               extra_plugins=(TrainingSection(), OtherSection())))
    many(factory, 12, county="Fresno")
    body = factory.app.test_client().get("/api/v1/workforce/statistics").get_json()
    hours = {i["group"]: i for i in body["pd_hours"]["items"]}
    assert hours["DLD"] == {"group": "DLD", "hours": "30.00", "per_person": "2.50",
                            "suppressed": False}
    assert hours["other"]["hours"] == "12.00"  # no competency area; other sections ignored
    assert body["pd_hours"]["people"] == 12


def test_with_the_training_plugin_enabled(make_app):
    """The training plugin answers the hook (no attended events here) and names the areas."""
    factory = Factory(make_app(plugins=["profile", "training", "workforce_data"],
                               plugin_sections=NO_CACHE))
    many(factory, 11, county="Fresno")
    client = factory.app.test_client()
    body = client.get("/api/v1/workforce/statistics").get_json()
    assert body["pd_hours"]["people"] == 11
    assert all(i["hours"] == "0.00" for i in body["pd_hours"]["items"])
    html = client.get("/workforce").get_data(as_text=True)
    assert "Health, Safety, and Nutrition" in html
