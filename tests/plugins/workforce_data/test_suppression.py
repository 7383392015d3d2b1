"""Property: no combination of published figures, across every table and every filter the
dashboard, the API and the downloads can produce, reveals a small group's size.

The attacker is given more than is published: the size of every released group (class) of the
release, and even how many people were left out altogether. Each person's unknown details are
then variables ``y[class, key] >= 0`` with one equation per class (the sizes add up) and one for
the people left out. Every variable appears in exactly one equation and the size of a group
``Q`` is a sum of variables, so the linear programme min/max of ``|Q|`` separates by class: a
class counts fully towards the minimum when every key it admits is in ``Q``, and fully towards
the maximum when some key it admits is in ``Q``. The test checks that every published count is
exactly such a sum of whole classes, and that for every group of 1 to ``min - 1`` people the
minimum and maximum differ by at least the minimum cell size, or (when none of its people is in
any figure) that several values remain possible.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from registry_plugins.workforce_data import services as svc

TODAY = date(2026, 6, 1)
#: dimensions that vary in the generated populations, with small value sets so that
#: every combination can be enumerated; the others are constant
VARYING = {"county": ("Alameda", "Fresno", "Yolo"), "role_category": ("teacher", "assistant",
                                                                      "none"),
           "left_job": ("yes", "no"), "permit_level": ("none", "teacher"),
           "permit_expiring": ("yes", "no"), "language": ("en", "es")}
CONSTANT = {"program_type": "center", "years_in_field": "3_5", "degree": "none",
            "ece_units": "0"}


def people_strategy():
    person = st.fixed_dictionaries({d: st.sampled_from(v) for d, v in VARYING.items()})
    return st.lists(st.tuples(person, st.one_of(st.none(), st.integers(15, 40)),
                              st.sampled_from(("CDL", "HSN"))), max_size=70)


def build(raw):
    return [svc.Person(key={**CONSTANT, **key}, wage=None if w is None else Decimal(w),
                       pd_hours={area: Decimal(3)}) for key, w, area in raw]


def conjunctions():
    """Every combination of values (or 'any') of the varying dimensions."""
    names = list(VARYING)
    for values in itertools.product(*[(None, *VARYING[n]) for n in names]):
        yield {n: v for n, v in zip(names, values, strict=True) if v is not None}


def filters_the_system_accepts():
    """Every filter (the constant dimensions' filters change nothing, so once is enough)."""
    names = [n for n in svc.FILTERS if n in VARYING]
    for values in itertools.product(*[(None, *VARYING[n]) for n in names]):
        yield {n: v for n, v in zip(names, values, strict=True) if v is not None}
    yield {"program_type": "center", "years_in_field": "3_5"}


def true_count(people, q):
    return sum(all(p.key[d] == v for d, v in q.items()) for p in people)


def classes(data):
    sizes: dict[tuple[str, ...], int] = {}
    for record in data.records:
        sizes[record.key] = sizes.get(record.key, 0) + 1
    return sizes


def bounds(data, sizes, q, left_out):
    """The attacker's linear bounds on |q| (see the module docstring)."""
    where = [(data.index[d], v) for d, v in q.items()]
    low = sum(n for k, n in sizes.items() if all(k[i] == v for i, v in where))
    high = sum(n for k, n in sizes.items() if all(k[i] in (v, svc.STAR) for i, v in where))
    return low, high + left_out


def both(q, **more):
    """``q`` and ``more`` at once, or ``None`` when they contradict (nobody is in both)."""
    if any(q.get(d, v) != v for d, v in more.items()):
        return None
    return {**q, **more}


def published_counts(data, filters):
    """Every count figure published for ``filters``, with the group of people it counts."""
    stats = svc.statistics_for(data, filters)
    # the dashboard's tables, and the API's summary by any dimension
    for table in [*stats["tables"], *(svc.count_table(data, by, filters)
                                      for by in svc.DIMENSIONS if by not in svc.TABLES)]:
        for group, count in table.cells.items():
            yield both(filters, **{table.by: group}), count
        yield filters, table.total
        assert table.combined == 0 or table.combined >= data.min_cell_size
    for item in stats["permits"]:
        q = both(filters, permit_level=item["group"])
        yield q, item["held"]
        if item["held"]:
            yield both(q, permit_expiring="yes"), item["expiring"]
            assert not 0 < item["expiring_combined"] < data.min_cell_size
    for item in stats["turnover"]:
        if item["group"] == "combined":
            continue
        q = both(filters, role_category=item["group"])
        yield q, item["employed"]
        if item["employed"]:
            yield both(q, left_job="yes"), item["left"]
            assert not 0 < item["left_combined"] < data.min_cell_size
    yield filters, stats["pd_hours"]["people"]


@settings(max_examples=80, deadline=None)
@given(people_strategy(), st.integers(min_value=3, max_value=6))
def test_no_table_combination_reveals_a_small_group(raw, min_cell):
    people = build(raw)
    data = svc.release(people, min_cell, today=TODAY)
    sizes = classes(data)
    assert all(n >= min_cell for n in sizes.values()), "a released class under the minimum"
    left_out = len(people) - len(data.records)
    assert left_out < min_cell or not people
    # every published count, for every filter, is a sum of whole released classes
    for filters in filters_the_system_accepts():
        for q, count in published_counts(data, filters):
            if q is None:
                assert count is None
                continue
            low, _ = bounds(data, sizes, q, left_out)
            assert (count or 0) == low, (q, count, low)
            assert count is None or count >= min_cell
            assert (count or 0) <= true_count(people, q)
    # and no group of 1..min-1 people is pinned down by them
    for q in conjunctions():
        n = true_count(people, q)
        if not 1 <= n < min_cell:
            continue
        low, high = bounds(data, sizes, q, left_out)
        assert low == 0 and n <= high  # no whole released class lies inside a small group
        # a released class that admits people of q and others: all its members might be in q
        straddling = any(all(data.value(r, d) in (v, svc.STAR) for d, v in q.items())
                         for r in data.records)
        if straddling:
            assert high - low >= min_cell, (q, n, low, high)
        else:  # none of q's people is in any figure; only the people left out could be in q
            assert high - low >= n >= 1


@settings(max_examples=60, deadline=None)
@given(people_strategy(), st.integers(min_value=3, max_value=6))
def test_quartiles_only_for_groups_of_the_minimum(raw, min_cell):
    people = build(raw)
    data = svc.release(people, min_cell, today=TODAY)
    for filters in filters_the_system_accepts():
        for wage in svc.wages_by_role(data, filters):
            reporters = [r for r in svc.matching(data, {**filters,
                                                        "role_category": wage["group"]})
                         if r.wage is not None]
            assert wage["suppressed"] == (len(reporters) < min_cell)


def key(**kw):
    return {**CONSTANT, "county": "Alameda", "role_category": "teacher", "left_job": "no",
            "permit_level": "none", "permit_expiring": "no", "language": "en", **kw}


def test_differencing_a_county_filtered_table_finds_nothing():
    """The brief's example: Yolo's 3 teachers hidden in the county x role table cannot be
    recovered from the statewide role table minus the other counties' published figures."""
    people = ([svc.Person(key(county="Alameda")) for _ in range(12)]
              + [svc.Person(key(county="Fresno")) for _ in range(11)]
              + [svc.Person(key(county="Yolo")) for _ in range(3)]
              + [svc.Person(key(county="Yolo", role_category="assistant")) for _ in range(9)])
    data = svc.release(people, 11, today=TODAY)
    statewide = svc.count_table(data, "role_category").cells["teacher"]
    by_county = sum(svc.count_table(data, "role_category", {"county": c}).cells["teacher"] or 0
                    for c in ("Alameda", "Fresno", "Yolo"))
    assert statewide == by_county == 23  # the differences are zero: Yolo's teachers are in none
    yolo = svc.count_table(data, "role_category", {"county": "Yolo"})
    assert yolo.cells["teacher"] is None and yolo.cells["assistant"] is None
    assert yolo.combined == 12 and yolo.total == 12  # Yolo's 12 counted, roles combined


def test_everyone_in_a_population_under_the_minimum_is_left_out():
    data = svc.release([svc.Person(key()) for _ in range(4)], 11, today=TODAY)
    assert data.records == []
    table = svc.count_table(data, "county")
    assert table.total is None and table.cells == {}


def test_nothing_small_releases_everything_exactly():
    people = [svc.Person(key()) for _ in range(11)] + [svc.Person(key(language="es"))
                                                       for _ in range(12)]
    data = svc.release(people, 11, today=TODAY)
    assert all(svc.STAR not in r.key for r in data.records)
    table = svc.count_table(data, "language")
    assert table.cells == {"en": 11, "es": 12} and table.total == 23 and table.combined == 0


def test_two_valued_dimensions_are_never_combined_alone():
    """Ten people who left a job and ten who did not, in one county and role: combining only
    'left a job' would make a group of 20 = 2 x 10, so both halves (each under 11) would be
    known to be exactly 10. The role is combined with it instead."""
    people = ([svc.Person(key(left_job="yes")) for _ in range(10)]
              + [svc.Person(key(left_job="no")) for _ in range(10)])
    data = svc.release(people, 11, today=TODAY)
    assert {data.value(r, "role_category") for r in data.records} == {svc.STAR}
    assert {data.value(r, "left_job") for r in data.records} == {svc.STAR}
    assert svc.cuts(svc.DIMENSIONS) == [10, 9, 8, 7, 6, 4, 3, 1, 0]
