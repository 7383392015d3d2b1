"""The QRIS API: element scores of a site from verified registry data."""

from __future__ import annotations

from qris_helpers import degree, ece_courses, ge_courses, permit, training

from registry_kernel.testing import bearer


def test_center_without_lead_teacher_is_not_enough_data(world):
    response = world.scores(world.center)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [e["element"] for e in body["elements"]] == [3, 7]
    for element in body["elements"]:
        assert element["points"] is None
        assert element["status"] == "not_enough_data"
        assert element["rule_set"] == {"county": "statewide", "version": "2026.1"}
        assert element["missing"] and element["missing"][0]["registry_id"] is None
    assert "lead teacher" in body["elements"][0]["missing"][0]["items"][0]


def test_lead_teacher_with_units_and_pd_hours_scores_three(world):
    teacher = world.person(world.center)
    world.verify(teacher, courses=ece_courses(24) + ge_courses(16),
                 training=[training(21)])
    element = world.element(world.center, 3)
    assert element["points"] == 3
    assert element["status"] == "scored"
    assert element["rule"]["decided_by"][0]["option"] == "ece24_ge16"
    person = element["evidence"][0]
    assert person["registry_id"] == teacher.participant.registry_id
    kinds = {r["kind"] for r in person["records"]}
    assert {"course", "training", "employment"} <= kinds
    assert all(r["verification_status"] in ("verified", "confirmed")
               for r in person["records"])
    assert element["missing"][0]["for_points"] == 4
    assert any("AA/AS degree" in item for item in element["missing"][0]["items"])
