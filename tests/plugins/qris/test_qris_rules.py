"""The rule file and scoring functions: every level of both elements at its boundary, under
cumulative levels (the statewide default: a level counts only when every lower one is met) and
under "highest" (the highest level met); adding a qualifying record never lowers a score in
either mode (hypothesis); and bad county files rejected with the file, line and reason."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from registry_plugins.qris import rules as R

STATEWIDE, DATA = R.load_statewide()
HIGHEST = replace(STATEWIDE, levels="highest")
MODES = {"cumulative": STATEWIDE, "highest": HIGHEST}
CORE = frozenset(R.CORE_COURSES)
D = Decimal


def points(element: int, facts: R.Facts, kind: str = "center", rules: R.RuleSet = STATEWIDE):
    return R.score_person(rules, rules.elements[element], facts, kind).points


def test_statewide_file_loads_with_version_and_both_elements():
    assert (STATEWIDE.county, STATEWIDE.version) == ("statewide", "2026.2")
    assert STATEWIDE.levels == "cumulative"
    assert STATEWIDE.describe()["levels"] == "cumulative"
    assert sorted(STATEWIDE.elements) == [3, 7]
    assert STATEWIDE.elements[3].site_kinds == ("center", "fcc")
    assert STATEWIDE.elements[7].site_kinds == ("center",)
    for element in STATEWIDE.elements.values():
        assert [level.points for level in element.levels] == [1, 2, 3, 4, 5]


# --- Element 3, each level at its boundary ----------------------------------------------------
# (facts, points with cumulative levels, points with "highest"). The cumulative chain: a person
# meeting exactly a level and every level below it; a hundredth short of one step; and records
# that meet a high level with nothing below it (Title 22 is the floor).

TITLE22 = R.Facts(ece_units=D(12), core_areas_met=CORE, experience_months=D(6))
TWO_C = replace(TITLE22, ece_units=D(24))  # level 2 (center) on top of Title 22
THREE = replace(TWO_C, ge_units=D(16), pd_hours=D(21))  # level 3 on top of 1 and 2


@pytest.mark.parametrize(("facts", "cumulative", "highest"), [
    (R.Facts(), None, None),
    (TITLE22, 1, 1),
    (replace(TITLE22, ece_units=D("11.99")), None, None),
    (replace(TITLE22, experience_months=D("5.9")), None, None),
    (replace(TITLE22, core_areas_met=frozenset({"child_growth", "curriculum"})), None, None),
    (R.Facts(credentials=("cda",)), 1, 1),
    (R.Facts(permits=("assistant",)), 1, 1),
    (TWO_C, 2, 2),
    (replace(TITLE22, ece_units=D("23.99")), 1, 1),
    (R.Facts(permits=("associate_teacher",)), 2, 2),
    (THREE, 3, 3),
    (replace(THREE, ge_units=D("15.99")), 2, 2),
    (replace(THREE, pd_hours=D("20.99")), 2, 2),
    (R.Facts(permits=("teacher",), pd_hours=D(21)), 3, 3),
    (R.Facts(permits=("childrens_center",), pd_hours=D(21)), 3, 3),
    (R.Facts(permits=("teacher",)), 2, 2),
    # level 4: on top of 1-3, and without them
    (replace(THREE, degrees=(("AS", False),)), 4, 4),
    (R.Facts(degrees=(("AA", True),), permits=("teacher",), pd_hours=D(21)), 4, 4),
    (R.Facts(degrees=(("AA", True),), pd_hours=D(21)), None, 4),
    (R.Facts(degrees=(("AS", False),), ece_units=D(24), pd_hours=D(21)), None, 4),
    (R.Facts(degrees=(("AA", False),), ece_units=D("23.99"), pd_hours=D(21)), None, None),
    (replace(THREE, ece_units=D("23.99"), degrees=(("AA", False),)), 1, 1),
    (R.Facts(permits=("site_supervisor",), pd_hours=D(21)), 4, 4),
    # level 5: on top of 1-4, and without them (or with a gap at level 2)
    (replace(THREE, degrees=(("BS", False),)), 5, 5),
    (R.Facts(degrees=(("BA", True),), permits=("teacher",), pd_hours=D(21)), 5, 5),
    (R.Facts(degrees=(("BA", True),), pd_hours=D(21)), None, 5),
    (R.Facts(degrees=(("BA", True),), permits=("assistant",), pd_hours=D(21)), 1, 5),
    (R.Facts(degrees=(("BS", False),), ece_units=D(24), core_areas_met=CORE,
             pd_hours=D(21)), None, 5),
    (R.Facts(degrees=(("MA", True),), pd_hours=D(21)), None, 5),
    (R.Facts(degrees=(("MA", True),), permits=("associate_teacher",), pd_hours=D(21)), 2, 5),
    (R.Facts(permits=("program_director",), pd_hours=D(21)), 5, 5),
    (R.Facts(permits=("program_director",), pd_hours=D("20.99")), 2, 2),
])
def test_element_3_center_levels(facts, cumulative, highest):
    assert points(3, facts) == cumulative
    assert points(3, facts, rules=HIGHEST) == highest


def test_element_3_fcc_needs_12_units_for_two_points():
    facts = replace(TITLE22, ece_units=D(12))
    assert points(3, facts, "fcc") == 2
    assert points(3, facts, "center") == 1
    assert points(3, replace(facts, ece_units=D("11.99")), "fcc") is None


# --- Element 7 --------------------------------------------------------------------------------

E7_ONE = R.Facts(ece_units=D(12), admin_units=D(3), experience_months=D(48))
E7_TWO = replace(E7_ONE, ece_units=D(24), ge_units=D(16))  # level 2 on top of Title 22


@pytest.mark.parametrize(("facts", "cumulative", "highest"), [
    (E7_ONE, 1, 1),
    (replace(E7_ONE, admin_units=D("2.99")), None, None),
    (replace(E7_ONE, experience_months=D(47)), None, None),
    (E7_TWO, 2, 2),
    (R.Facts(ece_units=D(24), ge_units=D(16), admin_units=D(3)), None, 2),
    (R.Facts(permits=("master_teacher",)), None, 2),
    (replace(E7_ONE, permits=("master_teacher",)), 2, 2),
    (replace(E7_TWO, degrees=(("AA", False),), admin_units=D(5), supervision_units=D(3),
             pd_hours=D(21)), 3, 3),
    (replace(E7_TWO, degrees=(("AA", False),), admin_units=D(5),
             supervision_units=D("2.99"), pd_hours=D(21)), 2, 2),
    (R.Facts(degrees=(("AA", False),), ece_units=D(24), admin_units=D(5),
             supervision_units=D(3), pd_hours=D(21)), None, 3),
    (R.Facts(permits=("site_supervisor",), pd_hours=D(21)), 3, 3),
    (R.Facts(permits=("site_supervisor",)), 2, 2),  # also meets "Master Teacher Permit"
    (replace(E7_TWO, degrees=(("BA", False),), admin_units=D(8), pd_hours=D(21)), 4, 4),
    (R.Facts(degrees=(("BA", False),), ece_units=D(24), admin_units=D(8), pd_hours=D(21)),
     None, 4),
    (R.Facts(permits=("program_director",), pd_hours=D(21)), 4, 4),
    (replace(E7_TWO, degrees=(("MA", False),), ece_units=D(30), admin_units=D(8),
             pd_hours=D(21)), 5, 5),
    (replace(E7_TWO, degrees=(("MA", False),), ece_units=D("29.99"), admin_units=D(8),
             pd_hours=D(21)), 4, 4),
    (R.Facts(degrees=(("MA", False),), ece_units=D(30), admin_units=D(8), pd_hours=D(21)),
     None, 5),
    (R.Facts(credentials=("administrative_services_credential",), pd_hours=D(21)), None, 5),
    (R.Facts(credentials=("administrative_services_credential",), permits=("site_supervisor",),
             pd_hours=D(21)), 3, 5),  # level 4 needs a BA/BS or a Program Director Permit
    (R.Facts(credentials=("administrative_services_credential",),
             permits=("program_director",), pd_hours=D(21)), 5, 5),
])
def test_element_7_levels(facts, cumulative, highest):
    assert points(7, facts) == cumulative
    assert points(7, facts, rules=HIGHEST) == highest


def test_missing_for_next_level_says_how_much():
    result = R.score_person(STATEWIDE, STATEWIDE.elements[3],
                            replace(TITLE22, ece_units=D(18)), "center")
    assert result.points == 1 and result.next_points == 2
    assert "6.00 more ECE units" in result.missing
    result = R.score_person(STATEWIDE, STATEWIDE.elements[3],
                            R.Facts(permits=("teacher",), pd_hours=D(5)), "center")
    assert result.points == 2
    assert result.missing == ["16.00 more professional development hours in the PD year"]


# --- cumulative versus highest ------------------------------------------------------------------

NO_TITLE22 = R.Facts(ece_units=D(24), ge_units=D(16), pd_hours=D(21))  # no core, no experience


def test_higher_level_without_title_22_scores_nothing_under_cumulative_levels():
    """The issue's example: 24 ECE + 16 GE units and 21 PD hours, without the three core courses
    and without experience, do not meet level 1 (Title 22), so no level counts."""
    result = R.score_person(STATEWIDE, STATEWIDE.elements[3], NO_TITLE22, "center")
    assert (result.points, result.level, result.option) == (None, None, None)
    assert result.next_points == 1
    level1 = STATEWIDE.elements[3].levels[0]
    assert result.missing == R.level_missing(STATEWIDE, level1, NO_TITLE22, "center")[1]
    assert result.missing  # the closest Title 22 option, e.g. "CDA credential"
    highest = R.score_person(HIGHEST, HIGHEST.elements[3], NO_TITLE22, "center")
    assert (highest.points, highest.option.id, highest.next_points) == (3, "ece24_ge16", 4)
    # with the core courses and 6 months' experience it is 3 points either way
    both = replace(NO_TITLE22, core_areas_met=CORE, experience_months=D(6))
    assert points(3, both) == points(3, both, rules=HIGHEST) == 3


def test_missing_names_the_first_unmet_level_under_cumulative_levels():
    # levels 1 and 4 met, level 2 not: one point, and level 2's gap is what blocks the next
    facts = replace(TITLE22, ece_units=D(18), degrees=(("AA", True),), pd_hours=D(21))
    result = R.score_person(STATEWIDE, STATEWIDE.elements[3], facts, "center")
    assert (result.points, result.next_points) == (1, 2)
    assert result.missing == ["6.00 more ECE units"]
    highest = R.score_person(HIGHEST, HIGHEST.elements[3], facts, "center")
    assert (highest.points, highest.next_points) == (4, 5)
    assert "6.00 more ECE units" not in highest.missing
    # levels 1, 2 met, the PD hours block level 3 (and 4 and 5, held by a BA in ECE)
    facts = replace(TWO_C, ge_units=D(16), degrees=(("BA", True),))
    result = R.score_person(STATEWIDE, STATEWIDE.elements[3], facts, "center")
    assert (result.points, result.next_points) == (2, 3)
    assert result.missing == ["21.00 more professional development hours in the PD year"]


def test_a_county_file_switches_the_mode_and_an_unknown_mode_is_refused():
    assert load(county_file("")).levels == "cumulative"  # inherited from the statewide file
    text = county_file("").replace('extends = "statewide"\n',
                                   'extends = "statewide"\nlevels = "highest"\n')
    rules = load(text)
    assert (rules.levels, rules.describe()["levels"]) == ("highest", "highest")
    assert points(3, NO_TITLE22, rules=rules) == 3
    assert points(3, NO_TITLE22) is None
    bad = text.replace('levels = "highest"', 'levels = "best"')
    with pytest.raises(R.RuleFileError) as caught:
        load(bad)
    assert (caught.value.source, caught.value.line) == ("san-diego.toml", 5)
    assert caught.value.reason == "unknown levels mode 'best' (known: cumulative, highest)"
    assert str(caught.value).startswith("san-diego.toml:5: ")


def test_an_unknown_mode_in_a_replacement_statewide_file_is_refused(tmp_path):
    path = tmp_path / "statewide.toml"
    text = R.STATEWIDE_FILE.read_text(encoding="utf-8")
    path.write_text(text.replace('levels = "cumulative"', "levels = 3"), encoding="utf-8")
    with pytest.raises(R.RuleFileError) as caught:
        R.load_statewide(path)
    line = text.splitlines().index('levels = "cumulative"') + 1
    assert (caught.value.source, caught.value.line) == (str(path), line)
    assert caught.value.reason.startswith("unknown levels mode 3")
    # without the setting a rule file is cumulative
    path.write_text(text.replace('levels = "cumulative"', ""), encoding="utf-8")
    assert R.load_statewide(path)[0].levels == "cumulative"


def test_aggregates():
    minimum, average = STATEWIDE.elements[3], STATEWIDE.with_aggregate(3, "average").elements[3]
    assert R.aggregate(minimum, [3, 5, 4]) == 3
    assert R.aggregate(average, [3, 5, 4]) == 4
    assert R.aggregate(average, [3, 4]) == 3  # 3.5 rounds down
    assert R.aggregate(minimum, []) is None
    assert R.aggregate(minimum, [3, None]) is None
    assert R.aggregate(STATEWIDE.elements[7], [None, 4]) == 4


# --- property: adding a qualifying record never lowers a score ---------------------------------

units = st.decimals(min_value=0, max_value=80, places=2)
degrees = st.tuples(st.sampled_from(list(R.DEGREE_RANK)), st.booleans())
permit_levels = st.sampled_from([*STATEWIDE.permit_order, "childrens_center"])
facts_strategy = st.builds(
    R.Facts, ece_units=units, ge_units=units, admin_units=st.decimals(0, 12, places=2),
    supervision_units=st.decimals(0, 6, places=2),
    core_areas_met=st.frozensets(st.sampled_from(R.CORE_COURSES)),
    degrees=st.lists(degrees, max_size=2).map(tuple),
    permits=st.lists(permit_levels, max_size=2).map(tuple),
    credentials=st.lists(st.sampled_from(R.CREDENTIAL_KINDS), max_size=2).map(tuple),
    experience_months=st.decimals(0, 120, places=1), pd_hours=st.decimals(0, 40, places=2))


def _add(facts: R.Facts, what: str, value) -> R.Facts:
    if what in ("degrees", "permits", "credentials"):
        return replace(facts, **{what: (*getattr(facts, what), value)})
    if what == "core_areas_met":
        return replace(facts, core_areas_met=facts.core_areas_met | {value})
    return replace(facts, **{what: getattr(facts, what) + value})


additions = st.one_of(
    st.tuples(st.sampled_from(["ece_units", "ge_units", "admin_units", "supervision_units",
                               "pd_hours", "experience_months"]),
              st.decimals(min_value=0, max_value=30, places=2)),
    st.tuples(st.just("degrees"), degrees),
    st.tuples(st.just("permits"), permit_levels),
    st.tuples(st.just("credentials"), st.sampled_from(R.CREDENTIAL_KINDS)),
    st.tuples(st.just("core_areas_met"), st.sampled_from(R.CORE_COURSES)),
)


@settings(max_examples=300, deadline=None)
@given(facts=facts_strategy, added=additions, element=st.sampled_from([3, 7]),
       kind=st.sampled_from(["center", "fcc"]), mode=st.sampled_from(sorted(MODES)))
def test_adding_a_qualifying_record_never_lowers_points(facts, added, element, kind, mode):
    if kind == "fcc" and element == 7:
        kind = "center"
    before = points(element, facts, kind, rules=MODES[mode]) or 0
    after = points(element, _add(facts, *added), kind, rules=MODES[mode]) or 0
    assert after >= before


@settings(max_examples=100, deadline=None)
@given(people=st.lists(facts_strategy, min_size=1, max_size=4), index=st.integers(0, 3),
       added=additions, aggregate=st.sampled_from(R.AGGREGATES),
       mode=st.sampled_from(sorted(MODES)))
def test_site_points_never_drop_when_one_person_gains_a_record(people, index, added, aggregate,
                                                                mode):
    rules = MODES[mode].with_aggregate(3, aggregate)
    element = rules.elements[3]
    before = R.aggregate(element, [points(3, f, rules=rules) for f in people]) or 0
    index %= len(people)
    people = [*people[:index], _add(people[index], *added), *people[index + 1:]]
    after = R.aggregate(element, [points(3, f, rules=rules) for f in people]) or 0
    assert after >= before


@settings(max_examples=200, deadline=None)
@given(facts=facts_strategy, element=st.sampled_from([3, 7]))
def test_points_met_means_no_missing_below(facts, element):
    """Cumulative: every level up to the points is met, the next one is not and its gap is
    what is missing. Highest: the level of the points is met, the one above it is not."""
    for rules in (STATEWIDE, HIGHEST):
        levels = rules.elements[element].levels
        result = R.score_person(rules, rules.elements[element], facts, "center")
        met = [not R.level_missing(rules, lv, facts, "center")[1] for lv in levels]
        if result.points is not None:
            option, missing = R.level_missing(rules, levels[result.points - 1], facts, "center")
            assert missing == [] and option == result.option
        if rules.levels == "cumulative":
            expected = next((i for i, ok in enumerate(met) if not ok), len(met))
            assert (result.points or 0) == expected
        else:
            assert (result.points or 0) == max((i + 1 for i, ok in enumerate(met) if ok),
                                               default=0)
        if result.next_points is not None:
            assert result.next_points == (result.points or 0) + 1
            assert result.missing == R.level_missing(
                rules, levels[result.next_points - 1], facts, "center")[1]
            assert result.missing  # the next level is not met, so something is missing


# --- bad county files -------------------------------------------------------------------------

def county_file(body: str, county: str = "San Diego") -> str:
    return (f'[rule_set]\ncounty = "{county}"\nversion = "sd-2026.1"\n'
            f'extends = "statewide"\n\n{body}')


LEVEL2 = """[[elements.3.levels]]
points = 2
label = "Two"

  [[elements.3.levels.options]]
  id = "ece18"
  ece_units = 18
