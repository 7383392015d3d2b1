"""Employer confirmation, relationship visibility, events, export, erase, merge, demo data and
what the database holds in clear."""

from __future__ import annotations

from datetime import date

import pytest
from registry_plugins.profile import services
from sqlalchemy import text

from registry_kernel import participants as kernel_participants
from registry_kernel.auth.actor import SYSTEM, actor_for_account
from registry_kernel.db import unit_of_work
from registry_kernel.hookspecs import hookimpl
from registry_kernel.models import Account, Participant
from registry_kernel.testing import Factory, bearer


def actor(app, account):
    registry = app.extensions["registry"]
    with registry.sessions() as session:
        return actor_for_account(session, session.get(Account, account.id),
                                 permission_roles=registry.permission_roles)


def add_job(app, token, **fields):
    body = {"position": "Teacher", "role_category": "teacher", "start_date": "2018-01-01",
            "hourly_wage": "27.35", **fields}
    response = app.test_client().post("/api/v1/me/employment", headers=bearer(token), json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


class Events:
    def __init__(self):
        self.seen = []

    @hookimpl
    def domain_event(self, session, registry, event):
        self.seen.append(event)


def test_confirmation_emits_an_event_with_ids_only_and_opens_the_participant(make_app):
    events = Events()
    app = make_app(plugins=["profile"], extra_plugins=(events,))
    factory = Factory(app)
    registry = app.extensions["registry"]
    center = factory.org(kind="employer_center")
    person = factory.account(first_name="Rosa", last_name="Diaz")
    job = add_job(app, factory.token(person, "me"), employer_id=center.id)
    admin = factory.account("program_admin", org=center)
    admin_token = factory.token(admin, "participants:read", org=center)
    rid = person.participant.registry_id
    client = app.test_client()
    assert client.get(f"/api/v1/participants/{rid}", headers=bearer(admin_token)).status_code == 404

    with unit_of_work(registry.sessions) as session:
        pending = services.employments_at(session, center.id, status="pending")
        assert [r.id for r in pending] == [job["id"]]
        services.confirm_employment(session, registry, job["id"], actor=actor(app, admin),
                                    confirmed=True)
    confirmed = [e for e in events.seen if e.type == "employment.confirmed"]
    assert len(confirmed) == 1
    assert confirmed[0].data == {"employment_id": job["id"], "organization_id": center.id,
                                 "registry_id": rid}
    assert "employment.confirmed" in registry.event_types
    read = client.get(f"/api/v1/participants/{rid}", headers=bearer(admin_token))
    assert read.status_code == 200 and read.get_json()["first_name"] == "Rosa"
    with registry.sessions() as session:
        assert [r.id for r in services.employments_at(session, center.id, status="confirmed")] \
            == [job["id"]]


def test_only_that_employers_program_admin_can_confirm(app, pf, token):
    registry = app.extensions["registry"]
    center, elsewhere = pf.org(kind="employer_center"), pf.org(kind="employer_center")
    job = add_job(app, token, employer_id=center.id)
    unlisted = add_job(app, token, employer_name="Not listed")
    outsider = pf.account("program_admin", org=elsewhere)
    colleague = pf.account("sponsor_manager", org=center)
    staff = pf.account("registry_staff")
    with unit_of_work(registry.sessions) as session:
        with pytest.raises(services.EmploymentNotFound):
            services.confirm_employment(session, registry, job["id"],
                                        actor=actor(app, outsider), confirmed=True)
        with pytest.raises(services.NotAllowed):
            services.confirm_employment(session, registry, job["id"],
                                        actor=actor(app, colleague), confirmed=True)
        with pytest.raises(services.EmploymentNotFound):
            services.confirm_employment(session, registry, unlisted["id"],
                                        actor=actor(app, staff), confirmed=True)
        assert services.confirm_employment(session, registry, job["id"],
                                           actor=actor(app, staff), confirmed=True
                                           ).status == "confirmed"


def test_wages_demographics_and_resume_text_are_not_stored_in_clear(app, token, center):
    client = app.test_client()
    add_job(app, token, employer_id=center.id, responsibilities=["Sang songs in Tagalog"])
    client.patch("/api/v1/me/profile", headers=bearer(token), json={
        "demographics": {"ethnicity": "pacific_islander", "gender": "nonbinary"},
        "education": {"degree_field": "Zoology of Marsupials"},
        "experience": {"first_year_in_field": 1997}})
    connection = app.extensions["registry_test_connection"]
    dump = b""
    for table in ("profile_details", "profile_employments", "profile_email_changes"):
        for row in connection.execute(text(f"SELECT * FROM {table}")):
            dump += b"|".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
    assert b"Teacher" in dump  # the dump did read the rows
    for secret in (b"27.35", b"pacific_islander", b"nonbinary", b"Marsupials", b"Tagalog",
                   b"1997"):
        assert secret not in dump


def test_export_contains_profile_and_employment(app, pf, token, person, center):
    registry = app.extensions["registry"]
    add_job(app, token, employer_id=center.id)
    app.test_client().patch("/api/v1/me/profile", headers=bearer(token),
                            json={"demographics": {"gender": "female"}})
    with registry.sessions() as session:
        participant = session.get(Participant, person.participant_id)
        sections = dict(registry.plugins.hook.participant_export(
            session=session, registry=registry, participant=participant))
    data = sections["profile"]
    assert data["demographics"]["gender"] == "female"
    assert data["employment"][0]["hourly_wage"] == "27.35"
    assert data["employment"][0]["employer_name"] == center.name


def test_erasing_a_participant_deletes_their_profile_rows(app, pf, token, person, center):
    registry = app.extensions["registry"]
    add_job(app, token, employer_id=center.id)
    app.test_client().patch("/api/v1/me/profile", headers=bearer(token),
                            json={"demographics": {"gender": "female"},
                                  "email": "new-address@example.org"})
    with unit_of_work(registry.sessions) as session:
        participant = session.get(Participant, person.participant_id)
        kernel_participants.erase_participant(session, registry, participant, actor=SYSTEM,
                                              reason="asked to be forgotten")
    connection = app.extensions["registry_test_connection"]
    for table in ("profile_details", "profile_employments", "profile_email_changes"):
        count = connection.execute(text(f"SELECT count(*) FROM {table} WHERE participant_id = :p"),
                                   {"p": person.participant_id}).scalar()
        assert count == 0, table


def test_merging_moves_employment_and_keeps_the_wage_readable(app, pf, center):
    registry = app.extensions["registry"]
    survivor, duplicate = pf.account(), pf.account()
    add_job(app, pf.token(duplicate, "me"), employer_id=center.id)
    app.test_client().patch("/api/v1/me/profile", headers=bearer(pf.token(duplicate, "me")),
                            json={"demographics": {"ethnicity": "asian"}})
    staff = pf.account("registry_staff")
    with app.app_context(), unit_of_work(registry.sessions) as session:
        kernel_participants.merge_participants(
            session, registry, session.get(Participant, survivor.participant_id),
            session.get(Participant, duplicate.participant_id), actor=actor(app, staff),
            reason="same person")
    body = app.test_client().get("/api/v1/me/employment",
                                 headers=bearer(pf.token(survivor, "me"))).get_json()
    assert body["total"] == 1 and body["items"][0]["hourly_wage"] == "27.35"
    profile = app.test_client().get("/api/v1/me/profile",
                                    headers=bearer(pf.token(survivor, "me"))).get_json()
    assert profile["demographics"]["ethnicity"] == "asian"



def test_merging_outside_an_app_context_reseals_wage_resume_and_sections(app, pf, center):
    """The hook gets the registry from the kernel: a merge run from a plain script (no Flask
    app context) re-seals every sealed value under the survivor's key instead of dropping it."""
    from flask import has_app_context

    registry = app.extensions["registry"]
    survivor, duplicate = pf.account(), pf.account()
    token = pf.token(duplicate, "me")
    job = add_job(app, token, employer_id=center.id, hourly_wage="31.10")
    client = app.test_client()
    assert client.put("/api/v1/me/resume", headers=bearer(token), json={
        "summary": "Ten years with toddlers",
        "jobs": [{"id": job["id"], "responsibilities": ["Planned the curriculum"]}]}
    ).status_code == 200
    client.patch("/api/v1/me/profile", headers=bearer(token),
                 json={"demographics": {"ethnicity": "latino"}})
    assert not has_app_context()
    with unit_of_work(registry.sessions) as session:
        kernel_participants.merge_participants(
            session, registry, session.get(Participant, survivor.participant_id),
            session.get(Participant, duplicate.participant_id), actor=SYSTEM,
            reason="same person")
    survivor_token = pf.token(survivor, "me")
    jobs = client.get("/api/v1/me/employment", headers=bearer(survivor_token)).get_json()
    assert jobs["items"][0]["hourly_wage"] == "31.10"
    resume = client.get("/api/v1/me/resume", headers=bearer(survivor_token)).get_json()
    assert resume["summary"] == "Ten years with toddlers"
    assert resume["jobs"][0]["responsibilities"] == ["Planned the curriculum"]
    profile = client.get("/api/v1/me/profile", headers=bearer(survivor_token)).get_json()
    assert profile["demographics"]["ethnicity"] == "latino"
    connection = app.extensions["registry_test_connection"]
    wage_enc = connection.execute(text("SELECT hourly_wage_enc FROM profile_employments "
                                       "WHERE id = :i"), {"i": job["id"]}).scalar()
    assert wage_enc is not None

def test_demo_data_gives_the_demo_accounts_employment_histories(make_app):
    from registry_kernel.demo import ACCOUNTS, load_demo

    app = make_app(plugins=["profile"])
    registry = app.extensions["registry"]
    load_demo(registry)
    emails = {key: email for key, email, *_ in ACCOUNTS}
    with registry.sessions() as session:
        maria = kernel_participants.find_by_email(session, registry, emails["participant"])
        wei = kernel_participants.find_by_email(session, registry, emails["teacher"])
        maria_jobs = services.list_employment(session, maria.id)
        wei_jobs = services.list_employment(session, wei.id)
        assert len(maria_jobs) == 2 and len(wei_jobs) == 2
        assert maria_jobs[0].end_date is None  # newest first: the current job
        assert {r.status for r in maria_jobs} == {"confirmed", "pending"}
        sections = services.read_sections(session, registry, maria)
        assert sections["demographics"]["primary_language"] == "es"


def test_quick_links_and_permissions_are_declared(app):
    registry = app.extensions["registry"]
    links = registry.plugins.collect("quick_links", actor=None, participant=None)
    keys = {link.key for link in links}
    assert {"profile", "employment", "card", "resume", "contact_admin",
            "submit_documents"} <= keys
    with app.test_request_context():
        assert str(next(link.label for link in links if link.key == "profile")) == \
            "View/Update Personal Profile"
        from flask import url_for

        for link in links:
            assert url_for(link.endpoint)
    assert "program_admin" in registry.permission_roles["employment.confirm"]


def test_the_employer_can_record_the_last_day_of_work(app, pf, token, center):
    registry = app.extensions["registry"]
    job = add_job(app, token, employer_id=center.id, start_date="2019-03-01")
    admin = pf.account("program_admin", org=center)
    outsider = pf.account("program_admin", org=pf.org(kind="employer_center"))
    with unit_of_work(registry.sessions) as session:
        with pytest.raises(services.ProfileError) as bad:
            services.set_end_date_by_employer(session, registry, job["id"],
                                              end_date=date(2018, 1, 1), actor=actor(app, admin))
        assert "end_date" in bad.value.errors
        with pytest.raises(services.EmploymentNotFound):
            services.set_end_date_by_employer(session, registry, job["id"],
                                              end_date=date(2024, 1, 1),
                                              actor=actor(app, outsider))
        services.set_end_date_by_employer(session, registry, job["id"],
                                          end_date=date(2024, 1, 31), actor=actor(app, admin))
    record = app.test_client().get(f"/api/v1/me/employment/{job['id']}",
                                   headers=bearer(token)).get_json()
    assert record["end_date"] == "2024-01-31" and record["current"] is False
