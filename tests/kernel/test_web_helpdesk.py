"""Help desk pages: find by Registry ID or email, correct names, merge, start a reset, change a
lost email, read the audit trail; permissions, two-factor and a reason on every view."""

import re

import pyotp
import pytest
from sqlalchemy import select

from registry_kernel import registry_id
from registry_kernel.auth import recovery
from registry_kernel.models import Account, AuditEvent, Participant
from registry_kernel.participants import get_by_registry_id, personal_data
from registry_kernel.testing import Factory

PASSWORD = "violet tractor umbrella"
SECRET = pyotp.random_base32()


def token_from(html):
    return re.search(r'name="[a-z-]*csrf_token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.fixture
def app(make_app):
    return make_app(plugins=[])


@pytest.fixture
def factory(app):
    return Factory(app)


def staff_client(app, factory, role="help_desk", two_factor=True):
    account = factory.account(role, password=PASSWORD)
    registry = app.extensions["registry"]
    with registry.sessions() as db:
        row = db.get(Account, account.id)
        email = personal_data(db, registry, row.participant, fields=("email",)).email
        if two_factor:
            recovery.enable_totp(db, registry, row, SECRET)
        db.commit()
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": token_from(html), "email": email,
                                           "password": PASSWORD})
    if two_factor:
        assert response.location.endswith("/login/code")
        html = client.get("/login/code").get_data(as_text=True)
        client.post("/login/code", data={"csrf_token": token_from(html),
                                         "code": pyotp.TOTP(SECRET).now()})
    return client, account


def find(client, query, reason="caller asked for help, ticket 42"):
    html = client.get("/helpdesk/").get_data(as_text=True)
    return client.post("/helpdesk/", data={"csrf_token": token_from(html), "query": query,
                                           "reason": reason})


def act(client, page_html, path, prefix, **fields):
    data = {f"{prefix}-{k}": v for k, v in fields.items()}
    data["csrf_token"] = token_from(page_html)
    data.setdefault(f"{prefix}-registry_id", re.search(
        rf'name="{prefix}-registry_id"[^>]*value="(\d+)"',
        page_html).group(1))
    return client.post(path, data=data)


def test_find_by_registry_id_or_email_is_audited_with_the_reason(app, factory):
    client, staff = staff_client(app, factory)
    person = factory.participant(first_name="Dana", last_name="Lopez", email="dana@example.org")
    by_id = find(client, registry_id.display(person.registry_id))
    assert by_id.status_code == 200 and "Dana Lopez" in by_id.get_data(as_text=True)
    by_email = find(client, "DANA@example.org ")
    assert "dana@example.org" in by_email.get_data(as_text=True)
    with app.extensions["registry"].sessions() as db:
        reads = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "participant.read",
            AuditEvent.subject_participant_id == person.id)).all()
        assert len(reads) == 2
        assert {r.reason for r in reads} == {"caller asked for help, ticket 42"}
        assert {r.actor_account_id for r in reads} == {staff.id}


def test_find_explains_bad_input_beside_the_field(app, factory):
    client, _ = staff_client(app, factory)
    mistyped = find(client, "1234-5678-99")
    assert mistyped.status_code == 422
    assert 'id="query-error"' in mistyped.get_data(as_text=True)
    no_reason = find(client, "someone@example.org", reason="")
    assert 'id="reason-error"' in no_reason.get_data(as_text=True)
    unknown = find(client, "nobody@example.org")
    assert "No profile has this Registry ID or email" in unknown.get_data(as_text=True)


def test_participants_and_org_staff_cannot_use_the_help_desk(app, factory):
    client = app.test_client()
    assert client.get("/helpdesk/").status_code == 302  # to sign-in
    person = factory.account(password=PASSWORD)
    registry = app.extensions["registry"]
    with registry.sessions() as db:
        email = personal_data(db, registry, db.get(Account, person.id).participant,
                              fields=("email",)).email
    html = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": token_from(html), "email": email,
                                "password": PASSWORD})
    assert client.get("/helpdesk/").status_code == 403


def test_staff_without_two_factor_are_sent_to_enrol(app, factory):
    client, _ = staff_client(app, factory, two_factor=False)
    response = client.get("/helpdesk/")
    assert response.status_code == 302 and response.location.endswith("/account/two-factor")


