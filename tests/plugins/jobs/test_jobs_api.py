"""The Job Board API: posting (jobs:write, program administrators and the program's own agency
client) and the public search; bad input is a 422 naming the fields."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jobs_helpers import post_job, posting

from registry_kernel import clock
from registry_kernel.db import unit_of_work
from registry_kernel.testing import bearer


def test_post_and_find_a_job(app, admin_token, center):
    response = post_job(app, admin_token, age_groups=["preschool"], required_permit="teacher")
    assert response.status_code == 201, response.get_json()
    job_id = response.get_json()["id"]
    found = app.test_client().get("/api/v1/jobs?q=preschool&county=Alameda&position=teacher")
    assert found.status_code == 200
    body = found.get_json()
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 20)
    item = body["items"][0]
    assert item["id"] == job_id and item["employer"] == "Sunshine Learning Center"
    assert item["pay_min"] == "22.00" and item["pay_max"] == "27.50"
    assert item["age_groups"] == ["preschool"] and item["required_permit"] == "teacher"
    assert item["program_type"] == "center" and item["status"] == "open"
    detail = app.test_client().get(f"/api/v1/jobs/{job_id}")
    assert detail.status_code == 200 and detail.get_json()["title"] == "Preschool Teacher"


def test_filters_and_pagination(app, admin_token):
    for n in range(3):
        assert post_job(app, admin_token, title=f"Teacher {n}").status_code == 201
    assert post_job(app, admin_token, title="Cook", position="support_staff",
                    county="Los Angeles", city="Pasadena",
                    schedule="part_time").status_code == 201
    client = app.test_client()
    assert client.get("/api/v1/jobs").get_json()["total"] == 4
    assert client.get("/api/v1/jobs?county=los angeles").get_json()["total"] == 1
    assert client.get("/api/v1/jobs?position=teacher").get_json()["total"] == 3
    assert client.get("/api/v1/jobs?schedule=part_time").get_json()["total"] == 1
    assert client.get("/api/v1/jobs?q=cook pasadena").get_json()["total"] == 1
    assert client.get("/api/v1/jobs?q=nothing-like-this").get_json()["total"] == 0
    page = client.get("/api/v1/jobs?position=teacher&per_page=2&page=2").get_json()
    assert (page["total"], len(page["items"]), page["page"]) == (3, 1, 2)
    bad = client.get("/api/v1/jobs?position=chef")
    assert bad.status_code == 422 and "position" in bad.get_json()["errors"]


def test_expired_and_closed_postings_leave_search(app, jf, admin_token):
    from registry_plugins.jobs.models import JobPosting

    old = post_job(app, admin_token, title="Old job").get_json()["id"]
    closed = post_job(app, admin_token, title="Closed job").get_json()["id"]
    with unit_of_work(jf.registry.sessions) as session:  # time passes
        session.get(JobPosting, old).closing_date = clock.today() - timedelta(days=2)
    response = app.test_client().patch(f"/api/v1/jobs/{closed}", json={"status": "closed"},
                                       headers=bearer(admin_token))
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    assert app.test_client().get("/api/v1/jobs").get_json()["total"] == 0
    assert app.test_client().get(f"/api/v1/jobs/{old}").status_code == 404
    assert app.test_client().get(f"/api/v1/jobs/{closed}").status_code == 404
    again = app.test_client().patch(f"/api/v1/jobs/{closed}", json={"title": "x"},
                                    headers=bearer(admin_token))
    assert again.status_code == 409


@pytest.mark.parametrize(("overrides", "field"), [
    ({"pay_min": "30.00", "pay_max": "20.00"}, "pay_max"),
    ({"closing_date": (clock.today() - timedelta(days=1)).isoformat()}, "closing_date"),
    ({"position": "chef"}, "position"),
    ({"schedule": "weekends"}, "schedule"),
    ({"county": "Atlantis"}, "county"),
    ({"pay_min": "-1"}, "pay_min"),
    ({"title": ""}, "title"),
    ({"salary": "lots"}, "salary"),
    ({"age_groups": ["teens"]}, "age_groups.0"),
    ({"required_permit": "wizard"}, "required_permit"),
])
def test_bad_postings_are_422_naming_the_field(app, admin_token, overrides, field):
    response = post_job(app, admin_token, **overrides)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert app.test_client().get("/api/v1/jobs").get_json()["total"] == 0


def test_missing_fields_named(app, admin_token):
    response = app.test_client().post("/api/v1/jobs", json={"title": "x"},
                                      headers=bearer(admin_token))
    assert response.status_code == 422
    assert {"position", "county", "city", "schedule", "pay_min", "pay_max", "description",
            "closing_date"} <= set(response.get_json()["errors"])


def test_html_is_stored_and_returned_as_plain_text(app, admin_token):
    script = "<script>alert('x')</script> Great job"
    job_id = post_job(app, admin_token, description=script).get_json()["id"]
    assert app.test_client().get(f"/api/v1/jobs/{job_id}").get_json()["description"] == script
    page = app.test_client().get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_who_may_post(app, jf, center):
    client = app.test_client()
    assert client.post("/api/v1/jobs", json=posting()).status_code == 401
    person = jf.account()
    with pytest.raises(ValueError):  # a participant cannot even get a jobs:write token
        jf.token(person, "jobs:write")
    me_token = jf.token(person, "me")
    assert client.post("/api/v1/jobs", json=posting(),
                       headers=bearer(me_token)).status_code == 403


def test_agency_client_posts_for_its_own_program(app, jf, center):
    token = jf.client_token(center, "jobs:write")
    response = post_job(app, token)
    assert response.status_code == 201, response.get_json()
    job = app.test_client().get(f"/api/v1/jobs/{response.get_json()['id']}").get_json()
    assert job["organization_id"] == center.id
    # a sponsor's client cannot post jobs
    sponsor = jf.org(kind="training_sponsor")
    other = jf.client_token(sponsor, "jobs:write")
    assert post_job(app, other).status_code == 403


def test_another_programs_posting_is_404(app, jf, admin_token):
    job_id = post_job(app, admin_token).get_json()["id"]
    other_org = jf.org(kind="employer_fcc", license_number="999")
    other_admin = jf.account("program_admin", org=other_org)
    other_token = jf.token(other_admin, "jobs:write", org=other_org)
    response = app.test_client().patch(f"/api/v1/jobs/{job_id}", json={"status": "closed"},
                                       headers=bearer(other_token))
    assert response.status_code == 404
    assert app.test_client().get(f"/api/v1/programs/{jf_id(admin_token, app)}/jobs",
                                 headers=bearer(other_token)).status_code == 404


def jf_id(token, app):
    """The organization a program admin's posting belongs to (via the public API)."""
    return app.test_client().get("/api/v1/jobs").get_json()["items"][0]["organization_id"]


