"""The public summary API: counts by group, suppression, opt-out, filters."""

from __future__ import annotations

import pytest
from wf_helpers import many, person

from registry_kernel.testing import Factory

PLUGINS = ["profile", "workforce_data"]


@pytest.fixture
def factory(make_app):
    return Factory(make_app(plugins=PLUGINS))


def get(factory, **params):
    return factory.app.test_client().get("/api/v1/workforce/summary", query_string=params)


def cells(body):
    return {item["group"]: item for item in body["items"]}


def test_counts_by_county_with_suppression(factory):
    many(factory, 12, county="Alameda")
    many(factory, 15, county="Fresno")
    many(factory, 3, county="Yolo")
    response = get(factory, by="county")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    found = cells(body)
    assert found["Yolo"] == {"group": "Yolo", "count": None, "suppressed": True}
    # complementary: the next-smallest (Alameda, 12) is hidden too, so Yolo can't be recovered
    assert found["Alameda"]["suppressed"] is True and found["Alameda"]["count"] is None
    assert found["Fresno"] == {"group": "Fresno", "count": 15, "suppressed": False}
    assert body["total"] == 30 and body["min_cell_size"] == 11


def test_opted_out_participants_are_not_counted(factory):
    many(factory, 11, county="Alameda")
    many(factory, 5, county="Alameda", opt_out=True)
    body = get(factory, by="county").get_json()
    assert cells(body)["Alameda"]["count"] == 11
    assert body["total"] == 11


def test_language_counts(factory):
    many(factory, 11, language="es")
    many(factory, 12, language="en")
    body = get(factory, by="language").get_json()
    assert cells(body)["es"]["count"] == 11 and cells(body)["en"]["count"] == 12


def test_role_category_counts_current_confirmed_jobs_only(factory):
    many(factory, 11, role="teacher")
    many(factory, 4, role="teacher", status="pending")
    many(factory, 4, role="teacher", ended=True)
    body = get(factory, by="role_category").get_json()
    assert cells(body) == {"teacher": {"group": "teacher", "count": 11, "suppressed": False}}
    assert body["total"] == 11


def test_unknown_grouping_is_a_clear_error(factory):
    response = get(factory, by="shoe_size")
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "by" in str(response.get_json())


def test_unknown_county_is_a_clear_error(factory):
    response = get(factory, by="language", county="Atlantis")
    assert response.status_code == 422
    assert "county" in str(response.get_json())


def test_permit_level_unavailable_without_documents(factory):
    response = get(factory, by="permit_level")
    assert response.status_code == 422
    assert "documents" in response.get_json()["detail"]


def test_county_filter_isolating_few_people_gives_suppressed_cells(factory):
    many(factory, 20, county="Alameda", language="en")
    person(factory, county="Alpine", language="en")
    person(factory, county="Alpine", language="es")
    response = get(factory, by="language", county="alpine county")
    assert response.status_code == 200
    body = response.get_json()
    assert body["county"] == "Alpine"
    assert all(item["suppressed"] and item["count"] is None for item in body["items"])
    assert body["total"] is None and body["total_suppressed"] is True


def test_min_cell_size_comes_from_config(make_app):
    factory = Factory(make_app(plugins=PLUGINS,
                               plugin_sections={"workforce_data": {"min_cell_size": 3}}))
    many(factory, 3, county="Yolo")
    many(factory, 4, county="Napa")
    body = get(factory, by="county").get_json()
    assert cells(body)["Yolo"]["count"] == 3 and body["min_cell_size"] == 3


def test_wages_quartiles_only_for_large_groups(factory):
    for wage in range(20, 31):  # 11 teachers earning 20..30
        person(factory, role="teacher", wage=str(wage))
    for wage in (18, 19, 40):
        person(factory, role="assistant", wage=str(wage))
    response = factory.app.test_client().get("/api/v1/workforce/wages")
    assert response.status_code == 200
    items = {i["group"]: i for i in response.get_json()["items"]}
    assert items["teacher"] == {"group": "teacher", "count": 11, "suppressed": False,
                                "q1": "22.50", "median": "25.00", "q3": "27.50"}
    assert items["assistant"]["suppressed"] is True and items["assistant"]["median"] is None


def test_permit_levels_with_documents_enabled(make_app):
    factory = Factory(make_app(plugins=["profile", "documents", "workforce_data"]))
    many(factory, 11)
    body = get(factory, by="permit_level").get_json()
    assert cells(body) == {"none": {"group": "none", "count": 11, "suppressed": False}}


def test_permit_levels_from_verified_permits(make_app):
    import io
    from datetime import date, timedelta

    from registry_plugins.documents.demo import sample_pdf

    from registry_kernel.testing import bearer

    factory = Factory(make_app(plugins=["profile", "documents", "workforce_data"]))
    client = factory.app.test_client()
    staff_token = factory.token(factory.account("registry_staff"), "verification")
    expires = (date.today() + timedelta(days=400)).isoformat()
    pdf = sample_pdf("Permit", ["Child Development Permit"])
    for n in range(13):
        account = factory.account("participant")
        token = factory.token(account, "me")
        response = client.post("/api/v1/me/documents", headers=bearer(token),
                               data={"type": "transcript", "file": (io.BytesIO(pdf), "p.pdf",
                                                                "application/pdf")},
                               content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()
        level = "teacher" if n < 11 else "site_supervisor"
        permits = [{"level": level, "number": f"P-{n}", "issued_on": "2022-01-01",
                    "expires_on": expires}]
        if n == 0:  # an expired higher permit does not count
            permits.append({"level": "program_director", "number": "P-old",
                            "issued_on": "2010-01-01", "expires_on": "2015-01-01"})
        response = client.post(f"/api/v1/documents/{response.get_json()['id']}/verify",
                               headers=bearer(staff_token), json={"permits": permits})
        assert response.status_code == 200, response.get_json()
    body = get(factory, by="permit_level").get_json()
    found = cells(body)
    assert found["teacher"] == {"group": "teacher", "count": 11, "suppressed": False}
    assert found["site_supervisor"]["suppressed"] is True
    assert "program_director" not in found
    # the staff account is a participant too, without a permit; a lone small cell gets company
    assert found["none"]["suppressed"] is True and body["total"] == 14


def test_opted_out_workers_leave_role_counts_and_wages(factory):
    for wage in range(20, 31):
        person(factory, role="teacher", wage=str(wage))
    person(factory, role="teacher", wage="99", opt_out=True)
    assert cells(get(factory, by="role_category").get_json())["teacher"]["count"] == 11
    items = factory.app.test_client().get("/api/v1/workforce/wages").get_json()["items"]
    assert items[0]["count"] == 11 and items[0]["q3"] == "27.50"
