"""The public API: counts by group for any filter, statistics, suppression, opt-out, errors."""

from __future__ import annotations

import pytest
from wf_helpers import NO_CACHE, many, person

from registry_kernel import clock
from registry_kernel.testing import Factory

PLUGINS = ["profile", "workforce_data"]


@pytest.fixture
def factory(make_app):
    return Factory(make_app(plugins=PLUGINS, plugin_sections=NO_CACHE))


def get(factory, path="/api/v1/workforce/summary", **params):
    return factory.app.test_client().get(path, query_string=params)


def cells(body):
    return {item["group"]: item for item in body["items"]}


def test_counts_by_county_small_groups_are_left_out(factory):
    many(factory, 12, county="Alameda")
    many(factory, 15, county="Fresno")
    many(factory, 3, county="Yolo")
    response = get(factory, by="county")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert cells(body) == {"Alameda": {"group": "Alameda", "count": 12, "suppressed": False},
                           "Fresno": {"group": "Fresno", "count": 15, "suppressed": False}}
    # Yolo's three are in no figure at all, not even the total
    assert body["total"] == 27 and body["combined"] == 0 and body["min_cell_size"] == 11


def test_rare_details_are_combined_not_dropped(factory):
    many(factory, 8, county="Fresno", language="es")
    many(factory, 6, county="Fresno", language="en")
    body = get(factory, by="county").get_json()
    # each language group is under 11, so language is combined: Fresno still counts all 14
    assert cells(body)["Fresno"]["count"] == 14
    by_language = get(factory, by="language").get_json()
    assert by_language["items"] == [] and by_language["combined"] == 14
    assert by_language["total"] == 14


def test_filter_isolating_few_people_gives_suppressed_cells(factory):
    many(factory, 20, county="Alameda", language="en")
    person(factory, county="Alpine", language="en")
    person(factory, county="Alpine", language="es")
    response = get(factory, by="language", county="alpine county")
    assert response.status_code == 200
    body = response.get_json()
    assert body["county"] == "Alpine" and body["filters"] == {"county": "Alpine"}
    assert body["total"] is None and body["total_suppressed"] is True
    by_role = get(factory, by="role_category", county="Alpine").get_json()
    assert by_role["items"] and all(i["suppressed"] and i["count"] is None
                                    for i in by_role["items"])
    assert by_role["total"] is None


def test_opted_out_participants_are_not_counted(factory):
    many(factory, 11, county="Alameda")
    many(factory, 5, county="Alameda", opt_out=True)
    body = get(factory, by="county").get_json()
    assert cells(body)["Alameda"]["count"] == 11 and body["total"] == 11


def test_language_counts(factory):
    many(factory, 11, language="es")
    many(factory, 12, language="en")
    body = get(factory, by="language").get_json()
    assert cells(body)["es"]["count"] == 11 and cells(body)["en"]["count"] == 12


def test_role_category_counts_current_confirmed_jobs_only(factory):
    many(factory, 11, role="teacher")
    many(factory, 11, role="teacher", status="pending")
    many(factory, 11, role="teacher", ended=True)
    body = get(factory, by="role_category").get_json()
    found = cells(body)
    assert found["teacher"] == {"group": "teacher", "count": 11, "suppressed": False}
    assert found["none"]["count"] == 22  # pending and long-ended jobs do not count
    assert found["assistant"] == {"group": "assistant", "count": None, "suppressed": True}


def test_program_type_from_the_employer(factory):
    center = factory.org(kind="employer_center", county="Alameda", name="Sunny Center")
    home = factory.org(kind="employer_fcc", county="Alameda", name="Rosa's FCC")
    many(factory, 11, role="teacher", employer=center)
    many(factory, 12, role="fcc_owner", employer=home)
    many(factory, 11, role="teacher")  # an employer not listed in the registry
    found = cells(get(factory, by="program_type").get_json())
    assert found["center"]["count"] == 11 and found["family_child_care"]["count"] == 12
    assert found["not_listed"]["count"] == 11
    filtered = get(factory, by="role_category", program_type="family_child_care").get_json()
    assert cells(filtered)["fcc_owner"]["count"] == 12 and filtered["total"] == 12


def test_years_in_field_self_reported_else_first_job(factory):
    this_year = clock.today().year
    many(factory, 11, first_year=this_year - 1)
    many(factory, 11, role="teacher")  # first confirmed job in 2020
    found = cells(get(factory, by="years_in_field").get_json())
    assert found["under_3"]["count"] == 11
    expected = "3_5" if this_year - 2020 < 6 else "6_10"
    assert found[expected]["count"] == 11


def test_turnover_from_employment_end_dates(factory):
    many(factory, 11, role="teacher", left_recently=True)   # left one job, holds another
    many(factory, 12, role="teacher")
    many(factory, 11, left_recently=True)                    # left, no current job
    body = get(factory, "/api/v1/workforce/statistics").get_json()
    turnover = {t["group"]: t for t in body["turnover"]}
    assert turnover["teacher"]["employed"] == 23 and turnover["teacher"]["left"] == 11
    assert turnover["teacher"]["rate"] == "0.478"
    assert turnover["assistant"]["employed"] == 11 and turnover["assistant"]["rate"] == "1.000"


