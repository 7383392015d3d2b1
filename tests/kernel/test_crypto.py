"""Envelope encryption, blind indexes and passwords."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry_kernel import crypto


def _keyring():
    return crypto.KeyRing.parse(f"a1:{crypto.generate_key_text()}")


@given(st.binary(max_size=512), st.text(max_size=30))
@settings(max_examples=60)
def test_values_round_trip_and_any_flipped_bit_is_detected(plaintext, row):
    dek, dek_id = crypto.new_data_key()
    aad = crypto.associated_data("participants", "first_name", row)
    blob = crypto.encrypt_value(dek, dek_id, plaintext, aad)
    assert blob[0] == crypto.FORMAT_VERSION and blob[1:9] == dek_id
    assert crypto.decrypt_value(dek, dek_id, blob, aad) == plaintext
    for position in (0, 5, 15, len(blob) - 1):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(crypto.CryptoError):
            crypto.decrypt_value(dek, dek_id, bytes(tampered), aad)


def test_a_value_moved_to_another_row_or_column_fails():
    dek, dek_id = crypto.new_data_key()
    blob = crypto.encrypt_value(dek, dek_id, b"Maria", crypto.associated_data("p", "first_name", "1"))
    for aad in (crypto.associated_data("p", "first_name", "2"),
                crypto.associated_data("p", "last_name", "1")):
        with pytest.raises(crypto.CryptoError):
            crypto.decrypt_value(dek, dek_id, blob, aad)


def test_nonces_never_repeat():
    dek, dek_id = crypto.new_data_key()
    nonces = {crypto.encrypt_value(dek, dek_id, b"x", b"a")[9:21] for _ in range(10_000)}
    assert len(nonces) == 10_000


def test_key_ring_rotation_unwraps_old_and_wraps_with_new():
    old = crypto.generate_key_text()
    new = crypto.generate_key_text()
    ring_old = crypto.KeyRing.parse(f"v1:{old}")
    kek_id, wrapped = ring_old.wrap(b"k" * 32, "participant-1")
    ring_both = crypto.KeyRing.parse(f"v2:{new},v1:{old}")
    assert ring_both.primary == "v2"
    assert ring_both.unwrap(kek_id, wrapped, "participant-1") == b"k" * 32
    with pytest.raises(crypto.CryptoError, match="not configured"):
        crypto.KeyRing.parse(f"v2:{new}").unwrap(kek_id, wrapped, "participant-1")
    with pytest.raises(crypto.CryptoError):
        ring_both.unwrap(kek_id, wrapped, "participant-2")  # bound to its participant


def test_bad_master_keys_are_refused_clearly():
    with pytest.raises(crypto.CryptoError, match="32 bytes"):
        crypto.KeyRing.parse("k:c2hvcnQ")
    with pytest.raises(crypto.CryptoError, match="no master key"):
        crypto.KeyRing.parse("")


def test_blind_indexes_normalize_and_use_separate_keys():
    indexer = crypto.BlindIndexer(crypto.parse_index_key(crypto.generate_key_text()))
    assert indexer.email(" Maria@Example.ORG ") == indexer.email("maria@example.org")
    assert indexer.name_birth_date("José", "de la Cruz", "1990-01-02") == \
        indexer.name_birth_date("jose", "DelaCruz", "1990-01-02")
    assert indexer.index("email", "x") != indexer.index("ssn", "x")
    other = crypto.BlindIndexer(crypto.parse_index_key(crypto.generate_key_text()))
    assert other.email("a@b.org") != indexer.email("a@b.org")


def test_passwords_use_argon2id_and_verify():
    phc = crypto.hash_password("correct horse battery")
    assert phc.startswith("$argon2id$")
    assert crypto.verify_password("correct horse battery", phc)
    assert not crypto.verify_password("wrong horse battery", phc)
    assert not crypto.verify_password("anything", None)
