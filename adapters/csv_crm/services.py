"""Upserting rows into the CRM's CSV files, safely for several workers at once.

Each kind of record has a file and a key column; a push replaces the row with the same key or
appends one (delivery is at least once, so a retried push cannot double a row). Every write
holds an exclusive lock on ``.registry-csv-crm.lock`` in the folder and replaces the file
atomically (a temporary file in the same folder, flushed to disk, then renamed), so the CRM never
reads a half-written file. Two columns are added to the record's: ``registry_event_id`` (the
domain event that wrote the row) and ``updated_at`` (UTC).
"""

from __future__ import annotations

import csv
import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# kind -> (file name, key column, the record's columns as the crm hookspecs define them)
LAYOUTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "participant": ("participants.csv", "registry_id", (
        "registry_id", "first_name", "last_name", "email", "phone", "county",
        "preferred_language")),
    "enrollment": ("enrollments.csv", "enrollment_id", (
        "registry_id", "enrollment_id", "event_id", "training_id", "title", "starts_at",
        "status")),
    "hours": ("hours.csv", "enrollment_id", (
        "registry_id", "enrollment_id", "event_id", "title", "hours", "competency_area",
        "completed_on")),
}
EXTRA = ("registry_event_id", "updated_at")
LOCK_NAME = ".registry-csv-crm.lock"


class CsvCrmError(RuntimeError):
    """The folder cannot be written (the outbox retries)."""


def columns(kind: str) -> tuple[str, ...]:
    return (*LAYOUTS[kind][2], *EXTRA)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    if not folder.is_dir():
        raise CsvCrmError(f"the CRM folder {folder} does not exist")
    with open(folder / LOCK_NAME, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def upsert(folder: Path, kind: str, record: dict[str, Any], event_id: str) -> None:
    """Write ``record`` into the kind's file, replacing the row with the same key."""
    name, key, _ = LAYOUTS[kind]
    wanted = columns(kind)
    row = {column: _cell(record.get(column)) for column in LAYOUTS[kind][2]}
    if not row[key]:
        raise CsvCrmError(f"a {kind} record without {key}")
    row["registry_event_id"] = event_id
    row["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    try:
        with _locked(folder):
            path = folder / name
            rows = _read(path)
            for index, existing in enumerate(rows):
                if existing.get(key) == row[key]:
                    rows[index] = row
                    break
            else:
                rows.append(row)
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed into place below
                "w", newline="", encoding="utf-8", dir=folder, prefix=f".{name}.",
                delete=False)
            try:
                with handle:
                    writer = csv.DictWriter(handle, fieldnames=wanted, extrasaction="ignore",
                                            lineterminator="\r\n")
                    writer.writeheader()
                    writer.writerows({c: r.get(c, "") for c in wanted} for r in rows)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(handle.name, 0o640)
                os.replace(handle.name, path)
            except BaseException:
                Path(handle.name).unlink(missing_ok=True)
                raise
    except OSError as exc:
        raise CsvCrmError(f"cannot write {name} in {folder}: {exc}") from exc


def lookup(folder: Path, registry_id: str) -> dict[str, str] | None:
    """The participant's row in ``participants.csv``, or ``None``."""
    with _locked(folder):
        for row in _read(folder / LAYOUTS["participant"][0]):
            if row.get("registry_id") == registry_id:
                return row
    return None