def test_admin_of_two_programs_names_one(app, jf, admin, center):
    second = jf.org(kind="employer_fcc")
    from registry_kernel.accounts import grant_role
    from registry_kernel.models import Account, Organization

    with unit_of_work(jf.registry.sessions) as session:
        grant_role(session, session.get(Account, admin.id), "program_admin",
                   session.get(Organization, second.id), actor=None)
    token = jf.token(admin, "jobs:write")
    ambiguous = post_job(app, token)
    assert ambiguous.status_code == 422 and "organization_id" in ambiguous.get_json()["errors"]
    ok = post_job(app, token, organization_id=second.id)
    assert ok.status_code == 201
    foreign = jf.org(kind="employer_center")
    refused = post_job(app, token, organization_id=foreign.id)
    assert refused.status_code == 422


def test_patch_edits_and_checks_pay_order(app, admin_token):
    job_id = post_job(app, admin_token).get_json()["id"]
    client = app.test_client()
    ok = client.patch(f"/api/v1/jobs/{job_id}", json={"pay_max": "30.00", "city": "Berkeley"},
                      headers=bearer(admin_token))
    assert ok.status_code == 200 and ok.get_json()["pay_max"] == "30.00"
    assert ok.get_json()["city"] == "Berkeley"
    bad = client.patch(f"/api/v1/jobs/{job_id}", json={"pay_min": "40.00"},
                       headers=bearer(admin_token))
    assert bad.status_code == 422 and "pay_min" in bad.get_json()["errors"]
    empty = client.patch(f"/api/v1/jobs/{job_id}", json={"title": None},
                         headers=bearer(admin_token))
    assert empty.status_code == 422 and "title" in empty.get_json()["errors"]


def test_no_route_lets_an_employer_search_participants(app):
    paths = [rule.rule for rule in app.url_map.iter_rules()]
    jobs_paths = [p for p in paths if p.startswith(("/api/v1/jobs", "/api/v1/programs",
                                                    "/jobs"))]
    assert jobs_paths
    assert not [p for p in jobs_paths if "participant" in p or "people" in p]
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "/api/v1/jobs" in spec["paths"]
    assert set(spec["paths"]["/api/v1/jobs"]) == {"get", "post"}
