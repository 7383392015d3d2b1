"""The help desk in a real browser: a staff member signs in with two-factor, finds a participant
by Registry ID with a reason, corrects the name and reads the record history; the participant
then sees that on My privacy. No axe-core violations on these pages."""

import pyotp
import pytest
from playwright.sync_api import expect

from registry_kernel import registry_id
from registry_kernel.auth import recovery
from registry_kernel.models import Account
from registry_kernel.testing import Factory

pytestmark = pytest.mark.browser

PASSWORD = "violet tractor umbrella"
SECRET = pyotp.random_base32()


def sign_in(page, live, email, code=None):
    page.goto(live.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if code:
        page.get_by_label("6-digit code").fill(code())
        page.get_by_role("button", name="Continue").click()


def test_help_desk_corrects_a_name_and_the_participant_sees_it(page, live_registry, axe_check):
    live = live_registry
    factory = Factory(live.app)
    staff = factory.account("help_desk", email="desk@example.org", password=PASSWORD)
    person = factory.account(email="kim@example.org", password=PASSWORD, first_name="Kym",
                             last_name="Nguyen")
    registry = live.registry
    with registry.sessions() as db:
        recovery.enable_totp(db, registry, db.get(Account, staff.id), SECRET)
        db.commit()
        rid = db.get(Account, person.id).participant.registry_id

    sign_in(page, live, "desk@example.org", code=lambda: pyotp.TOTP(SECRET).now())
    page.get_by_role("link", name="Help desk").click()
    expect(page.locator("h1")).to_contain_text("find a participant")
    axe_check(page)
    page.get_by_label("Registry ID or email").fill(registry_id.display(rid))
    page.get_by_label("Reason for looking").fill("caller asked to fix her first name, ticket 7")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("h1")).to_contain_text("Kym Nguyen")
    axe_check(page)

    page.locator("#names-first_name").fill("Kim")
    page.locator("#names-reason").fill("passport checked on video call")
    page.get_by_role("button", name="Save the name").click()
    expect(page.locator("h1")).to_contain_text("Kim Nguyen")
    page.locator("#trail-reason").fill("checking the name change was recorded")
    page.get_by_role("button", name="Show the history").click()
    expect(page.locator("table.trail")).to_contain_text("participant.update")
    axe_check(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live, "kim@example.org")
    assert "Hello, Kim" in page.locator("h1").inner_text()
    page.goto(live.url + "/my/privacy")
    history = page.locator("table.trail").inner_text()
    assert "Help desk" in history and "passport checked on video call" in history
    axe_check(page)
