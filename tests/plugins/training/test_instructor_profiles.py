"""Instructor Profiles (filled in from the registry profile, published or not, linked from the
events an instructor leads) and instructors scheduling and editing their own events."""

from __future__ import annotations

import re

import pytest
from conftest import iso, make_sponsor, sign_in

from registry_kernel.db import unit_of_work
from registry_kernel.testing import Factory, bearer


@pytest.fixture
def ui(make_app):
    return Factory(make_app(plugins=["profile", "training"]))


def csrf(client):
    html = client.get("/training/my").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def post(client, url, data=None, **kw):
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client)}, **kw)


def approved_instructor(ui, sponsor, **kw):
    """An account that asked ``sponsor`` for instructor access and was approved."""
    account = ui.account(**kw)
    client = ui.app.test_client()
    sign_in(client, account)
    post(client, "/training/instructor-request", {"organization_id": sponsor.org.id})
    manager = ui.app.test_client()
    sign_in(manager, sponsor.manager)
    listing = manager.get(f"/training/manage/{sponsor.org.id}/instructors").get_data(
        as_text=True)
    row_id = re.search(r"/instructors/(\d+)/approve", listing).group(1)
    post(manager, f"/training/manage/{sponsor.org.id}/instructors/{row_id}/approve")
    with unit_of_work(ui.registry.sessions) as session:
        from registry_kernel.models import Account

        account = session.get(Account, account.id)
        account.participant  # noqa: B018
    client = ui.app.test_client()
    sign_in(client, account)
    return account, client


def fill_registry_profile(ui, account):
    from registry_plugins.profile import services as profile

    from registry_kernel.models import Participant

    with unit_of_work(ui.registry.sessions) as session:
        participant = session.get(Participant, account.participant_id)
        profile.update_sections(session, ui.registry, participant, {
            "experience": {"first_year_in_field": 2009, "current_roles": ["lead_teacher"]},
            "education": {"highest_level": "ba", "degree_field": "Child Development"},
            "demographics": {"primary_language": "es", "other_languages": ["en", "other"]},
        }, actor=None)
        profile.save_resume(session, ui.registry, participant,
                            summary="Bilingual teacher who coaches new staff.", jobs={},
                            actor=None)


def test_profile_is_prefilled_saved_published_and_linked_from_led_events(ui):
    sponsor = make_sponsor(ui)
    account, client = approved_instructor(ui, sponsor, first_name="Lucia", last_name="Ortega")
    fill_registry_profile(ui, account)
    draft = client.get("/training/instructor-profile").get_data(as_text=True)
    assert 'value="Lucia Ortega"' in draft
    assert "In early care and education since 2009." in draft and "Lead Teacher" in draft
    assert "Bachelor&#39;s degree (BA/BS) in Child Development" in draft
    assert "Bilingual teacher who coaches new staff." in draft
    assert re.search(r'value="es"[^>]*checked|checked[^>]*value="es"', draft)
    assert re.search(r'value="en"[^>]*checked|checked[^>]*value="en"', draft)
    bad = post(client, "/training/instructor-profile", {"display_name": "",
                                                        "languages": ["xx"]})
    assert bad.status_code == 422
    saved = post(client, "/training/instructor-profile", {
        "display_name": "Lucía Ortega", "expertise": "Dual-language development",
        "experience": "15 years in preschool classrooms", "languages": ["es", "en"],
        "bio": "I coach teachers across Alameda County."})
    assert saved.status_code == 302
    page = client.get("/training/instructor-profile").get_data(as_text=True)
    profile_id = re.search(r"/training/instructors/(\d+)", page).group(1)
    public_url = f"/training/instructors/{profile_id}"
    anonymous = ui.app.test_client()
    assert anonymous.get(public_url).status_code == 404  # not published yet
    preview = client.get(public_url).get_data(as_text=True)
    assert "only you can see it" in preview and "Dual-language development" in preview

    event = sponsor.event(instructor_registry_id=account.participant.registry_id)
    assert event["instructor"] is None  # nothing public yet
    details = anonymous.get(f"/training/events/{event['id']}").get_data(as_text=True)
    assert public_url not in details

    post(client, "/training/instructor-profile/publish")
    shown = anonymous.get(public_url)
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Lucía Ortega" in text and "I coach teachers across Alameda County." in text
    assert "Español" in text and "Positive Guidance" in text  # teaches in; upcoming trainings
    details = anonymous.get(f"/training/events/{event['id']}").get_data(as_text=True)
    assert public_url in details and "Lucía Ortega" in details
    api = anonymous.get(f"/api/v1/events/{event['id']}").get_json()
    assert api["instructor"]["name"] == "Lucía Ortega"
    assert api["instructor"]["profile_url"].endswith(public_url)
    led = client.get("/training/instructor-profile").get_data(as_text=True)
    assert "Events you lead" in led and "Positive Guidance" in led

    post(client, "/training/instructor-profile/unpublish")
    assert anonymous.get(public_url).status_code == 404
    assert public_url not in anonymous.get(f"/training/events/{event['id']}").get_data(
        as_text=True)


