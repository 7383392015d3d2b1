"""Kernel web front door through the Flask test client: sign-up, verification, sign-in, rate
limits, password reset, two-factor, CSRF."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from registry_kernel.db import utcnow
from registry_kernel.models import Account, AuditEvent, EmailToken, Participant

PASSWORD = "violet tractor umbrella"


def csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def post(client, path, data, page=None):
    return client.post(path, data={"csrf_token": csrf(client, page or path), **data})


def mails(app):
    registry = app.extensions["registry"]
    registry.outbox.drain()
    return registry.sent_mail


def link_in(mail, kind):
    text = mail.get_content()
    match = re.search(rf"http://[^\s]+/{kind}/[A-Za-z0-9_-]+", text)
    assert match, text
    return match.group(0).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def sign_up(client, **overrides):
    data = {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org",
            "password": PASSWORD, "password_confirm": PASSWORD, "birth_date": "1990-05-01",
            "phone": "510-555-0134", "street": "1 Main St", "city": "Oakland",
            "postal_code": "94612", "county": "Alameda", "preferred_language": "es", "ssn": ""}
    data.update(overrides)
    return post(client, "/signup", data)


def sign_in(client, email, password=PASSWORD):
    return post(client, "/login", {"email": email, "password": password})


@pytest.fixture
def app(make_app):
    return make_app(plugins=[])


def test_sign_up_verifies_email_by_link_and_signs_in(app):
    client = app.test_client()
    response = sign_up(client, ssn="123-45-6789")
    assert response.status_code == 302, response.get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Your Registry ID" in home and "confirm your email" in home
    sent = mails(app)
    assert len(sent) == 1 and sent[0]["To"] == "ana@example.org"
    verify = link_in(sent[0], "verify")
    assert client.get(verify).status_code == 302
    with app.extensions["registry"].sessions() as db:
        participant = db.scalar(select(Participant))
        account = db.scalar(select(Account))
        assert account.email_verified_at is not None
        assert participant.ssn_bidx is not None and b"123-45-6789" not in participant.ssn_enc
    # The link works once; a second use says so and offers a new one.
    again = client.get(verify)
    assert again.status_code == 302  # already confirmed: a friendly redirect
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    reused = client.get(verify)
    assert reused.status_code in (302, 410)


def test_sign_up_keeps_what_was_typed_and_puts_messages_beside_fields(app):
    client = app.test_client()
    response = sign_up(client, password="password123", password_confirm="nope",
                       email="not-an-email")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Ana"' in html and 'value="not-an-email"' in html
    assert 'id="password-error"' in html and 'aria-describedby="password-hint password-error"' in html
    assert 'id="email-error"' in html and 'id="password_confirm-error"' in html


def test_duplicate_by_email_or_name_and_birth_date_points_to_recovery(app):
    client = app.test_client()
    assert sign_up(client).status_code == 302
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    by_email = sign_up(client, first_name="Other", birth_date="1980-01-01")
    assert by_email.status_code == 409
    assert "forgot?email=ana@example.org" in by_email.get_data(as_text=True)
    by_name = sign_up(client, email="ana.other@example.org", first_name="ANA ", last_name="ruiz")
    assert by_name.status_code == 409
    assert "help desk" in by_name.get_data(as_text=True)
    with app.extensions["registry"].sessions() as db:
        assert len(db.scalars(select(Participant)).all()) == 1


def test_missing_csrf_token_is_400(app):
    client = app.test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    assert response.status_code == 400
    assert "try again" in response.get_data(as_text=True).lower()


def test_api_is_exempt_from_csrf(app):
    response = app.test_client().post("/api/v1/participants", json={})
    assert response.status_code == 401


def test_failed_sign_ins_are_rate_limited_but_reset_still_works(app):
    factory_client = app.test_client()
    sign_up(factory_client)
    factory_client.post("/logout", data={"csrf_token": csrf(factory_client, "/")})
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "ana@example.org", "wrong password!").status_code == 401
    blocked = sign_in(client, "ana@example.org")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # Another email from the same address is not blocked yet.
    assert sign_in(client, "someone@example.org", "whatever pass").status_code == 401
    # Password reset is never blocked, and it lifts the limit.
    mails(app).clear()
    assert post(client, "/forgot", {"email": "ana@example.org"}).status_code == 200
    reset = link_in(mails(app)[-1], "reset")
    new = "new lantern meadow river"
    assert post(client, reset, {"password": new, "password_confirm": new}).status_code == 302
    assert sign_in(client, "ana@example.org", new).status_code == 302


def test_rate_limit_window_expires(app):
    client = app.test_client()
    sign_up(client)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    for _ in range(5):
        sign_in(client, "ana@example.org", "wrong password!")
    assert sign_in(client, "ana@example.org").status_code == 429
    from registry_kernel.models import LoginAttempt

    with app.extensions["registry"].sessions() as db:
        db.execute(update(LoginAttempt).values(occurred_at=utcnow() - timedelta(minutes=16)))
        db.commit()
    assert sign_in(client, "ana@example.org").status_code == 302


def test_forgot_password_answers_the_same_for_unknown_emails(app):
    client = app.test_client()
    sign_up(client)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    mails(app).clear()
    known = post(client, "/forgot", {"email": "ana@example.org"}).get_data(as_text=True)
    unknown = post(client, "/forgot", {"email": "nobody@example.org"}).get_data(as_text=True)
    assert known.replace("ana@example.org", "X") == unknown.replace("nobody@example.org", "X")
    assert [m["To"] for m in mails(app)] == ["ana@example.org"]


def test_reset_link_is_single_use_expires_and_ends_other_sessions(app):
    other_device = app.test_client()
    sign_up(other_device)
    assert "Your Registry ID" in other_device.get("/").get_data(as_text=True)
    client = app.test_client()
    post(client, "/forgot", {"email": "ana@example.org"})
    sent = mails(app)
    reset = link_in(sent[-1], "reset")
    new = "copper kettle orchard"
    assert post(client, reset, {"password": new, "password_confirm": "different words"}).status_code == 422
    assert post(client, reset, {"password": new, "password_confirm": new}).status_code == 302
    # The other device is signed out; the person got a notification without any password.
    assert "Your Registry ID" not in other_device.get("/").get_data(as_text=True)
    notice = mails(app)[-1]
    assert "changed" in notice["Subject"] and new not in notice.get_content()
    # Reused link: says so and offers a new one.
    reused = client.get(reset)
    assert reused.status_code == 410
    assert 'data-status="used"' in reused.get_data(as_text=True)
    assert "/forgot" in reused.get_data(as_text=True)
    # Expired link.
    post(client, "/forgot", {"email": "ana@example.org"})
    expiring = link_in(mails(app)[-1], "reset")
    with app.extensions["registry"].sessions() as db:
        db.execute(update(EmailToken).where(EmailToken.used_at.is_(None))
                   .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    expired = client.get(expiring)
    assert expired.status_code == 410 and 'data-status="expired"' in expired.get_data(as_text=True)
    assert client.get("/reset/not-a-token").status_code == 404
    assert sign_in(app.test_client(), "ana@example.org", new).status_code == 302
    assert sign_in(app.test_client(), "ana@example.org", PASSWORD).status_code == 401


def test_session_rotates_at_sign_in_and_open_redirects_are_refused(app):
    client = app.test_client()
    sign_up(client)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    with client.session_transaction() as sess:
        sess["planted"] = "attacker"
    token = csrf(client, "/login")
    response = client.post("/login?next=//evil.example/x",
                           data={"csrf_token": token, "email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/"
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess.get("nonce")


def test_two_factor_enrolment_and_sign_in(app):
    client = app.test_client()
    sign_up(client)
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert "otpauth://totp/" in page
    bad = post(client, "/account/two-factor", {"code": "000000"}, page="/account/two-factor")
    # A fresh GET made a new secret: enrol against the one shown last.
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = client.post("/account/two-factor", data={"csrf_token": token,
                                                  "code": pyotp.TOTP(secret).now()})
    assert bad.status_code == 422 and ok.status_code == 302
    with app.extensions["registry"].sessions() as db:
        account = db.scalar(select(Account))
        assert account.totp_enabled and secret.encode() not in account.totp_secret_enc
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    first = sign_in(client, "ana@example.org")
    assert first.status_code == 302 and first.location.endswith("/login/code")
    assert "Your Registry ID" not in client.get("/").get_data(as_text=True)
    wrong = post(client, "/login/code", {"code": "123456"})
    assert wrong.status_code == 401
    right = post(client, "/login/code", {"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302
    assert "Your Registry ID" in client.get("/").get_data(as_text=True)


def test_staff_must_enrol_two_factor_before_staff_pages(app):
    from registry_kernel.testing import Factory

    factory = Factory(app)
    staff = factory.account("help_desk", email="desk@example.org", password=PASSWORD)
    client = app.test_client()
    response = sign_in(client, "desk@example.org")
    assert response.location.endswith("/account/two-factor")
    assert client.get("/helpdesk/").location.endswith("/account/two-factor")
    assert staff.id


def test_my_privacy_lists_who_viewed_the_record(app):
    from registry_kernel.participants import personal_data
    from registry_kernel.testing import Factory

    client = app.test_client()
    sign_up(client)
    factory = Factory(app)
    staff = factory.account("help_desk")
    registry = app.extensions["registry"]
    from registry_kernel.auth.actor import actor_for_account

    with registry.sessions() as db:
        participant = db.scalar(select(Participant).where(Participant.id == db.scalar(
            select(Account.participant_id).where(Account.id != staff.id))))
        actor = actor_for_account(db, db.get(Account, staff.id),
                                  permission_roles=registry.permission_roles)
        personal_data(db, registry, participant, actor=actor, reason="caller asked about hours")
        db.commit()
    page = client.get("/my/privacy").get_data(as_text=True)
    assert "Help desk" in page and "caller asked about hours" in page and "Record viewed" in page
    assert client.get("/privacy").status_code == 200


def test_verification_link_can_be_resent_and_old_one_stops(app):
    client = app.test_client()
    sign_up(client)
    first = link_in(mails(app)[-1], "verify")
    assert post(client, "/verify", {}).status_code == 302
    second = link_in(mails(app)[-1], "verify")
    assert first != second
    old = client.get(first)
    assert old.status_code == 410 and "Get a new link" in old.get_data(as_text=True)
    assert client.get(second).status_code == 302
    with app.extensions["registry"].sessions() as db:
        assert db.scalar(select(AuditEvent).where(AuditEvent.action == "account.email_verified"))


def test_many_failures_from_one_address_block_that_address(app):
    from registry_kernel.auth import recovery

    client = app.test_client()
    sign_up(client)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    for n in range(recovery.MAX_FAILURES_PER_ADDRESS):
        assert sign_in(client, f"guess{n}@example.org", "not the password").status_code == 401
    assert sign_in(client, "ana@example.org").status_code == 429
    other_address = app.test_client()
    response = other_address.post("/login", data={
        "csrf_token": csrf(other_address, "/login"), "email": "ana@example.org",
        "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 302


def test_language_choice_is_saved_on_the_account(app):
    client = app.test_client()
    sign_up(client)
    client.get("/?lang=zh-Hant")
    other_device = app.test_client()
    post(other_device, "/login", {"email": "ana@example.org", "password": PASSWORD})
    with other_device.session_transaction() as sess:
        sess.pop("lang", None)
    assert '<html lang="zh-Hant"' in other_device.get("/").get_data(as_text=True)


def test_public_home_links_the_training_calendar_page_not_the_api(make_app):
    from flask import Blueprint

    from registry_kernel.hookspecs import hookimpl

    api = Blueprint("fake_api", __name__, url_prefix="/api/v1")
    api.add_url_rule("/calendar", "calendar", lambda: "[]")
    web = Blueprint("fake_web", __name__, url_prefix="/fake")
    web.add_url_rule("/calendar", "calendar", lambda: "calendar page")

    class Calendar:
        @hookimpl
        def blueprints(self):
            return [api, web]

    app = make_app(plugins=[], extra_plugins=(Calendar(),))
    html = app.test_client().get("/").get_data(as_text=True)
    links = re.findall(r'<ul class="link-list">(.*?)</ul>', html, re.S)[0]
    assert 'href="/fake/calendar"' in links and "/api/" not in links and "/help" in links
    assert "/calendar" not in re.findall(r'<ul class="link-list">(.*?)</ul>',
                                         make_app(plugins=[]).test_client().get("/")
                                         .get_data(as_text=True), re.S)[0]


def test_quick_link_colours_keep_text_readable():
    from registry_kernel.auth.views import _text_colour

    assert _text_colour("#ffff00") == "#000000" and _text_colour("#0b5d7a") == "#ffffff"


def test_a_two_factor_code_signs_in_only_once(app):
    from registry_kernel.auth import recovery

    client = app.test_client()
    sign_up(client)
    secret = pyotp.random_base32()
    with app.extensions["registry"].sessions() as db:
        recovery.enable_totp(db, app.extensions["registry"], db.scalar(select(Account)), secret)
        db.commit()
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    code = pyotp.TOTP(secret).now()
    sign_in(client, "ana@example.org")
    assert post(client, "/login/code", {"code": code}).status_code == 302
    attacker = app.test_client()
    sign_in(attacker, "ana@example.org")
    # Still inside the code's validity window (its step or the next), but the code is spent.
    assert post(attacker, "/login/code", {"code": code}).status_code == 401


def _session_cookie(client):
    cookie = client.get_cookie("registry")
    assert cookie is not None
    return cookie.value


def test_a_copied_session_cookie_dies_with_sign_out(app):
    from registry_kernel.testing import Factory

    Factory(app).account(email="lee@example.org", password=PASSWORD, first_name="Lee")
    client = app.test_client()
    sign_in(client, "lee@example.org")
    assert "Hello, Lee" in client.get("/").get_data(as_text=True)
    stolen = _session_cookie(client)
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    thief = app.test_client()
    thief.set_cookie("registry", stolen)
    assert "Hello, Lee" not in thief.get("/").get_data(as_text=True)
    assert thief.get("/my/privacy").status_code == 302  # sent to sign in
    # signing in again starts a new session that works
    sign_in(client, "lee@example.org")
    assert "Hello, Lee" in client.get("/").get_data(as_text=True)


def test_a_sign_in_lasts_at_most_session_hours(make_app, monkeypatch):
    import time

    from registry_kernel.testing import Factory

    app = make_app(plugins=[], session_hours=1)
    Factory(app).account(email="kim@example.org", password=PASSWORD, first_name="Kim")
    client = app.test_client()
    sign_in(client, "kim@example.org")
    assert "Hello, Kim" in client.get("/").get_data(as_text=True)
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)  # itsdangerous reads the clock here
    assert "Hello, Kim" not in client.get("/").get_data(as_text=True)


def test_session_hours_must_be_a_positive_whole_number():
    from registry_kernel.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="session_hours"):
        load_settings({"database_url": "sqlite://"}, env={"REGISTRY_SESSION_HOURS": "0"})
