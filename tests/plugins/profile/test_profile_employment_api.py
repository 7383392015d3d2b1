"""``/api/v1/me/employment``: add, list newest first, edit until confirmed, bad input."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
import time_machine

from registry_kernel import clock
from registry_kernel.testing import bearer, local_evening

JOB = {"position": "Preschool Teacher", "role_category": "teacher",
       "start_date": "2018-08-15", "hours_per_week": "40", "hourly_wage": "23.75",
       "age_groups": ["preschool"]}


def add(client, token, **fields):
    return client.post("/api/v1/me/employment", headers=bearer(token), json={**JOB, **fields})


def test_add_a_job_at_a_listed_employer(app, token, center):
    response = add(app.test_client(), token, employer_id=center.id)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["employer_name"] == "Sunshine Learning Center" and body["employer_listed"]
    assert body["hourly_wage"] == "23.75" and body["hours_per_week"] == "40.00"
    assert body["status"] == "pending" and body["current"] is True


def test_add_a_job_at_an_unlisted_employer(app, token):
    response = add(app.test_client(), token, employer_name="Tiny Tots Home Daycare")
    assert response.status_code == 201
    assert response.get_json()["employer_listed"] is False
    assert response.get_json()["employer_id"] is None


def test_list_is_newest_first_and_only_mine(app, pf, token, center):
    client = app.test_client()
    add(client, token, employer_name="Old Place", start_date="2001-01-01", end_date="2005-06-30")
    add(client, token, employer_id=center.id, start_date="2015-01-01")
    add(client, token, employer_name="Middle Place", start_date="2006-01-01",
        end_date="2014-12-31")
    other = pf.token(pf.account(), "me")
    add(client, other, employer_name="Not mine")
    body = client.get("/api/v1/me/employment", headers=bearer(token)).get_json()
    assert body["total"] == 3 and body["page"] == 1
    assert [i["employer_name"] for i in body["items"]] == [
        "Sunshine Learning Center", "Middle Place", "Old Place"]
    page = client.get("/api/v1/me/employment?per_page=1&page=2", headers=bearer(token)).get_json()
    assert [i["employer_name"] for i in page["items"]] == ["Middle Place"]


def test_employer_search_by_name_or_license(app, token, center, pf):
    pf.org(kind="training_sponsor", name="Sunshine Trainers")  # not an employer
    client = app.test_client()
    by_name = client.get("/api/v1/profile/employers?q=sunshine", headers=bearer(token)).get_json()
    assert [o["id"] for o in by_name["items"]] == [center.id]
    by_license = client.get("/api/v1/profile/employers?q=010203040",
                            headers=bearer(token)).get_json()
    assert [o["id"] for o in by_license["items"]] == [center.id]


@pytest.mark.parametrize(("fields", "bad"), [
    ({"employer_name": "X", "start_date": "2020-01-01", "end_date": "2019-01-01"}, "end_date"),
    ({"employer_name": "X", "hours_per_week": "-5"}, "hours_per_week"),
    ({"employer_name": "X", "hours_per_week": "200"}, "hours_per_week"),
    ({"employer_name": "X", "role_category": "astronaut"}, "role_category"),
    ({"employer_name": "X", "employer_id": 1}, "employer_id"),
    ({"employer_id": 987654}, "employer_id"),
    ({}, "employer_id"),
    ({"employer_name": "X", "hourly_wage": "0.10"}, "hourly_wage"),
    ({"employer_name": "X", "hourly_wage": "9000"}, "hourly_wage"),
    ({"employer_name": "X", "age_groups": ["teens"]}, "age_groups"),
    ({"employer_name": "X", "position": ""}, "position"),
    ({"employer_name": "X", "start_date": "not a date"}, "start_date"),
    ({"employer_name": "X", "surprise": 1}, "surprise"),
])
def test_bad_input_is_422_naming_the_field(app, token, fields, bad):
    client = app.test_client()
    response = add(client, token, **fields)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert bad in response.get_json()["errors"]
    assert client.get("/api/v1/me/employment", headers=bearer(token)).get_json()["total"] == 0


def test_future_dates_are_refused(app, token):
    future = (clock.today() + timedelta(days=40)).isoformat()
    response = add(app.test_client(), token, employer_name="X", start_date=future)
    assert response.status_code == 422 and "start_date" in response.get_json()["errors"]
    response = add(app.test_client(), token, employer_name="X", end_date=future)
    assert response.status_code == 422 and "end_date" in response.get_json()["errors"]


def test_a_job_started_today_in_california_is_accepted_in_its_evening(app, token):
    """At 7:30 PM in California a UTC server is in tomorrow: a job started today (California)
    is not in the future, one starting on the UTC date is."""
    evening = local_evening()
    with time_machine.travel(evening.astimezone(UTC), tick=True):
        today = add(app.test_client(), token, employer_name="X",
                    start_date=evening.date().isoformat())
        assert today.status_code == 201, today.get_json()
        tomorrow = add(app.test_client(), token, employer_name="Y",
                       start_date=(evening.date() + timedelta(days=1)).isoformat())
        assert tomorrow.status_code == 422
        assert "start_date" in tomorrow.get_json()["errors"]


def test_an_organization_that_is_not_an_employer_is_an_unknown_employer_id(app, pf, token):
    sponsor = pf.org(kind="training_sponsor")
    response = add(app.test_client(), token, employer_id=sponsor.id)
    assert response.status_code == 422
    assert response.get_json()["errors"]["employer_id"] == "no listed employer has this id"


def test_edit_until_confirmed_then_only_end_date(app, pf, token, center, confirm):
    client = app.test_client()
    record = add(client, token, employer_id=center.id).get_json()
    url = f"/api/v1/me/employment/{record['id']}"
    changed = client.patch(url, headers=bearer(token), json={"position": "Lead Teacher",
                                                             "role_category": "lead_teacher",
                                                             "hourly_wage": "25.10"})
    assert changed.status_code == 200
    assert changed.get_json()["position"] == "Lead Teacher"
    assert changed.get_json()["hourly_wage"] == "25.10"

    admin = pf.account("program_admin", org=center)
    assert confirm(admin, record["id"]) == "confirmed"

    locked = client.patch(url, headers=bearer(token), json={"position": "Director"})
    assert locked.status_code == 409
    assert "position" in locked.get_json()["errors"]
    assert "employer" in locked.get_json()["detail"]
    mixed = client.patch(url, headers=bearer(token), json={"end_date": "2024-01-31",
                                                           "hourly_wage": "30"})
    assert mixed.status_code == 409
    ended = client.patch(url, headers=bearer(token), json={"end_date": "2024-01-31"})
    assert ended.status_code == 200, ended.get_json()
    body = ended.get_json()
    assert body["end_date"] == "2024-01-31" and body["status"] == "confirmed"
    assert body["position"] == "Lead Teacher" and body["hourly_wage"] == "25.10"
    backwards = client.patch(url, headers=bearer(token), json={"end_date": "2001-01-01"})
    assert backwards.status_code == 422 and "end_date" in backwards.get_json()["errors"]


def test_patch_validates_the_whole_record(app, token):
    client = app.test_client()
    record = add(client, token, employer_name="X", start_date="2019-01-01").get_json()
    url = f"/api/v1/me/employment/{record['id']}"
    response = client.patch(url, headers=bearer(token), json={"end_date": "2018-01-01"})
    assert response.status_code == 422 and "end_date" in response.get_json()["errors"]
    both = client.patch(url, headers=bearer(token), json={"employer_id": 5, "employer_name": "Y"})
    assert both.status_code == 422
    assert client.get(url, headers=bearer(token)).get_json()["end_date"] is None


def test_switching_between_listed_and_unlisted_employer(app, token, center):
    client = app.test_client()
    record = add(client, token, employer_name="Somewhere").get_json()
    url = f"/api/v1/me/employment/{record['id']}"
    listed = client.patch(url, headers=bearer(token), json={"employer_id": center.id}).get_json()
    assert listed["employer_id"] == center.id and listed["employer_listed"]
    named = client.patch(url, headers=bearer(token), json={"employer_name": "Elsewhere"}).get_json()
    assert named["employer_id"] is None and named["employer_name"] == "Elsewhere"


def test_another_participants_record_is_404(app, pf, token):
    client = app.test_client()
    other = pf.token(pf.account(), "me")
    theirs = add(client, other, employer_name="Theirs").get_json()
    url = f"/api/v1/me/employment/{theirs['id']}"
    assert client.get(url, headers=bearer(token)).status_code == 404
    response = client.patch(url, headers=bearer(token), json={"position": "Mine now"})
    assert response.status_code == 404
    assert client.get(url, headers=bearer(other)).get_json()["position"] == JOB["position"]
    assert client.patch("/api/v1/me/employment/99999999", headers=bearer(token),
                        json={"position": "x"}).status_code == 404


def test_a_rejected_record_goes_back_to_pending_when_edited(app, pf, token, center, confirm):
    client = app.test_client()
    record = add(client, token, employer_id=center.id).get_json()
    assert confirm(pf.account("program_admin", org=center), record["id"], False) == "rejected"
    url = f"/api/v1/me/employment/{record['id']}"
    assert client.get(url, headers=bearer(token)).get_json()["status"] == "rejected"
    fixed = client.patch(url, headers=bearer(token), json={"start_date": "2018-09-01"})
    assert fixed.status_code == 200 and fixed.get_json()["status"] == "pending"


def test_delete_a_mistaken_record_but_not_a_confirmed_one(app, pf, token, center, confirm):
    client = app.test_client()
    mistake = add(client, token, employer_name="Typo Daycare").get_json()
    kept = add(client, token, employer_id=center.id).get_json()
    other = pf.token(pf.account(), "me")
    assert client.delete(f"/api/v1/me/employment/{mistake['id']}",
                         headers=bearer(other)).status_code == 404
    assert client.delete(f"/api/v1/me/employment/{mistake['id']}",
                         headers=bearer(token)).status_code == 204
    confirm(pf.account("program_admin", org=center), kept["id"])
    refused = client.delete(f"/api/v1/me/employment/{kept['id']}", headers=bearer(token))
    assert refused.status_code == 409
    listing = client.get("/api/v1/me/employment", headers=bearer(token)).get_json()
    assert [i["id"] for i in listing["items"]] == [kept["id"]]
