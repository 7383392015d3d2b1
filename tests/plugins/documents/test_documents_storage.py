"""Raw storage: blobs are ciphertext, content-addressed, written atomically, cleaned up."""

from __future__ import annotations

import hashlib

import pytest
from documents_helpers import pdf_bytes
from registry_plugins.documents import services as svc
from registry_plugins.documents.models import Document
from registry_plugins.documents.storage import BlobNotFound, LocalFileStorage
from sqlalchemy import select

from registry_kernel.db import unit_of_work


def _stored(world, document_id):
    with world.registry.sessions() as session:
        document = session.get(Document, document_id)
        return document.blob, svc.storage_for(world.registry)


def test_stored_blob_is_not_the_plaintext(world):
    secret = b"SSN 123-45-6789 transcript of Maria Lopez"
    data = pdf_bytes("x")
    data = data.replace(b"%%EOF", b"% " + secret + b"\n%%EOF")
    document_id = world.upload(data).get_json()["id"]
    address, storage = _stored(world, document_id)
    raw = storage.open(address)
    assert secret not in raw and b"%PDF" not in raw
    assert hashlib.sha256(raw).hexdigest() == address  # addressed by the ciphertext
    assert address != hashlib.sha256(data).hexdigest()
    files = [p for p in storage.root.rglob("*") if p.is_file()]
    assert files and all(secret not in p.read_bytes() for p in files)
    assert not any((storage.root / "tmp").iterdir())  # no temporary file left behind


def test_the_same_file_twice_gets_two_addresses(world):
    data = pdf_bytes("same")
    first = world.upload(data).get_json()["id"]
    second = world.upload(data).get_json()["id"]
    assert _stored(world, first)[0] != _stored(world, second)[0]


def test_a_blob_cannot_be_swapped_between_documents(world):
    from registry_kernel.crypto import CryptoError

    first = world.upload(pdf_bytes("one")).get_json()["id"]
    second = world.upload(pdf_bytes("two")).get_json()["id"]
    with unit_of_work(world.registry.sessions) as session:
        a, b = session.get(Document, first), session.get(Document, second)
        a.blob = b.blob
    with world.registry.sessions() as session, pytest.raises(CryptoError):
        svc.read_file(session, world.registry, session.get(Document, first), actor=None)


def test_deleting_a_document_deletes_its_blob_after_commit(world):
    document_id = world.upload().get_json()["id"]
    address, storage = _stored(world, document_id)
    assert storage.exists(address)
    from documents_helpers import bearer

    assert world.client().delete(f"/api/v1/me/documents/{document_id}",
                                 headers=bearer(world.token)).status_code == 204
    assert not storage.exists(address)


def test_a_rolled_back_upload_leaves_no_orphan_blob(world):
    storage = svc.storage_for(world.registry)
    before = {p for p in storage.root.rglob("*") if p.is_file()} if storage.root.exists() else set()
    with world.registry.sessions() as session:
        from registry_kernel.models import Participant

        person = session.get(Participant, world.participant.participant_id)
        document = svc.upload_document(session, world.registry, person, data=pdf_bytes(),
                                       filename="x.pdf", type_="transcript")
        assert storage.exists(document.blob)
        session.rollback()
    assert not storage.exists(document.blob)
    after = {p for p in storage.root.rglob("*") if p.is_file()}
    assert after == before
    with world.registry.sessions() as session:
        assert session.scalar(select(Document.id)) is None


def test_local_storage_interface(tmp_path):
    storage = LocalFileStorage(tmp_path / "files")
    address = storage.put(b"ciphertext bytes")
    assert storage.exists(address) and storage.open(address) == b"ciphertext bytes"
    assert storage.put(b"ciphertext bytes") == address
    storage.delete(address)
    assert not storage.exists(address)
    storage.delete(address)  # idempotent
    with pytest.raises(BlobNotFound):
        storage.open(address)
    with pytest.raises(BlobNotFound):
        storage.open("../../etc/passwd")
    assert not storage.exists("../x")


def test_cli_gc_deletes_unreferenced_old_blobs_only(world):
    import json
    import os
    import time

    from click.testing import CliRunner

    from registry_kernel.cli import cli

    document_id = world.upload().get_json()["id"]
    kept, storage = _stored(world, document_id)
    orphan = storage.put(b"orphan ciphertext")
    young_orphan = storage.put(b"young orphan")
    stale_tmp = storage.root / "tmp" / "upload-stale"
    stale_tmp.write_bytes(b"half written")
    now = time.time()  # the test's clock (``--registry-clock`` may have moved it)
    old = now - 3 * 86400
    for path in (storage._path(kept), storage._path(orphan), stale_tmp):
        os.utime(path, (old, old))
    os.utime(storage._path(young_orphan), (now, now))
    world.registry.plugins.hook.cli_commands(cli=cli)  # what ``registry`` does at start-up
    result = CliRunner().invoke(cli, ["documents", "gc", "--hours", "24"],
                                obj={"app": world.app})
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["deleted_blobs"] == 1 and counts["deleted_tmp"] == 1
    assert storage.exists(kept) and storage.exists(young_orphan)
    assert not storage.exists(orphan) and not stale_tmp.exists()