def test_correct_names_with_a_reason(app, factory):
    client, staff = staff_client(app, factory)
    person = factory.participant(first_name="Jon", last_name="Smyth")
    page = find(client, person.registry_id).get_data(as_text=True)
    missing_reason = act(client, page, "/helpdesk/names", "names", first_name="John",
                         last_name="Smith", reason="")
    assert missing_reason.status_code == 422
    assert 'id="names-reason-error"' in missing_reason.get_data(as_text=True)
    done = act(client, page, "/helpdesk/names", "names", first_name="John", last_name="Smith",
               reason="birth certificate checked")
    assert done.status_code == 200 and "John Smith" in done.get_data(as_text=True)
    registry = app.extensions["registry"]
    with registry.sessions() as db:
        row = db.get(Participant, person.id)
        assert personal_data(db, registry, row).full_name() == "John Smith"
        change = db.scalar(select(AuditEvent).where(AuditEvent.action == "participant.update",
                                                    AuditEvent.subject_participant_id == person.id))
        assert change.reason == "birth certificate checked"
        assert change.fields == ["first_name", "last_name"] and change.actor_account_id == staff.id


def test_merge_keeps_the_survivors_id_and_the_other_id_resolves_to_it(app, factory):
    client, _ = staff_client(app, factory, role="registry_staff")
    survivor = factory.participant(first_name="Ana", last_name="Ruiz")
    duplicate = factory.participant(first_name="Ana", last_name="Ruíz")
    page = find(client, survivor.registry_id).get_data(as_text=True)
    unconfirmed = act(client, page, "/helpdesk/merge", "merge",
                      other_registry_id=duplicate.registry_id, reason="same person, ID checked")
    assert unconfirmed.status_code == 422
    itself = act(client, page, "/helpdesk/merge", "merge", other_registry_id=survivor.registry_id,
                 confirm="y", reason="same person, ID checked")
    assert "same profile" in itself.get_data(as_text=True)
    merged = act(client, page, "/helpdesk/merge", "merge",
                 other_registry_id=registry_id.display(duplicate.registry_id), confirm="y",
                 reason="same person, ID checked")
    assert merged.status_code == 200, merged.get_data(as_text=True)
    with app.extensions["registry"].sessions() as db:
        assert get_by_registry_id(db, duplicate.registry_id).id == survivor.id


def test_start_a_reset_and_change_a_lost_email(app, factory):
    client, _ = staff_client(app, factory)
    person = factory.account(email="old@example.org", password=PASSWORD)
    registry = app.extensions["registry"]
    with registry.sessions() as db:
        rid = db.get(Account, person.id).participant.registry_id
    page = find(client, rid).get_data(as_text=True)
    registry.outbox.drain()
    registry.sent_mail.clear()
    assert act(client, page, "/helpdesk/reset", "reset",
               reason="caller cannot find the reset mail").status_code == 200
    registry.outbox.drain()
    assert [m["To"] for m in registry.sent_mail] == ["old@example.org"]
    taken = factory.participant(email="taken@example.org")
    clash = act(client, page, "/helpdesk/email", "email", email="taken@example.org",
                reason="identity checked by video call")
    assert clash.status_code == 422 and "already uses this email" in clash.get_data(as_text=True)
    assert taken.id
    changed = act(client, page, "/helpdesk/email", "email", email="new@example.org",
                  reason="identity checked by video call")
    assert changed.status_code == 200
    registry.outbox.drain()
    assert registry.sent_mail[-1]["To"] == "new@example.org"
    with registry.sessions() as db:
        account = db.get(Account, person.id)
        assert account.email_verified_at is None and account.session_epoch == 1
        reset_audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "account.reset_started"))
        assert reset_audit.reason == "caller cannot find the reset mail"


def test_audit_trail_view_is_itself_audited(app, factory):
    client, _ = staff_client(app, factory)
    person = factory.participant()
    page = find(client, person.registry_id).get_data(as_text=True)
    response = act(client, page, "/helpdesk/trail", "trail", reason="participant asked who looked")
    html = response.get_data(as_text=True)
    assert "participant.create" in html and "participant.read" in html
    with app.extensions["registry"].sessions() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "audit.read"))
        assert event.subject_participant_id == person.id
        assert event.reason == "participant asked who looked"


def test_help_desk_forms_need_csrf(app, factory):
    client, _ = staff_client(app, factory)
    person = factory.participant()
    response = client.post("/helpdesk/names", data={
        "names-registry_id": person.registry_id, "names-first_name": "X",
        "names-last_name": "Y", "names-reason": "no token here"})
    assert response.status_code == 400
