"""Both sides of every condition of every statewide level (the complement of
``test_qris_rules``): each option met exactly, and each one a hundredth short, for Element 3
(centers and FCC homes) and Element 7, with cumulative levels (the statewide rules: a person
meeting exactly a level and every level below it) and with "highest" levels; plus, through the
API, records that never count (unaccredited degrees, rejected documents), an FCC home with no
owner, and a lead teacher with high qualifications but not Title 22."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest
from qris_helpers import degree, ece_courses, ge_courses, permit, training
from registry_plugins.qris import rules as R

STATEWIDE, _DATA = R.load_statewide()
HIGHEST = replace(STATEWIDE, levels="highest")
CORE = frozenset(R.CORE_COURSES)
TWO_CORE = frozenset({"child_growth", "curriculum"})
# Title 22 for a lead teacher (12 ECE units with the core courses + 6 months) and a director
# (12 ECE + 3 administration units + 48 months), the floor under every higher level
T22 = {"core_areas_met": CORE, "experience_months": D(6)}
T22_DIRECTOR = {"experience_months": D(48), "ge_units": D(16)}


def points(element: int, facts: R.Facts, kind: str = "center", rules: R.RuleSet = STATEWIDE
           ) -> int | None:
    return R.score_person(rules, rules.elements[element], facts, kind).points


@pytest.mark.parametrize(("facts", "kind", "cumulative", "highest"), [
    # level 2, center: the core courses are part of "24 ECE units"
    (R.Facts(ece_units=D(24), core_areas_met=TWO_CORE, permits=("assistant",)), "center", 1, 1),
    (R.Facts(ece_units=D(24), core_areas_met=CORE, permits=("assistant",)), "center", 2, 2),
    # level 1 and 2 in an FCC home
    (R.Facts(permits=("assistant",)), "fcc", 1, 1),
    (R.Facts(credentials=("cda",)), "fcc", 1, 1),
    (R.Facts(ece_units=D(12), core_areas_met=TWO_CORE, experience_months=D(6)), "fcc",
     None, None),
    (R.Facts(permits=("associate_teacher",)), "fcc", 2, 2),
    # level 3 in an FCC home: the same options as centers
    (R.Facts(permits=("teacher",), pd_hours=D(21)), "fcc", 3, 3),
    (R.Facts(permits=("teacher",), pd_hours=D("20.99")), "fcc", 2, 2),
    (R.Facts(ece_units=D(24), ge_units=D(16), pd_hours=D(21), **T22), "fcc", 3, 3),
    (R.Facts(ece_units=D(24), ge_units=D(16), pd_hours=D(21)), "fcc", None, 3),
    # level 4: the PD hours a hundredth short
    (R.Facts(permits=("site_supervisor",), pd_hours=D("20.99")), "center", 2, 2),
    (R.Facts(degrees=(("AA", True),), pd_hours=D("20.99")), "center", None, None),
    (R.Facts(degrees=(("AA", True),), permits=("teacher",), pd_hours=D("20.99")), "center",
     2, 2),
    # level 4 is met by a higher degree too; an ECE-related AA does not make level 5
    (R.Facts(degrees=(("BA", False),), ece_units=D(24), ge_units=D(16), pd_hours=D(21), **T22),
     "center", 5, 5),
    (R.Facts(degrees=(("BA", False),), ece_units=D(24), pd_hours=D(21)), "center", None, 5),
    (R.Facts(degrees=(("AA", True),), permits=("site_supervisor",), pd_hours=D(21)), "fcc",
     4, 4),
    # level 5: BA/BS + 24 ECE units, a hundredth short (then Title 22 with experience: 1)
    (R.Facts(degrees=(("BS", False),), ece_units=D("23.99"), core_areas_met=CORE,
             experience_months=D(6), pd_hours=D(21)), "center", 1, 1),
    (R.Facts(degrees=(("MA", False),), ece_units=D(24), ge_units=D(16), pd_hours=D(21), **T22),
     "center", 5, 5),
    (R.Facts(degrees=(("MA", False),), ece_units=D(24), pd_hours=D(21)), "center", None, 5),
    (R.Facts(degrees=(("MA", False),), pd_hours=D(21)), "center", None, None),
    (R.Facts(degrees=(("PhD", True),), permits=("teacher",), pd_hours=D(21)), "center", 5, 5),
    (R.Facts(degrees=(("PhD", True),), pd_hours=D(21)), "center", None, 5),
    (R.Facts(degrees=(("MA", True),), pd_hours=D("20.99")), "fcc", None, None),
])
def test_element_3_boundaries(facts, kind, cumulative, highest):
    assert points(3, facts, kind) == cumulative
    assert points(3, facts, kind, HIGHEST) == highest


@pytest.mark.parametrize(("facts", "cumulative", "highest"), [
    # level 2: 24 ECE + 16 GE + 3 administration units
    (R.Facts(ece_units=D(24), ge_units=D("15.99"), admin_units=D(3),
             experience_months=D(48)), 1, 1),
    (R.Facts(ece_units=D("23.99"), ge_units=D(16), admin_units=D(3)), None, None),
    (R.Facts(ece_units=D(24), ge_units=D(16), admin_units=D("2.99")), None, None),
    (R.Facts(permits=("teacher",)), None, None),  # below Master Teacher, and no Title 22
    # level 3: AA/AS + 24 ECE + 8 administration/supervision units + 21 PD hours
    (R.Facts(degrees=(("AS", False),), ece_units=D("23.99"), admin_units=D(8),
             pd_hours=D(21)), None, None),
    (R.Facts(degrees=(("AA", False),), ece_units=D(24), admin_units=D(3), supervision_units=D(5),
             pd_hours=D(21), **T22_DIRECTOR), 3, 3),
    (R.Facts(degrees=(("AA", False),), ece_units=D(24), supervision_units=D(8),
             pd_hours=D(21)), None, 3),
    (R.Facts(degrees=(("AA", False),), ece_units=D(24), admin_units=D(8),
             pd_hours=D("20.99"), **T22_DIRECTOR), 2, 2),
    # level 4: BA/BS + 24 ECE + 8 administration/supervision units + 21 PD hours
    (R.Facts(degrees=(("BA", False),), ece_units=D(24), admin_units=D("7.99"),
             pd_hours=D(21), **T22_DIRECTOR), 2, 2),
    (R.Facts(degrees=(("BA", False),), ece_units=D(24), admin_units=D(4),
             supervision_units=D(4), pd_hours=D(21), **T22_DIRECTOR), 4, 4),
    (R.Facts(degrees=(("BA", False),), ece_units=D(24), admin_units=D(4),
             supervision_units=D(4), pd_hours=D(21)), None, 4),
    (R.Facts(permits=("program_director",), pd_hours=D("20.99")), 2, 2),
    # level 5: master's + 30 ECE + 8 administration units (supervision does not count here)
    (R.Facts(degrees=(("MA", False),), ece_units=D(30), admin_units=D("7.99"),
             pd_hours=D(21), **T22_DIRECTOR), 2, 2),
    (R.Facts(degrees=(("MS", False),), ece_units=D(30), admin_units=D(5),
             supervision_units=D(3), pd_hours=D(21), **T22_DIRECTOR), 4, 4),
    (R.Facts(degrees=(("EdD", False),), ece_units=D(30), admin_units=D(8),
             pd_hours=D(21), **T22_DIRECTOR), 5, 5),
    (R.Facts(degrees=(("EdD", False),), ece_units=D(30), admin_units=D(8),
             pd_hours=D(21)), None, 5),
    (R.Facts(credentials=("administrative_services_credential",), pd_hours=D("20.99")),
     None, None),
    (R.Facts(credentials=("administrative_services_credential",), permits=("program_director",),
             pd_hours=D(21)), 5, 5),
    (R.Facts(credentials=("administrative_services_credential",), permits=("site_supervisor",),
             pd_hours=D(21)), 3, 5),
])
def test_element_7_boundaries(facts, cumulative, highest):
    assert points(7, facts) == cumulative
    assert points(7, facts, rules=HIGHEST) == highest


def _facts_for(option: R.Option, hours: D) -> R.Facts:
    """Facts holding exactly ``option``'s conditions and ``hours`` PD hours."""
    degrees = ((option.degree, option.degree_ece),) if option.degree else ()
    return R.Facts(ece_units=option.ece_units, ge_units=option.ge_units,
                   core_areas_met=CORE if option.core_courses else frozenset(),
                   admin_units=max(option.admin_units, option.admin_supervision_units),
                   degrees=degrees, permits=(option.permit,) if option.permit else (),
                   credentials=(option.credential,) if option.credential else (),
                   experience_months=option.experience_months, pd_hours=hours)