"""


def load(text: str):
    return R.load_county_text(text, "san-diego.toml", DATA, "San Diego")


def test_county_override_replaces_a_level_and_keeps_the_rest():
    rules = load(county_file(LEVEL2 + '\n[elements.3]\naggregate = "average"\n'))
    assert (rules.county, rules.version) == ("San Diego", "sd-2026.1")
    assert rules.elements[3].aggregate == "average"
    assert [o.id for o in rules.elements[3].levels[1].options] == ["ece18"]
    assert rules.elements[3].levels[2] == STATEWIDE.elements[3].levels[2]
    assert points(3, replace(TITLE22, ece_units=D(18)), rules=rules) == 2
    assert points(3, replace(TITLE22, ece_units=D(18))) == 1


@pytest.mark.parametrize(("body", "line", "reason"), [
    (LEVEL2.replace('label = "Two"', 'label = "Two"\ncolour = "red"'), 9, "unknown field 'colour'"),
    (LEVEL2.replace("ece_units = 18", "ece_units = 18\nunits_ece = 3"), 13,
     "unknown field 'units_ece'"),
    (LEVEL2.replace("ece_units = 18", 'permit = "wizard"'), 12, "unknown permit level 'wizard'"),
    (LEVEL2 + "\n" + LEVEL2, 15, "overlapping levels"),
    (LEVEL2.replace("points = 2", "points = 7"), 7, "points must be a whole number from 1 to 5"),
    ('[elements.4]\ntitle = "Four"\nroles = { center = ["teacher"], fcc = ["fcc_owner"] }\n\n'
     + LEVEL2.replace("elements.3", "elements.4"), 11,
     "unreachable level: element 4 level 2 has no level 1 below it"),
    (LEVEL2.split("\n  [[")[0], 7, "unreachable level: element 3 level 2 has no options"),
    ('[rule_set.more]\nx = 1\n', 6, "unknown field 'more'"),
])
def test_bad_county_file_is_rejected_with_line_and_reason(body, line, reason):
    text = county_file(body)
    with pytest.raises(R.RuleFileError) as caught:
        load(text)
    assert caught.value.source == "san-diego.toml"
    assert reason in caught.value.reason
    assert caught.value.line == line, (str(caught.value), text.splitlines()[line - 1])
    assert str(caught.value).startswith(f"san-diego.toml:{line}: ")


def test_not_toml_and_wrong_county_are_rejected():
    with pytest.raises(R.RuleFileError, match="not valid TOML"):
        load("[rule_set\ncounty = 1")
    with pytest.raises(R.RuleFileError, match="must be 'San Diego'"):
        load(county_file("", county="Alameda"))
