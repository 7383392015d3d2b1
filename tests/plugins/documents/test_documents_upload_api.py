"""My Documents through the API: upload, list, download, hide, delete; bad input."""

from __future__ import annotations

import io

from documents_helpers import COURSE, bearer, image_bytes, pdf_bytes


def test_upload_is_listed_at_once_as_unverified(world):
    response = world.upload(filename="My Transcript (2020).pdf")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "unverified" and body["id"]
    assert body["media_type"] == "application/pdf"
    assert body["filename"] == "My Transcript _2020.pdf"
    listing = world.client().get("/api/v1/me/documents", headers=bearer(world.token)).get_json()
    assert listing["total"] == 1
    assert listing["items"][0]["id"] == body["id"]
    assert listing["items"][0]["status"] == "unverified"


def test_permit_upload_keeps_level_number_and_dates(world):
    response = world.upload(type="permit", level="teacher", number="CDP-123",
                            issued_on="2022-01-01", expires_on="2027-01-01")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["type"], body["level"], body["number"]) == ("permit", "teacher", "CDP-123")
    assert (body["issued_on"], body["expires_on"]) == ("2022-01-01", "2027-01-01")


def test_permit_without_number_or_dates_is_422(world):
    response = world.upload(type="permit", level="teacher")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) >= {"number", "issued_on", "expires_on"}


def test_expiration_before_issue_is_422(world):
    response = world.upload(type="credential", level="teaching_credential", number="X1",
                            issued_on="2022-01-01", expires_on="2021-01-01")
    assert response.status_code == 422
    assert "expires_on" in response.get_json()["errors"]


def test_png_and_jpeg_are_accepted_by_content(world):
    png = world.upload(image_bytes("PNG"), filename="photo.png", content_type="image/png")
    jpeg = world.upload(image_bytes("JPEG"), filename="scan.jpeg", content_type="image/jpeg")
    assert png.status_code == 201 and png.get_json()["media_type"] == "image/png"
    assert jpeg.status_code == 201 and jpeg.get_json()["media_type"] == "image/jpeg"
    assert jpeg.get_json()["filename"] == "scan.jpg"


def test_a_file_that_lies_about_its_type_is_415(world):
    response = world.upload(b"<html><script>alert(1)</script></html>", filename="x.pdf",
                            content_type="application/pdf")
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert "file" in response.get_json()["errors"]
    # a PNG named .pdf is stored as what it is, never as the client's claim
    png = world.upload(image_bytes("PNG"), filename="renamed.pdf", content_type="application/pdf")
    assert png.get_json()["media_type"] == "image/png"
    assert png.get_json()["filename"] == "renamed.png"


def test_empty_and_damaged_files_are_422(world):
    assert world.upload(b"").status_code == 422
    damaged = world.upload(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, filename="x.png",
                           content_type="image/png")
    assert damaged.status_code == 422
    truncated = world.upload(pdf_bytes()[:200])
    assert truncated.status_code == 422
    assert world.client().get("/api/v1/me/documents",
                              headers=bearer(world.token)).get_json()["total"] == 0


def test_missing_file_and_unknown_fields_are_422(world):
    client = world.client()
    missing = client.post("/api/v1/me/documents", headers=bearer(world.token),
                          data={"type": "transcript"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in missing.get_json()["errors"]
    unknown = world.upload(surprise="1")
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"]["surprise"] == "unknown field"
    bad_type = world.upload(type="selfie")
    assert bad_type.status_code == 422 and "type" in bad_type.get_json()["errors"]


def test_oversize_is_413_and_limit_is_configurable(make_app):
    from documents_helpers import make_world

    world = make_world(make_app, plugin_sections={"documents": {"max_upload_mb": 0.01}})
    big = pdf_bytes() + b"%" * 20_000 + b"\n%%EOF\n"
    response = world.upload(big)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert world.upload(pdf_bytes()).status_code == 201


def test_download_own_file_is_an_attachment_with_nosniff(world):
    data = pdf_bytes("download me")
    document_id = world.upload(data).get_json()["id"]
    response = world.client().get(f"/api/v1/me/documents/{document_id}/file",
                                  headers=bearer(world.token))
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"


def test_another_participant_cannot_see_or_delete_my_document(world):
    document_id = world.upload().get_json()["id"]
    other = world.factory.account("participant")
    other_token = world.factory.token(other, "me")
    client = world.client()
    for method, path in (("get", f"/api/v1/me/documents/{document_id}"),
                         ("get", f"/api/v1/me/documents/{document_id}/file"),
                         ("delete", f"/api/v1/me/documents/{document_id}")):
        response = getattr(client, method)(path, headers=bearer(other_token))
        assert response.status_code == 404, path
    assert client.get(f"/api/v1/me/documents/{document_id}",
                      headers=bearer(world.token)).status_code == 200


def test_delete_while_unverified_but_409_once_verified(world):
    client = world.client()
    first = world.upload().get_json()["id"]
    assert client.delete(f"/api/v1/me/documents/{first}",
                         headers=bearer(world.token)).status_code == 204
    assert client.get(f"/api/v1/me/documents/{first}",
                      headers=bearer(world.token)).status_code == 404
    second = world.upload().get_json()["id"]
    assert world.verify(second, {"courses": [COURSE]}).status_code == 200
    response = client.delete(f"/api/v1/me/documents/{second}", headers=bearer(world.token))
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/me/documents/{second}",
                      headers=bearer(world.token)).get_json()["status"] == "verified"


def test_hide_from_employers(world):
    document_id = world.upload().get_json()["id"]
    client = world.client()
    response = client.patch(f"/api/v1/me/documents/{document_id}", headers=bearer(world.token),
                            json={"hidden_from_employers": True})
    assert response.status_code == 200 and response.get_json()["hidden_from_employers"] is True
    assert client.patch(f"/api/v1/me/documents/{document_id}", headers=bearer(world.token),
                        json={"hidden": True}).status_code == 422


def test_upload_needs_the_me_scope(world):
    token = world.factory.token(world.staff, "verification")
    response = world.client().post(
        "/api/v1/me/documents", headers=bearer(token),
        data={"type": "transcript", "file": (io.BytesIO(pdf_bytes()), "t.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 403