def _both(a: R.Facts, b: R.Facts) -> R.Facts:
    """Everything either set of facts proves."""
    return R.Facts(ece_units=max(a.ece_units, b.ece_units), ge_units=max(a.ge_units, b.ge_units),
                   core_areas_met=a.core_areas_met | b.core_areas_met,
                   admin_units=max(a.admin_units, b.admin_units),
                   supervision_units=max(a.supervision_units, b.supervision_units),
                   degrees=a.degrees + b.degrees, permits=a.permits + b.permits,
                   credentials=a.credentials + b.credentials,
                   experience_months=max(a.experience_months, b.experience_months),
                   pd_hours=max(a.pd_hours, b.pd_hours))


def test_every_option_of_every_level_is_reachable():
    """For each option, facts holding exactly its conditions (and the level's PD hours) reach
    at least that level with "highest" levels; with cumulative levels they do on top of one
    option of each lower level. No option is dead in the statewide file."""
    for number, element in STATEWIDE.elements.items():
        for level in element.levels:
            for option in level.options:
                for kind in element.site_kinds:
                    if not option.applies_to(kind):
                        continue
                    alone = _facts_for(option, level.pd_hours_per_year)
                    got = points(number, alone, kind, HIGHEST)
                    assert got is not None and got >= level.points, (number, option.id, kind)
                    below = alone
                    for lower in element.levels[:level.points - 1]:
                        first = next(o for o in lower.options if o.applies_to(kind))
                        below = _both(below, _facts_for(first, lower.pd_hours_per_year))
                    got = points(number, below, kind)
                    assert got is not None and got >= level.points, (number, option.id, kind)
                    if level.points > 1:  # and alone, below Title 22, they are not enough
                        title22 = element.levels[0]
                        if R.level_missing(STATEWIDE, title22, alone, kind)[1]:
                            assert points(number, alone, kind) is None


