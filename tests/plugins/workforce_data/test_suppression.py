"""Property: no combination of published cells and the total reveals a suppressed cell."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from registry_plugins.workforce_data.services import suppress

tables = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3),
                         st.integers(min_value=1, max_value=60), min_size=1, max_size=8)


def alternative_exists(hidden: dict[str, int], cell: str, min_cell: int) -> bool:
    """Whether another assignment of the hidden cells, with the same (known) total, each >= 1
    and at least one under ``min_cell`` (some cell was hidden for being small), gives ``cell``
    a different value."""
    for other in hidden:
        if other == cell:
            continue
        for delta in (1, -1):
            trial = dict(hidden)
            trial[cell] += delta
            trial[other] -= delta
            if min(trial.values()) >= 1 and any(v < min_cell for v in trial.values()):
                return True
    return False


@settings(max_examples=400, deadline=None)
@given(tables, st.integers(min_value=3, max_value=15))
def test_no_suppressed_cell_can_be_recovered(counts, min_cell):
    cells, total = suppress(counts, min_cell)
    assert cells.keys() == counts.keys()
    for group, value in cells.items():
        assert value is None or value == counts[group]
        if counts[group] < min_cell:
            assert value is None, "a small cell was published"
    hidden = {g: counts[g] for g, v in cells.items() if v is None}
    if total is not None:
        assert total == sum(counts.values()) and total >= min_cell
    if not hidden:
        return
    if len(hidden) == 1:
        # a lone hidden cell is only possible when it is the whole table: no total then
        assert len(cells) == 1 and total is None
        return
    if sum(counts.values()) < min_cell:
        # a population under the minimum: every cell is small, and its total is never published
        # (in this table or any other), so nothing pins the hidden cells down
        assert all(v is None for v in cells.values()) and total is None
        return
    # otherwise the attacker is assumed to know the true total (from another table, say)
    for group in hidden:
        assert alternative_exists(hidden, group, min_cell), (counts, cells, total)


def test_two_ones_get_a_third_cell_hidden():
    cells, total = suppress({"a": 1, "b": 1, "c": 30, "d": 40}, 11)
    assert cells == {"a": None, "b": None, "c": None, "d": 40}
    assert total == 72


def test_nothing_small_publishes_everything():
    assert suppress({"a": 11, "b": 12}, 11) == ({"a": 11, "b": 12}, 23)
