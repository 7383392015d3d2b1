"""Issue 6's "done when" in a real browser (Playwright + Debian's Chromium on a live registry):
a sponsor manager builds the catalog and schedules a published multi-session event, an
invite-only event and a small event; participants search the public calendar, open the details
page, enroll (signing in on the way), enroll through the invitation link, and the next person
on a full event is waitlisted with their position."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from registry_kernel import clock
from registry_kernel.testing import Factory

pytestmark = pytest.mark.browser

PASSWORD = "violet tractor umbrella"


def sign_in(page: Any, email: str) -> None:
    """The log-in form the registry shows (whatever page sent the person there)."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def schedule(page: Any, training: str, sessions: list[tuple[str, str, str]], *,
             capacity: int, invite_only: bool = False, online: bool = False,
             javascript: bool = True) -> None:
    """Fill the Event Management form: the session rows (adding rows with the button), the
    capacity, visibility and place."""
    choice = page.locator("#training_id option", has_text=training).get_attribute("value")
    page.get_by_label("Training", exact=True).select_option(choice)
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    for n, (day, start, end) in enumerate(sessions):
        if n > 0:
            page.get_by_role("button", name="Add a session").click()
            expect(page.get_by_role("group", name=f"Session {n + 1}")).to_be_visible()
        page.locator(f"#sessions-{n}-date").fill(day)
        page.locator(f"#sessions-{n}-start").fill(start)
        page.locator(f"#sessions-{n}-end").fill(end)
    # with JavaScript, "Add a session" adds the row in the page (no round trip)
    assert len(loads) == (0 if javascript else len(sessions) - 1)
    page.get_by_label("Capacity", exact=True).fill(str(capacity))
    if invite_only:
        page.get_by_role("radio", name="Invite only (a private link you send)").check()
    if online:
        page.get_by_role("radio", name="Online").check()
        page.get_by_label("Online meeting link").fill("https://meet.example.org/ece-101")
    else:
        page.get_by_label("Address", exact=True).fill("1200 Broadway")
        page.get_by_label("City", exact=True).fill("Oakland")
        page.get_by_label("County", exact=True).select_option("Alameda")
        page.get_by_label("ZIP code", exact=True).fill("94612")
    page.get_by_role("button", name="Schedule").click()