def test_unknown_grouping_is_a_clear_error(factory):
    response = get(factory, by="shoe_size")
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.get_json()["errors"] == {"by": "unknown grouping"}


@pytest.mark.parametrize("name,value", [("county", "Atlantis"), ("role_category", "wizard"),
                                        ("program_type", "castle"), ("language", "klingon"),
                                        ("years_in_field", "forever")])
def test_unknown_filter_values_are_a_clear_error(factory, name, value):
    for path, extra in (("/api/v1/workforce/summary", {"by": "county"}),
                        ("/api/v1/workforce/statistics", {}), ("/api/v1/workforce/wages", {})):
        response = get(factory, path, **extra, **{name: value})
        assert response.status_code == 422, path
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert name in response.get_json()["errors"]


def test_unknown_filter_name_is_a_clear_error(factory):
    response = get(factory, "/api/v1/workforce/statistics", shoe_size="9")
    assert response.status_code == 422


def test_permit_level_unavailable_without_documents(factory):
    response = get(factory, by="permit_level")
    assert response.status_code == 422
    assert "documents" in response.get_json()["detail"]
    response = get(factory, "/api/v1/workforce/statistics", permit_level="teacher")
    assert response.status_code == 422 and "permit_level" in response.get_json()["errors"]


def test_min_cell_size_comes_from_config(make_app):
    factory = Factory(make_app(plugins=PLUGINS, plugin_sections={
        "workforce_data": {"min_cell_size": 3, "cache_seconds": 0, "compute_on_request": True}}))
    many(factory, 3, county="Yolo")
    many(factory, 4, county="Napa")
    body = get(factory, by="county").get_json()
    assert cells(body)["Yolo"]["count"] == 3 and body["min_cell_size"] == 3


def test_bad_config_stops_start_up(make_app):
    from registry_kernel.config import ConfigError

    with pytest.raises(ConfigError, match="generalization_order"):
        make_app(plugins=PLUGINS, plugin_sections={
            "workforce_data": {"generalization_order": ["county", "county"]}})


def test_wages_quartiles_only_for_large_groups(factory):
    for wage in range(20, 31):  # 11 teachers earning 20..30
        person(factory, role="teacher", wage=str(wage))
    for wage in (18, 19, 40):
        person(factory, role="assistant", wage=str(wage))
    for _ in range(8):
        person(factory, role="assistant")
    response = get(factory, "/api/v1/workforce/wages")
    assert response.status_code == 200
    items = {i["group"]: i for i in response.get_json()["items"]}
    assert items["teacher"] == {"group": "teacher", "suppressed": False,
                                "q1": "22.50", "median": "25.00", "q3": "27.50"}
    assert items["assistant"] == {"group": "assistant", "suppressed": True,
                                  "q1": None, "median": None, "q3": None}
    # no count of wage reporters is published (it could be differenced)
    assert "count" not in items["teacher"]


def test_opted_out_workers_leave_role_counts_and_wages(factory):
    for wage in range(20, 31):
        person(factory, role="teacher", wage=str(wage))
    person(factory, role="teacher", wage="99", opt_out=True)
    assert cells(get(factory, by="role_category").get_json())["teacher"]["count"] == 11
    items = get(factory, "/api/v1/workforce/wages").get_json()["items"]
    assert items[0]["q3"] == "27.50"


def test_statistics_has_every_table(factory):
    many(factory, 12, county="Fresno", role="teacher", wage="21")
    body = get(factory, "/api/v1/workforce/statistics", county="Fresno").get_json()
    assert [t["by"] for t in body["tables"]] == [
        "county", "role_category", "program_type", "years_in_field", "language"]
    assert body["permits"] is None  # needs the documents plugin
    assert body["pd_hours"]["people"] == 12
    assert {i["group"] for i in body["pd_hours"]["items"]} >= {"CDL", "HSN", "ADM"}
    assert body["filters"] == {"county": "Fresno"}


def test_openapi_lists_the_routes(factory):
    paths = factory.app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/workforce/summary", "/api/v1/workforce/wages",
            "/api/v1/workforce/statistics"} <= set(paths)


def test_merged_and_erased_profiles_are_not_counted(factory):
    from registry_kernel.db import unit_of_work
    from registry_kernel.models import Participant

    counted = many(factory, 11, county="Napa")
    gone = many(factory, 11, county="Napa")
    with unit_of_work(factory.registry.sessions) as session:
        for n, p in enumerate(gone):
            session.get(Participant, p.id).status = "merged" if n % 2 else "erased"
    body = get(factory, by="county").get_json()
    assert cells(body)["Napa"]["count"] == len(counted) == 11
