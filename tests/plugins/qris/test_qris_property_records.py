"""The property of issue 9 end to end: across generated staff records, verified through the
documents API and scored through the real pipeline (records -> facts -> points), verifying one
more qualifying record never lowers a lead teacher's or a director's points, with cumulative
levels (the statewide rules) and with "highest" levels."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qris_helpers import make_world

from registry_kernel import clock
from registry_kernel.db import unit_of_work

CORE = ["child_growth", "child_family_community", "curriculum", "administration",
        "adult_supervision", None]
PERMITS = ["assistant", "associate_teacher", "teacher", "master_teacher", "site_supervisor",
           "program_director"]

courses = st.builds(
    lambda n, units, system, category, core, grade: {
        "institution": "Laney College", "course_number": f"ECE {n}", "title": f"Course {n}",
        "units": str(units), "unit_system": system, "grade": grade, "completed_on": "2018-05-20",
        "category": category, **({"core_area": core} if core and category == "ece" else {}),
        **({"ge_area": "english"} if category == "ge" else {})},
    st.integers(1, 999), st.decimals(1, 12, places=1), st.sampled_from(["semester", "quarter"]),
    st.sampled_from(["ece", "ece", "ge"]), st.sampled_from(CORE),
    st.sampled_from(["A", "B", "C", "D", "F", "P"]))
degrees = st.builds(
    lambda level, ece, accredited: {
        "level": level, "major": "Child Development" if ece else "History",
        "ece_related": ece, "institution": "Cal State", "accredited": accredited,
        "conferred_on": "2016-06-01"},
    st.sampled_from(["AA", "AS", "BA", "BS", "MA", "PhD", "other"]), st.booleans(),
    st.booleans())
permits = st.builds(
    lambda level, days: {"level": level, "number": f"P-{level[:5]}", "issued_on": "2021-01-01",
                         "expires_on": (clock.today() + timedelta(days=days)).isoformat()},
    st.sampled_from(PERMITS), st.sampled_from([-30, 400, 900]))
credentials = st.builds(
    lambda kind: {"type": kind, "number": "C-1", "issued_on": "2020-01-01",
                  "expires_on": (clock.today() + timedelta(days=500)).isoformat()},
    st.sampled_from(["cda", "administrative_services_credential"]))
training = st.builds(
    lambda hours, days: {"sponsor": "R&R", "title": "Workshop", "hours": str(hours),
                         "completed_on": (clock.today() - timedelta(days=days)).isoformat(),
                         "competency_area": "CDL"},
    st.decimals(1, 15, places=1), st.sampled_from([10, 200, 500]))

records = st.fixed_dictionaries({
    "courses": st.lists(courses, max_size=6), "degrees": st.lists(degrees, max_size=1),
    "permits": st.lists(permits, max_size=1), "credentials": st.lists(credentials, max_size=1),
    "training": st.lists(training, max_size=2)})
one_more = st.one_of(
    st.fixed_dictionaries({"courses": st.lists(courses, min_size=1, max_size=2)}),
    st.fixed_dictionaries({"degrees": st.lists(degrees, min_size=1, max_size=1)}),
    st.fixed_dictionaries({"permits": st.lists(permits, min_size=1, max_size=1)}),
    st.fixed_dictionaries({"credentials": st.lists(credentials, min_size=1, max_size=1)}),
    st.fixed_dictionaries({"training": st.lists(training, min_size=1, max_size=1)}))


def person_points(world, account, element: int, role_kind: str = "center"
                  ) -> dict[str, int]:
    """The person's points under the statewide rules with each way of combining levels."""
    from registry_plugins.qris import rules as R
    from registry_plugins.qris import services as svc

    registry = world.registry
    with unit_of_work(registry.sessions, write=False) as session:
        rules = svc.statewide_rules(registry)
        today = svc.local_today(registry)
        facts, _records = svc.person_facts(
            session, registry, account.participant_id,
            window=svc.pd_year(session, rules, world.center.id, today), today=today)
        return {mode: R.score_person(replace(rules, levels=mode), rules.elements[element], facts,
                                     role_kind).points or 0
                for mode in R.LEVEL_MODES}


def test_verifying_one_more_record_never_lowers_points(make_app):
    world = make_world(make_app)
    roles = {3: "lead_teacher", 7: "program_director"}

    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(first=records, added=one_more, element=st.sampled_from([3, 7]),
           months=st.sampled_from([3, 12, 60]))
    def check(first, added, element, months):
        start = (clock.today() - timedelta(days=31 * months)).isoformat()
        account = world.person(world.center, roles[element], start=start)
        if any(first.values()):
            world.verify(account, **first)
        before = person_points(world, account, element)
        world.verify(account, **added)
        after = person_points(world, account, element)
        for mode in after:
            assert after[mode] >= before[mode], (mode, first, added)
        assert after["cumulative"] <= after["highest"]
        # and the site's recorded score (written on document.verified) uses the same facts
        site = world.element(world.center, element)
        mine = next(p for p in site["evidence"]
                    if p["registry_id"] == account.participant.registry_id)
        assert site["rule_set"]["levels"] == "cumulative"
        assert (mine["points"] or 0) == after["cumulative"]

    check()