def test_sponsor_schedules_and_participants_find_and_enroll(new_page, live_server, axe_check):
    live = live_server(plugins=["training"])
    factory = Factory(live.app)
    org = factory.org(kind="training_sponsor", name="East Bay Training Partners")
    factory.account("sponsor_manager", org=org, email="manager@example.org",
                    password=PASSWORD)
    for email in ("ana@example.org", "ben@example.org", "cy@example.org"):
        factory.account(email=email, password=PASSWORD)
    in_a_week = clock.today() + timedelta(days=7)
    days = [(in_a_week + timedelta(days=7 * n)).isoformat() for n in range(3)]

    # (a) the sponsor manager builds the catalog and schedules three events
    manager = new_page()
    manager.goto(live.url + "/training/manage")
    sign_in(manager, "manager@example.org")
    assert "Training Module" in manager.locator("h1").inner_text()
    for title, area, hours in (("Early Literacy Series", "LEC", "6"),
                               ("Coaching Circle for Directors", "LEAD", "2"),
                               ("Safe Sleep Basics", "HSN", "1.5")):
        manager.get_by_role("link", name="Add Training").first.click()
        manager.get_by_label("Title").fill(title)
        manager.get_by_label("Description").fill(f"{title}: practical strategies.")
        manager.get_by_label("Hours").fill(hours)
        manager.get_by_label("Competency area").select_option(area)
        manager.get_by_role("combobox", name="Language").select_option("en")
        manager.get_by_role("button", name="Save").click()
        expect(manager.locator("main")).to_contain_text(title)  # the catalog lists it
        manager.get_by_role("link", name="East Bay Training Partners").first.click()

    manager.get_by_role("link", name="Schedule an event").first.click()
    axe_check(manager)
    schedule(manager, "Early Literacy Series", [(days[0], "09:00", "12:00"),
                                                (days[1], "09:00", "12:00"),
                                                (days[2], "13:00", "16:00")], capacity=20)
    main = manager.locator("main").inner_text()
    assert "Event scheduled" in main and "3 sessions" in main

    manager.goto(live.url + f"/training/manage/{org.id}/events/new")
    schedule(manager, "Coaching Circle for Directors", [(days[0], "18:00", "20:00")],
             capacity=8, invite_only=True, online=True)
    invite_url = manager.locator("code.tr-invite").inner_text().strip()
    assert "/training/invite/" in invite_url

    manager.goto(live.url + f"/training/manage/{org.id}/events/new")
    schedule(manager, "Safe Sleep Basics", [(days[1], "18:00", "19:30")], capacity=1)
    assert "Event scheduled" in manager.locator("main").inner_text()
    manager.context.close()

    # (b) a participant searches the public calendar without signing in
    ana = new_page()
    ana.goto(live.url + "/training/calendar")
    ana.get_by_label("Keyword").fill("literacy")
    ana.get_by_label("County").select_option("Alameda")
    ana.get_by_label("Competency area").select_option("LEC")
    ana.get_by_role("button", name="Search").click()
    expect(ana.locator(".tr-count")).to_contain_text("1 training found")
    results = ana.locator(".tr-results").inner_text()
    assert "Early Literacy Series" in results and "Safe Sleep" not in results
    axe_check(ana)
    ana.get_by_label("Keyword").fill("coaching")
    ana.get_by_label("Competency area").select_option("")
    ana.get_by_label("County").select_option("")
    ana.get_by_role("button", name="Search").click()
    expect(ana.locator(".tr-results")).to_contain_text("No trainings match your search.")
    ana.get_by_label("Keyword").fill("literacy")
    ana.get_by_role("button", name="Search").click()
    ana.get_by_role("link", name="Early Literacy Series").click()
    expect(ana.locator("main")).to_contain_text("3 sessions")
    details = ana.locator("main").inner_text()
    assert "3 sessions" in details and "1:00 PM" in details
    axe_check(ana)
    ana.get_by_role("button", name="Enroll Now").click()
    sign_in(ana, "ana@example.org")  # back on the details page, signed in
    assert "Early Literacy Series" in ana.locator("h1").inner_text()
    ana.get_by_role("button", name="Enroll Now").click()
    expect(ana.locator("h1")).to_have_text("Enrolled")
    assert "3 sessions" in ana.locator("main").inner_text()
    axe_check(ana)

    # the invite-only event: never in search, but its link works
    ana.goto(invite_url)
    assert "Coaching Circle for Directors" in ana.locator("h1").inner_text()
    ana.get_by_role("button", name="Enroll Now").click()
    expect(ana.locator("h1")).to_have_text("Enrolled")
    ana.goto(live.url + "/training/invite/not-a-real-token")
    assert "This invitation link does not work" in ana.locator("main").inner_text()

    # a full event: Ana takes the only seat, Ben is waitlisted with his position
    ana.goto(live.url + "/training/calendar?q=sleep")
    ana.get_by_role("link", name="Safe Sleep Basics").click()
    ana.get_by_role("button", name="Enroll Now").click()
    expect(ana.locator("h1")).to_have_text("Enrolled")
    ana.goto(live.url + "/training/my")
    mine = ana.locator("main").inner_text()
    assert mine.count("Enrolled") >= 3 and "Coaching Circle for Directors" in mine
    ana.context.close()

    ben = new_page()
    ben.goto(live.url + "/login")
    sign_in(ben, "ben@example.org")
    ben.goto(live.url + "/training/calendar?q=sleep")
    card = ben.locator(".tr-card", has_text="Safe Sleep Basics")
    assert "Full: waitlist open" in card.inner_text()
    card.get_by_role("button", name="Join the waitlist").click()
    expect(ben.locator("h1")).to_have_text("Waitlisted")
    assert "position 1" in ben.locator("main").inner_text()
    ben.context.close()

    cy = new_page()
    cy.goto(live.url + "/login")
    sign_in(cy, "cy@example.org")
    cy.goto(live.url + "/training/calendar?q=sleep")
    cy.get_by_role("link", name="Safe Sleep Basics").click()
    cy.get_by_role("button", name="Join the waitlist").click()
    expect(cy.locator("main")).to_contain_text("position 2")
    cy.context.close()

    mails = [(m["To"], m["Subject"]) for m in live.mails()]
    assert ("ben@example.org", "Waitlisted: Safe Sleep Basics") in mails
    assert ("ana@example.org", "Enrolled: Early Literacy Series") in mails


def test_sessions_are_added_without_javascript_too(new_page, live_server):
    live = live_server(plugins=["training"])
    factory = Factory(live.app)
    org = factory.org(kind="training_sponsor", name="Valley Trainers")
    factory.account("sponsor_manager", org=org, email="lead@example.org", password=PASSWORD)
    page = new_page(java_script_enabled=False)
    page.goto(live.url + f"/training/manage/{org.id}/catalog/new")
    sign_in(page, "lead@example.org")
    page.get_by_label("Title").fill("Toddler Development")
    page.get_by_label("Hours").fill("4")
    page.get_by_role("button", name="Save").click()
    page.goto(live.url + f"/training/manage/{org.id}/events/new")
    first = clock.today() + timedelta(days=10)
    schedule(page, "Toddler Development", [(first.isoformat(), "09:00", "11:00"),
                                           ((first + timedelta(days=1)).isoformat(), "09:00",
                                            "11:00")], capacity=10, javascript=False)
    main = page.locator("main").inner_text()
    assert "Event scheduled" in main and "2 sessions" in main
    page.context.close()


