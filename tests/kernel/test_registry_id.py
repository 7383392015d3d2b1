"""Registry IDs: random, check-digit protected, independent of personal data."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry_kernel import registry_id


def test_generated_ids_are_valid_and_not_sequential():
    ids = [registry_id.generate() for _ in range(2000)]
    assert all(registry_id.is_valid(rid) for rid in ids)
    assert len(set(ids)) == len(ids)
    numbers = sorted(int(rid[:9]) for rid in ids)
    gaps = {b - a for a, b in itertools.pairwise(numbers)}
    assert len(gaps) > 1000  # no fixed stride to guess the next ID from


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 8),
       st.integers(1, 9))
def test_every_single_digit_error_is_caught(body, position, delta):
    valid = body + str(registry_id.check_digit(body))
    digits = list(valid)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not registry_id.is_valid("".join(digits))


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 8))
def test_every_adjacent_transposition_is_caught(body, position):
    valid = body + str(registry_id.check_digit(body))
    digits = list(valid)
    if digits[position] == digits[position + 1]:
        return
    digits[position], digits[position + 1] = digits[position + 1], digits[position]
    assert not registry_id.is_valid("".join(digits))


def test_display_form_and_typing_variants_normalize():
    rid = registry_id.generate()
    shown = registry_id.display(rid)
    assert shown.count("-") == 2
    assert registry_id.normalize(shown) == rid
    assert registry_id.normalize(" ".join(shown.split("-"))) == rid


@pytest.mark.parametrize(("text", "reason"), [
    ("12345", "10 digits"), ("abcdefghij", "only digits"), ("", "only digits")])
def test_malformed_ids_say_why(text, reason):
    with pytest.raises(registry_id.InvalidRegistryId, match=reason):
        registry_id.normalize(text)