def test_unaccredited_degrees_and_rejected_documents_never_count(world):
    teacher = world.person(world.center)
    world.verify(teacher, degrees=[degree("BA", ece=True, accredited=False)],
                 training=[training(21)])
    element = world.element(world.center, 3)
    assert element["status"] == "not_enough_data"
    record = next(r for r in element["evidence"][0]["records"] if r["kind"] == "degree")
    assert record["counted"] is False and record["accredited"] is False
    # a rejected document is listed, not counted
    document_id = world.upload(teacher)
    rejected = world.client().post(f"/api/v1/documents/{document_id}/reject",
                                   json={"reason": "Unreadable scan"},
                                   headers={"Authorization": f"Bearer {world.staff_token}"})
    assert rejected.status_code == 200, rejected.get_json()
    element = world.element(world.center, 3)
    listed = [r for r in element["evidence"][0]["records"] if r["kind"] == "document"]
    assert listed == [{**listed[0], "verification_status": "rejected", "counted": False}]
    assert element["points"] is None


def test_fcc_home_without_a_confirmed_owner_is_not_enough_data_never_one_point(world):
    pending = world.person(world.fcc, "fcc_owner", confirm=False)
    world.verify(pending, permits=[permit("program_director")], training=[training(30)])
    assistant = world.person(world.fcc, "fcc_assistant")
    world.verify(assistant, courses=ece_courses(24) + ge_courses(16), training=[training(21)])
    element = world.element(world.fcc, 3)
    assert (element["points"], element["status"]) == (None, "not_enough_data")
    assert element["evidence"] == []
    assert "fcc_owner" in element["missing"][0]["items"][0]
