"""The rendered-report cache (keyed by a content hash of what the PDF prints) and a configured
storage backend for uploaded files."""

from __future__ import annotations

import time

import pytest
from documents_helpers import COURSE, bearer, make_world, pdf_bytes, pdf_text
from registry_plugins.documents import services as svc
from registry_plugins.documents.models import ReportIssue
from registry_plugins.documents.report_cache import ReportCache
from registry_plugins.documents.storage import BlobNotFound
from sqlalchemy import func, select

from registry_kernel.config import ConfigError


def _pdf(world):
    response = world.client().get("/api/v1/me/education-report.pdf", headers=bearer(world.token))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.data


def _code(pdf: bytes) -> str:
    return pdf_text(pdf).split("Verification code: ")[1].split()[0]


def _issues(world) -> int:
    with world.registry.sessions() as session:
        return session.scalar(select(func.count()).select_from(ReportIssue))


def test_unchanged_report_is_served_from_the_cache_with_the_same_code(world):
    document_id = world.upload().get_json()["id"]
    assert world.verify(document_id, {"courses": [COURSE]}).status_code == 200
    first = _pdf(world)
    second = _pdf(world)
    assert second == first  # the very same bytes: not rendered again
    assert _issues(world) == 1  # and no second verification code was issued
    check = world.app.test_client().get(f"/api/v1/report-verifications/{_code(first)}")
    assert check.status_code == 200 and check.get_json()["totals"]["ece_units"] == "3.00"
    cache = svc.report_cache_for(world.registry)
    assert cache.hits == 1 and cache.misses == 1


def test_a_verification_changes_the_key_so_the_new_report_is_rendered(world):
    first = _pdf(world)
    assert "CHDEV 50" not in pdf_text(first)
    document_id = world.upload().get_json()["id"]
    assert world.verify(document_id, {"courses": [COURSE]}).status_code == 200
    second = _pdf(world)
    assert "CHDEV 50" in pdf_text(second) and _code(second) != _code(first)
    # A certificate's training hours change it again.
    document_id = world.upload(type="training_certificate").get_json()["id"]
    assert world.verify(document_id, {"training": [
        {"sponsor": "R&R", "title": "CPR", "completed_on": "2023-01-10", "hours": "8",
         "competency_area": "HSN"}]}).status_code == 200
    third = _pdf(world)
    assert "CPR" in pdf_text(third) and _code(third) not in (_code(first), _code(second))
    assert _issues(world) == 3


def test_another_person_never_gets_a_cached_report(world):
    _pdf(world)
    other = world.factory.account("participant", county="Alameda")
    response = world.client().get("/api/v1/me/education-report.pdf",
                                  headers=bearer(world.factory.token(other, "me")))
    assert response.status_code == 200
    assert other.participant.registry_id in pdf_text(response.data)
    assert world.participant.participant.registry_id not in pdf_text(response.data)
    assert _issues(world) == 2


def test_a_cached_code_whose_issue_is_gone_is_issued_again(world):
    first = _pdf(world)
    with world.registry.sessions() as session:
        session.delete(session.get(ReportIssue, _code(first)))
        session.commit()
    second = _pdf(world)
    assert _code(second) != _code(first)
    check = world.app.test_client().get(f"/api/v1/report-verifications/{_code(second)}")
    assert check.status_code == 200


def test_the_cache_can_be_turned_off(make_app):
    world = make_world(make_app, plugin_sections={"documents": {"report_cache_entries": 0}})
    assert _code(_pdf(world)) != _code(_pdf(world))
    assert _issues(world) == 2


def test_cache_is_bounded_by_entries_and_age():
    cache = ReportCache(entries=2, max_age=0.2)
    cache.put("a", "A", b"1")
    cache.put("b", "B", b"2")
    assert cache.get("a").code == "A"  # "a" is now the most recently used
    cache.put("c", "C", b"3")
    assert cache.get("b") is None and cache.get("a") is not None and len(cache) == 2
    time.sleep(0.25)
    assert cache.get("a") is None and cache.get("c") is None


def test_bad_cache_settings_are_refused(make_app):
    with pytest.raises(ConfigError):
        make_app(plugins=["documents"],
                 plugin_sections={"documents": {"report_cache_entries": -1}})


# --- a storage backend from configuration ----------------------------------------------------

class MemoryStorage:
    """An object store stand-in: blobs in a dict, as a deployment's S3 adapter would keep them
    in a bucket."""

    blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        from registry_plugins.documents.storage import address_of

        address = address_of(data)
        self.blobs[address] = data
        return address

    def open(self, address: str) -> bytes:
        try:
            return self.blobs[address]
        except KeyError:
            raise BlobNotFound(address) from None

    def delete(self, address: str) -> None:
        self.blobs.pop(address, None)

    def exists(self, address: str) -> bool:
        return address in self.blobs


def memory_storage(registry):  # the factory named in the configuration
    return MemoryStorage()


def not_a_storage(registry):
    return object()


def test_uploads_go_to_the_configured_storage_backend(make_app, tmp_path):
    MemoryStorage.blobs.clear()
    world = make_world(make_app, plugin_sections={"documents": {
        "storage_backend": "test_documents_report_cache:memory_storage"}})
    original = pdf_bytes("Backend transcript")
    upload = world.upload(original)
    assert upload.status_code == 201, upload.get_json()
    assert len(MemoryStorage.blobs) == 1
    stored = next(iter(MemoryStorage.blobs.values()))
    assert b"Backend transcript" not in stored  # sealed before it reaches the store
    local = world.registry.settings.instance_path / "files"
    assert not local.exists() or not any(p.is_file() for p in local.glob("??/*"))
    download = world.client().get(f"/api/v1/me/documents/{upload.get_json()['id']}/file",
                                  headers=bearer(world.token))
    assert download.status_code == 200 and download.data == original


@pytest.mark.parametrize(("spec", "message"), [
    ("no_such_module_xyz:factory", "cannot be loaded"),
    ("test_documents_report_cache:nothing_here", "cannot be loaded"),
    ("test_documents_report_cache:not_a_storage", "without put, open, delete, exists"),
])
def test_a_bad_storage_backend_stops_start_up_with_a_clear_message(make_app, spec, message):
    with pytest.raises(ConfigError, match=message):
        make_app(plugins=["documents"], plugin_sections={"documents": {"storage_backend": spec}})


def test_home_page_renewal_item_appears_only_with_a_verified_permit(world):
    from registry_kernel.models import Participant

    def renewal_items():
        with world.registry.sessions() as session:
            person = session.get(Participant, world.participant.participant_id)
            items = world.registry.plugins.collect("attention_items", session=session,
                                                   actor=None, participant=person)
        return [item for item in items if "Permit renewal" in str(item.message)]

    document_id = world.upload().get_json()["id"]
    world.verify(document_id, {"courses": [COURSE], "training": [
        {"sponsor": "S", "title": "CPR", "completed_on": "2024-01-10", "hours": "8"}]})
    assert renewal_items() == []  # courses and hours alone: no permit, nothing to renew
    document_id = world.upload().get_json()["id"]
    world.verify(document_id, {"permits": [{"level": "teacher", "number": "CDP-9",
                                            "issued_on": "2024-01-01",
                                            "expires_on": "2029-01-01"}]})
    assert len(renewal_items()) == 1
