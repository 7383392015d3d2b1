"""Content-addressed file storage for encrypted blobs.

The store never sees plaintext: callers seal a file under the participant's data key first
(:func:`plugins.documents.services.store_file`) and hand the ciphertext here. A blob's address is
the SHA-256 of its ciphertext, so it says nothing about the file's content (addressing by the
plaintext digest would reveal who uploaded the same transcript).

:class:`FileStorage` is the interface a deployment implements for object storage; the local
implementation writes to a temporary file in the same file system, fsyncs it, and moves it into
place with ``os.replace`` (atomic on POSIX), then fsyncs the directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_ADDRESS = re.compile(r"^[0-9a-f]{64}$")


class BlobNotFound(LookupError):
    """No blob has this address."""


class FileStorage(Protocol):
    """Where encrypted blobs live. Addresses are lowercase hex SHA-256 digests of the bytes."""

    def put(self, data: bytes) -> str: ...

    def open(self, address: str) -> bytes: ...

    def delete(self, address: str) -> None: ...

    def exists(self, address: str) -> bool: ...


def address_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalFileStorage:
    """Blobs under ``root/ab/cdef...``; temporary files under ``root/tmp``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, address: str) -> Path:
        if not _ADDRESS.match(address):
            raise BlobNotFound(address)
        return self.root / address[:2] / address[2:]

    def put(self, data: bytes) -> str:
        address = address_of(data)
        final = self._path(address)
        if final.exists():
            return address
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        _fsync_dir(final.parent)
        return address

    def open(self, address: str) -> bytes:
        try:
            return self._path(address).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(address) from exc

    def delete(self, address: str) -> None:
        with contextlib.suppress(FileNotFoundError, BlobNotFound):
            self._path(address).unlink()

    def exists(self, address: str) -> bool:
        try:
            return self._path(address).is_file()
        except BlobNotFound:
            return False


    def sweep(self, referenced: set[str], older_than_seconds: float) -> dict[str, int]:
        """Delete blobs no row references and stale temporary files, both older than
        ``older_than_seconds`` (a blob is written before its row commits, so young ones may
        still be in flight)."""
        import time

        cutoff = time.time() - older_than_seconds
        counts = {"deleted_blobs": 0, "deleted_tmp": 0, "kept_blobs": 0}
        if not self.root.exists():
            return counts
        for path in self.root.glob("??/*"):
            address = path.parent.name + path.name
            if not _ADDRESS.match(address) or not path.is_file():
                continue
            if address in referenced or path.stat().st_mtime > cutoff:
                counts["kept_blobs"] += 1
                continue
            path.unlink(missing_ok=True)
            counts["deleted_blobs"] += 1
        tmp_dir = self.root / "tmp"
        for path in tmp_dir.glob("upload-*") if tmp_dir.exists() else ():
            if path.stat().st_mtime <= cutoff:
                path.unlink(missing_ok=True)
                counts["deleted_tmp"] += 1
        return counts


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