def test_only_approved_instructors_have_a_profile(ui):
    make_sponsor(ui)
    someone = ui.account()
    client = ui.app.test_client()
    sign_in(client, someone)
    response = client.get("/training/instructor-profile")
    assert response.status_code == 302 and "/training/instructor-request" in response.location
    refused = post(client, "/training/instructor-profile", {"display_name": "Me"})
    assert refused.status_code == 302
    assert post(client, "/training/instructor-profile/publish").status_code == 302
    assert ui.app.test_client().get("/training/instructors/1").status_code == 404


def test_profile_is_in_the_export_and_gone_after_erasure(ui):
    sponsor = make_sponsor(ui)
    account, client = approved_instructor(ui, sponsor)
    post(client, "/training/instructor-profile", {"display_name": "Kim Tran",
                                                   "expertise": "Infant care"})
    post(client, "/training/instructor-profile/publish")
    page = client.get("/training/instructor-profile").get_data(as_text=True)
    public_url = re.search(r"/training/instructors/\d+", page).group(0)
    from registry_plugins.training.instructor_profiles import export

    from registry_kernel.participants import erase_participant

    with unit_of_work(ui.registry.sessions) as session:
        data = export(session, ui.registry, account.participant_id)
        assert data["display_name"] == "Kim Tran" and data["expertise"] == "Infant care"
    with unit_of_work(ui.registry.sessions) as session:
        from registry_kernel.models import Participant

        erase_participant(session, ui.registry, session.get(Participant,
                                                            account.participant_id),
                          actor=None, reason="test")
    assert ui.app.test_client().get(public_url).status_code == 404


def test_instructors_add_and_edit_their_events_only_where_the_sponsor_allows(ui):
    from registry_plugins.training.models import TrainingSponsor

    sponsor = make_sponsor(ui)
    training_id = sponsor.training()["id"]
    _account, client = approved_instructor(ui, sponsor)
    new_url = f"/training/manage/{sponsor.org.id}/events/new"
    assert client.get(new_url).status_code == 403
    module = client.get(f"/training/manage/{sponsor.org.id}").get_data(as_text=True)
    assert new_url not in module and "/training/instructor-profile" in module
    with unit_of_work(ui.registry.sessions) as session:
        row = session.query(TrainingSponsor).filter_by(organization_id=sponsor.org.id).one()
        row.instructors_may_manage_events = True
    module = client.get(f"/training/manage/{sponsor.org.id}").get_data(as_text=True)
    assert new_url in module
    form = client.get(new_url).get_data(as_text=True)
    assert 'name="instructor"' not in form and 'name="visibility"' in form
    day = iso(9)[:10]
    created = post(client, new_url, {
        "training_id": training_id, "sessions-0-date": day, "sessions-0-start": "10:00",
        "sessions-0-end": "12:00", "capacity": "15", "waitlist": "y", "mode": "online",
        "online_url": "https://meet.example.org/lead"})
    assert created.status_code == 302, created.get_data(as_text=True)
    event_id = int(re.search(r"/events/(\d+)", created.location).group(1))
    event = sponsor.client.get(f"/api/v1/events/{event_id}", headers=sponsor.headers)
    assert event.get_json()["title"] == "Positive Guidance"
    listing = client.get(f"/training/manage/{sponsor.org.id}/events").get_data(as_text=True)
    assert f"/events/{event_id}" in listing
    edit_url = f"/training/manage/{sponsor.org.id}/events/{event_id}/edit"
    edited = post(client, edit_url, {
        "sessions-0-date": day, "sessions-0-start": "10:00", "sessions-0-end": "13:00",
        "capacity": "20", "waitlist": "y", "mode": "online", "visibility": "invite_only",
        "online_url": "https://meet.example.org/lead"})
    assert edited.status_code == 302, edited.get_data(as_text=True)
    after = sponsor.client.get("/api/v1/events", headers=sponsor.headers).get_json()["items"]
    mine = next(e for e in after if e["id"] == event_id)
    assert mine["capacity"] == 20 and mine["visibility"] == "invite_only"
    assert mine["invite_url"]
    # an event someone else leads is not theirs to open
    other = sponsor.event(training_id)
    assert client.get(f"/training/manage/{sponsor.org.id}/events/{other['id']}/edit"
                      ).status_code == 404
    with unit_of_work(ui.registry.sessions) as session:
        row = session.query(TrainingSponsor).filter_by(organization_id=sponsor.org.id).one()
        row.instructors_may_manage_events = False
    assert client.get(edit_url).status_code == 403


