"""Stipend pages: a participant sees the open programs of their county and applies (unmet rules
shown), the Quick Link appears only where stipends are on, a county administrator switches
stipends on, defines a program and decides in the queue; demo data."""

from __future__ import annotations

import re
from datetime import date, timedelta

from stipends_helpers import WebClient, make_world

from registry_kernel.testing import bearer


def test_participant_sees_programs_applies_and_sees_unmet_rules(world):
    program = world.program()
    eligible = world.person()
    web = WebClient(world.app, eligible)
    page = web.get("/stipends/").get_data(as_text=True)
    assert "Workforce Pathways" in page and f"/stipends/programs/{program['id']}/apply" in page
    assert "Your verified records meet this program" in page
    form = web.get(f"/stipends/programs/{program['id']}/apply")
    assert form.status_code == 200 and 'type="password"' in form.get_data(as_text=True)
    sent = web.post(f"/stipends/programs/{program['id']}/apply",
                    data={"tier": "pd21", "tin_kind": "ssn", "tin": "123-45-6789",
                          "funding_types": ["CSPP"]})
    assert sent.status_code == 302
    page = web.get("/stipends/").get_data(as_text=True)
    assert "submitted" in page and "You applied." in page and "6789" not in page

    newcomer = world.person(role="assistant", hours="8", permit_level=None, training_hours=None,
                            start=(date.today() - timedelta(days=20)).isoformat())
    web = WebClient(world.app, newcomer)
    listing = web.get("/stipends/").get_data(as_text=True)
    assert "Not yet eligible:" in listing and "At least 20 hours a week required" in listing
    refused = web.post(f"/stipends/programs/{program['id']}/apply",
                       data={"tier": "pd21", "tin_kind": "ssn", "tin": "234-56-7890"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "At least 20 hours a week required" in html
    assert "A current Child Development Permit" in html
    assert "verified training hours" in html and "234-56-7890" not in html
    bad = web.post(f"/stipends/programs/{program['id']}/apply",
                   data={"tier": "pd21", "tin_kind": "ssn", "tin": "000-00-0000"})
    assert bad.status_code == 422 and "not a valid Social Security number" in \
        bad.get_data(as_text=True)


def test_quick_link_only_where_stipends_are_on(make_app):
    world = make_world(make_app, active=False)
    person = world.factory.account("participant", county="Alameda")
    home = WebClient(world.app, person).get("/").get_data(as_text=True)
    assert "/stipends/" not in home
    from stipends_helpers import activate

    activate(world.app, "Alameda")
    home = WebClient(world.app, person).get("/").get_data(as_text=True)
    assert "/stipends/" in home and "Stipends" in home
    marin = world.factory.account("participant", county="Marin")
    assert "/stipends/" not in WebClient(world.app, marin).get("/").get_data(as_text=True)


def test_county_admin_switches_on_defines_program_and_decides(make_app):
    world = make_world(make_app, active=False)
    web = WebClient(world.app, world.county_admin)
    assert "stipends are off" in web.get("/stipends/admin").get_data(as_text=True)
    assert web.post("/stipends/admin", data={"act-active": "y", "act-submit": "Save"}
                    ).status_code == 302
    assert "stipends are on" in web.get("/stipends/admin").get_data(as_text=True)
    today = date.today()
    fields = {"name": "Retention Stipend", "funding_year": str(today.year),
              "opens_on": (today - timedelta(days=1)).isoformat(),
              "closes_on": (today + timedelta(days=10)).isoformat(),
              "min_hours_per_week": "20", "role_categories": ["teacher"], "allow_itin": "y"}
    bad = web.post("/stipends/admin/programs/new", data={
        **fields, "tiers": '[{"key": "a", "label": "A", "amount": "-1"}]'})
    assert bad.status_code == 422
    created = web.post("/stipends/admin/programs/new", data={**fields, "amount": "500"})
    assert created.status_code == 302, created.get_data(as_text=True)
    program_id = int(re.search(r"/programs/(\d+)", created.headers["Location"]).group(1))
    listed = world.client().get("/api/v1/stipends/programs").get_json()["items"]
    assert listed[0]["name"] == "Retention Stipend" and listed[0]["amount"] == "500.00"
    assert listed[0]["rules"] == {"min_hours_per_week": "20", "role_categories": ["teacher"]}

    person = world.person()
    application = world.apply(person, program_id).get_json()
    queue = web.get(f"/stipends/admin/programs/{program_id}").get_data(as_text=True)
    assert f"/stipends/admin/applications/{application['id']}" in queue
    review = web.get(f"/stipends/admin/applications/{application['id']}")
    assert "***-**-6789" in review.get_data(as_text=True)
    no_reason = web.post(f"/stipends/admin/applications/{application['id']}",
                         data={"decision-decision": "approve", "decision-reason": "",
                               "decision-submit": "Record decision"})
    assert no_reason.status_code == 422
    approved = web.post(f"/stipends/admin/applications/{application['id']}",
                        data={"decision-decision": "approve",
                              "decision-reason": "Meets every rule",
                              "decision-submit": "Record decision"})
    assert approved.status_code == 302
    paid = web.post(f"/stipends/admin/applications/{application['id']}",
                    data={"paid-paid_on": today.isoformat(), "paid-submit": "Mark paid"})
    assert paid.status_code == 302
    mine = world.client().get("/api/v1/me/stipend-applications",
                              headers=bearer(person.me_token)).get_json()["items"][0]
    assert mine["status"] == "approved" and mine["payment"]["status"] == "paid"
    # a participant cannot reach the staff pages
    assert WebClient(world.app, person).get("/stipends/admin").status_code == 403


def test_demo_data_opens_a_program_in_alameda(make_app):
    from registry_kernel.demo import load_demo

    app = make_app(plugins=["profile", "documents", "stipends"])
    load_demo(app.extensions["registry"])
    programs = app.test_client().get("/api/v1/stipends/programs").get_json()
    assert programs["total"] == 1 and programs["items"][0]["county"] == "Alameda"