def test_instructor_publishes_a_profile_and_schedules_an_event(new_page, live_server,
                                                               axe_check):
    from registry_plugins.training.models import Instructor, TrainingSponsor

    from registry_kernel.accounts import grant_role
    from registry_kernel.db import unit_of_work
    from registry_kernel.models import Account, Organization

    live = live_server(plugins=["profile", "training"])
    factory = Factory(live.app)
    org = factory.org(kind="training_sponsor", name="Harbor Training Collaborative")
    account = factory.account(email="lucia@example.org", password=PASSWORD,
                              first_name="Lucía", last_name="Ortega")
    with unit_of_work(live.registry.sessions) as session:  # approved, events allowed
        session.add(Instructor(organization_id=org.id, account_id=account.id,
                               status="approved"))
        grant_role(session, session.get(Account, account.id), "instructor",
                   session.get(Organization, org.id), actor=None)
        sponsor = TrainingSponsor(organization_id=org.id, status="approved",
                                  instructors_may_manage_events=True)
        session.add(sponsor)
    manager = factory.account("sponsor_manager", org=org)
    token = factory.token(manager, "training:write", org=org)
    created = live.app.test_client().post("/api/v1/trainings", headers={
        "Authorization": f"Bearer {token}"}, json={
        "title": "Supporting Dual-Language Learners", "hours": "3", "competency_area": "DLD",
        "language": "es"})
    assert created.status_code == 201

    page = new_page()
    page.goto(live.url + "/training/instructor-profile")
    sign_in(page, "lucia@example.org")
    assert page.get_by_label("Name shown on your profile").input_value() == "Lucía Ortega"
    axe_check(page)
    page.get_by_label("Expertise (topics you teach)").fill("Dual-language development")
    page.get_by_label("Experience").fill("Twelve years as a preschool lead teacher.")
    page.get_by_role("checkbox", name="Español (Spanish)").check()
    page.get_by_label("About you").fill("I coach teachers in English and Spanish.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("main")).to_contain_text("Instructor Profile saved.")
    page.get_by_role("button", name="Publish my profile").click()
    expect(page.locator("main")).to_contain_text("is published")

    page.goto(live.url + "/training/manage")
    page.get_by_role("link", name="Schedule an event").first.click()
    axe_check(page)
    schedule(page, "Supporting Dual-Language Learners",
             [((clock.today() + timedelta(days=12)).isoformat(), "18:00", "20:00")],
             capacity=15, online=True)
    assert "Event scheduled" in page.locator("main").inner_text()
    page.get_by_role("link", name="Edit the event").click()
    page.get_by_label("Capacity", exact=True).fill("18")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Event saved.")
    assert "0/18" in page.locator("main").inner_text()
    page.context.close()

    visitor = new_page()
    visitor.goto(live.url + "/training/calendar?q=dual")
    visitor.get_by_role("link", name="Supporting Dual-Language Learners").click()
    visitor.get_by_role("link", name="Lucía Ortega").click()
    expect(visitor.locator("main")).to_contain_text("Dual-language development")
    profile = visitor.locator("main").inner_text()
    assert "Dual-language development" in profile and "Español" in profile
    assert "Supporting Dual-Language Learners" in profile  # upcoming trainings
    axe_check(visitor)
    visitor.context.close()


def test_a_manager_prepares_a_report_in_the_background(new_page, live_server, axe_check):
    """Reports -> Prepare in the background -> confirm -> My reports, where "Check again" shows
    the workbook once a worker (here the test) has built it."""
    live = live_server(plugins=["training"])
    factory = Factory(live.app)
    org = factory.org(kind="training_sponsor", name="East Bay Training Partners")
    factory.account("sponsor_manager", org=org, email="manager@example.org",
                    password=PASSWORD)
    page = new_page()
    page.goto(f"{live.url}/training/manage/{org.id}/reports")
    sign_in(page, "manager@example.org")
    attendance = page.locator("section", has=page.get_by_role("heading", name="Attendance"))
    attendance.get_by_role("button", name="Prepare in the background").click()
    expect(page.locator("h1")).to_contain_text("Prepare in the background: Attendance")
    axe_check(page)
    page.get_by_role("button", name="Prepare the report").click()
    expect(page.locator("h1")).to_have_text("My reports")
    expect(page.get_by_role("status")).to_contain_text("still being prepared")
    axe_check(page)  # no self-refreshing page (WCAG 2.2.1): a link to check again
    live.registry.outbox.drain()  # what registry worker does
    page.get_by_role("link", name="Check again").click()
    link = page.get_by_role("link", name="Download (Excel)")
    expect(link).to_be_visible()
    expect(page.locator("tbody tr")).to_contain_text("Attendance")
    axe_check(page)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "attendance.xlsx"
