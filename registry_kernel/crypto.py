"""Personal data protection: envelope encryption, blind indexes and password hashing.

* Each participant has a 256-bit data key (DEK). It is stored only wrapped (AES-256-GCM) by a
  master key-encryption key (KEK) that lives outside the database.
* A personal field is ``0x01 | dek_id (8 bytes) | nonce (12) | AES-GCM ciphertext+tag``, with
  ``table|column|row`` as associated data, so a value copied to another row or column fails.
* Exact-match look-ups use HMAC-SHA256 blind indexes keyed by HKDF-derived keys of a separate
  index key; the KEK never touches them.
* Rotating the KEK re-wraps DEKs; deleting a DEK (crypto-shredding) makes the data unreadable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidKey, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT_VERSION = 1
_HEADER = 1 + 8 + 12


class CryptoError(RuntimeError):
    """A value cannot be decrypted (wrong key, tampered data, or a shredded participant)."""


class KeyShredded(CryptoError):
    """The participant's data key was deleted: their personal data is gone for good."""


def _b64decode_key(text: str, what: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise CryptoError(f"{what} is not valid base64") from exc
    if len(raw) != 32:
        raise CryptoError(f"{what} must be 32 bytes (256 bits), got {len(raw)}")
    return raw


def generate_key_text() -> str:
    """A new random 256-bit key as unpadded URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


@dataclass(frozen=True)
class KeyRing:
    """Master keys by id; the first is primary (used to wrap), all can unwrap."""

    keys: dict[str, bytes]
    primary: str

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """Parse ``"kid:base64[,kid:base64...]"`` (a bare key gets the id ``k1``)."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in [p.strip() for p in text.split(",") if p.strip()]:
            kid, sep, material = part.partition(":")
            if not sep:
                kid, material = "k1", part
            if not kid.isidentifier() or len(kid) > 32:
                raise CryptoError(f"master key id {kid!r} must be a short identifier")
            keys[kid] = _b64decode_key(material, f"master key {kid!r}")
            order.append(kid)
        if not keys:
            raise CryptoError("no master key given")
        return cls(keys=keys, primary=order[0])

    def wrap(self, dek: bytes, binding: str) -> tuple[str, bytes]:
        """Wrap a data key under the primary KEK; returns ``(kek_id, wrapped)``."""
        nonce = os.urandom(12)
        aad = f"dek|{binding}".encode()
        return self.primary, nonce + AESGCM(self.keys[self.primary]).encrypt(nonce, dek, aad)

    def unwrap(self, kek_id: str, wrapped: bytes, binding: str) -> bytes:
        key = self.keys.get(kek_id)
        if key is None:
            raise CryptoError(f"master key {kek_id!r} is not configured; add it to "
                              "REGISTRY_MASTER_KEY to read data wrapped by it")
        try:
            return AESGCM(key).decrypt(wrapped[:12], wrapped[12:], f"dek|{binding}".encode())
        except InvalidTag as exc:
            raise CryptoError("a data key failed to unwrap (tampered or wrong master key)") from exc


def new_data_key() -> tuple[bytes, bytes]:
    """A fresh DEK and its 8-byte id."""
    return AESGCM.generate_key(bit_length=256), os.urandom(8)


def associated_data(table: str, column: str, row: str) -> bytes:
    """The AAD that binds a ciphertext to its table, column and row."""
    return f"{table}|{column}|{row}".encode()


def encrypt_value(dek: bytes, dek_id: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt with a version byte and the data key's id in front."""
    nonce = os.urandom(12)
    return bytes([FORMAT_VERSION]) + dek_id + nonce + AESGCM(dek).encrypt(nonce, plaintext, aad)


def decrypt_value(dek: bytes, dek_id: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < _HEADER + 16 or blob[0] != FORMAT_VERSION:
        raise CryptoError("not a registry ciphertext (unknown format version)")
    if blob[1:9] != dek_id:
        raise CryptoError("ciphertext was written under another data key")
    try:
        return AESGCM(dek).decrypt(blob[9:21], blob[21:], aad)
    except InvalidTag as exc:
        raise CryptoError("ciphertext failed authentication (tampered or moved)") from exc


class BlindIndexer:
    """HMAC-SHA256 blind indexes, one HKDF-derived key per index name."""

    def __init__(self, index_key: bytes) -> None:
        self._root = index_key
        self._keys: dict[str, bytes] = {}

    def _key(self, name: str) -> bytes:
        if name not in self._keys:
            self._keys[name] = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                    info=f"registry blind index {name}".encode()).derive(self._root)
        return self._keys[name]

    def index(self, name: str, normalized: str) -> str:
        """Hex HMAC of an already-normalized value."""
        return hmac.new(self._key(name), normalized.encode(), hashlib.sha256).hexdigest()

    def email(self, email: str) -> str:
        return self.index("email", normalize_email(email))

    def name_birth_date(self, first: str, last: str, birth_date: str) -> str:
        return self.index("name_dob", f"{normalize_name(first)}|{normalize_name(last)}|{birth_date}")

    def ssn(self, ssn: str) -> str:
        return self.index("ssn", "".join(ch for ch in ssn if ch.isdigit()))


def normalize_email(email: str) -> str:
    return unicodedata.normalize("NFKC", email).strip().lower()


def normalize_name(name: str) -> str:
    """Casefold, strip accents, spaces and punctuation: "José  de la Cruz" == "jose delacruz"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


# --- passwords -------------------------------------------------------------------------------

# OWASP Password Storage Cheat Sheet minimum for Argon2id: m=19 MiB, t=2, p=1.
ARGON2_MEMORY_KIB = 19456
ARGON2_ITERATIONS = 2


def hash_password(password: str) -> str:
    """Argon2id in PHC string format (parameters travel with the hash)."""
    kdf = Argon2id(salt=os.urandom(16), length=32, iterations=ARGON2_ITERATIONS, lanes=1,
                   memory_cost=ARGON2_MEMORY_KIB)
    return kdf.derive_phc_encoded(password.encode())


def verify_password(password: str, phc: str | None) -> bool:
    """Constant-work check; an absent hash still spends the same effort."""
    if not phc:
        hash_password(password)
        return False
    try:
        Argon2id.verify_phc_encoded(password.encode(), phc)
    except (InvalidKey, ValueError):
        return False
    return True


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy secret (tokens, client secrets, reset links) for storage."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


# --- development key files -------------------------------------------------------------------

def load_or_create_dev_keys(folder: Path) -> dict[str, str]:
    """Development keys kept under the instance folder (created on first use, mode 0600)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dev-keys.json"
    if path.exists():
        return json.loads(path.read_text())
    keys = {"secret_key": secrets.token_urlsafe(48), "master_key": f"dev1:{generate_key_text()}",
            "index_key": generate_key_text()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keys, handle)
    return keys


def parse_index_key(text: str) -> bytes:
    return _b64decode_key(text, "index key")