def test_managers_choose_the_instructor_and_the_api_checks_it(ui):
    sponsor = make_sponsor(ui)
    account, _client = approved_instructor(ui, sponsor, first_name="Ana", last_name="Lee")
    training_id = sponsor.training()["id"]
    manager = ui.app.test_client()
    sign_in(manager, sponsor.manager)
    form = manager.get(f"/training/manage/{sponsor.org.id}/events/new").get_data(as_text=True)
    assert f'value="{account.id}"' in form and "Ana Lee" in form
    stranger = ui.participant()
    refused = sponsor.client.post("/api/v1/events", headers=bearer(sponsor.token), json={
        "training_id": training_id, "starts_at": iso(5), "ends_at": iso(5, 2), "capacity": 5,
        "online_url": "https://meet.example.org", "instructor_registry_id":
            stranger.registry_id})
    assert refused.status_code == 422
    assert "instructor_registry_id" in refused.get_json()["errors"]
    event = sponsor.event(training_id)
    not_theirs = sponsor.client.patch(f"/api/v1/events/{event['id']}", headers=sponsor.headers,
                                      json={"instructor_registry_id":
                                            ui.account().participant.registry_id})
    assert not_theirs.status_code == 422
    assert "instructor_registry_id" in not_theirs.get_json()["errors"]
    led = sponsor.client.patch(f"/api/v1/events/{event['id']}", headers=sponsor.headers,
                               json={"instructor_registry_id":
                                     account.participant.registry_id})
    assert led.status_code == 200
    page = manager.get(f"/training/manage/{sponsor.org.id}/events/{event['id']}")
    assert "Ana Lee" in page.get_data(as_text=True)


def test_an_instructor_lists_the_events_they_lead_through_the_api(ui):
    sponsor = make_sponsor(ui)
    account, _client = approved_instructor(ui, sponsor)
    training_id = sponsor.training()["id"]
    led = sponsor.event(training_id, instructor_registry_id=account.participant.registry_id)
    sponsor.event(training_id)  # someone else's
    token = ui.token(account, "training:read")
    mine = ui.app.test_client().get("/api/v1/events", headers=bearer(token)).get_json()
    assert [e["id"] for e in mine["items"]] == [led["id"]]
    other = ui.app.test_client().get(f"/api/v1/events?organization_id={sponsor.org.id}",
                                     headers=bearer(token))
    assert other.status_code == 404


def test_reading_instructor_names_for_the_event_form_is_audited_even_when_refused(ui):
    from sqlalchemy import func, select

    from registry_kernel.models import AuditEvent

    sponsor = make_sponsor(ui)
    account, _client = approved_instructor(ui, sponsor)
    training_id = sponsor.training()["id"]
    manager = ui.app.test_client()
    sign_in(manager, sponsor.manager)

    def reads():
        with unit_of_work(ui.registry.sessions) as session:
            return session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "participant.read",
                AuditEvent.subject_participant_id == account.participant_id))

    before = reads()
    refused = post(manager, f"/training/manage/{sponsor.org.id}/events/new", {
        "training_id": training_id, "sessions-0-date": "2020-01-01",
        "sessions-0-start": "09:00", "sessions-0-end": "10:00", "capacity": "5",
        "mode": "online", "online_url": "https://meet.example.org", "instructor": "0"})
    assert refused.status_code == 422
    assert reads() == before + 1
