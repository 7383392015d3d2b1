"""Stipend pages: a participant sees the open programs of their county and applies (unmet rules
shown), the Quick Link appears only where stipends are on, a county administrator switches
stipends on, defines a program and decides in the queue; demo data."""

from __future__ import annotations

import re
from datetime import timedelta

from stipends_helpers import TestLogin, WebClient, make_world

from registry_kernel import clock
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
                            start=(clock.today() - timedelta(days=20)).isoformat())
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
    today = clock.today()
    fields = {"name": "Retention Stipend", "funding_year": str(today.year),
              "opens_on": (today - timedelta(days=1)).isoformat(),
              "closes_on": (today + timedelta(days=10)).isoformat(),
              "min_hours_per_week": "20", "role_categories": ["teacher"], "allow_itin": "y"}
    bad = web.post("/stipends/admin/programs/new", data={
        **fields, "tiers-0-key": "a", "tiers-0-label": "A", "tiers-0-amount": "-1"})
    assert bad.status_code == 422
    assert "greater than or equal to 0" in bad.get_data(as_text=True)
    both = web.post("/stipends/admin/programs/new", data={
        **fields, "amount": "500", "tiers-0-key": "a", "tiers-0-label": "A",
        "tiers-0-amount": "100"})
    assert both.status_code == 422 and "not both" in both.get_data(as_text=True)
    tiered = web.post("/stipends/admin/programs/new", data={
        **fields, "name": "Tiered", "tiers-0-key": "pd21", "tiers-0-label": "21 PD hours",
        "tiers-0-amount": "315", "tiers-0-min_training_hours": "21",
        "tiers-0-training_since": "2026-01-01", "tiers-1-key": "hs16",
        "tiers-1-label": "16 health and safety hours", "tiers-1-amount": "240",
        "tiers-1-permit_levels": ["teacher", "master_teacher"]})
    assert tiered.status_code == 302, tiered.get_data(as_text=True)
    tiered_id = int(re.search(r"/programs/(\d+)", tiered.headers["Location"]).group(1))
    saved = world.admin("get", "/api/v1/stipends/programs").get_json()["items"]
    tiers = next(p for p in saved if p["id"] == tiered_id)["tiers"]
    assert tiers == [{"key": "pd21", "label": "21 PD hours", "amount": "315.00",
                      "rules": {"min_training_hours": "21", "training_since": "2026-01-01"}},
                     {"key": "hs16", "label": "16 health and safety hours", "amount": "240.00",
                      "rules": {"permit_levels": ["teacher", "master_teacher"]}}]
    edit = web.get(f"/stipends/admin/programs/{tiered_id}/edit").get_data(as_text=True)
    assert 'value="pd21"' in edit and 'value="2026-01-01"' in edit
    assert 'id="tiers-2-key"' in edit  # an empty row to add a tier
    bad_level = web.post(f"/stipends/admin/programs/{tiered_id}/edit", data={
        **fields, "name": "Tiered", "tiers-0-key": "pd21", "tiers-0-label": "21 PD hours",
        "tiers-0-amount": "315", "tiers-0-permit_levels": ["grand_master"]})
    assert bad_level.status_code == 422 and "grand_master" in bad_level.get_data(as_text=True)
    created = web.post("/stipends/admin/programs/new", data={**fields, "amount": "500"})
    assert created.status_code == 302, created.get_data(as_text=True)
    program_id = int(re.search(r"/programs/(\d+)", created.headers["Location"]).group(1))
    listed = next(p for p in world.client().get("/api/v1/stipends/programs").get_json()["items"]
                  if p["id"] == program_id)
    assert listed["name"] == "Retention Stipend" and listed["amount"] == "500.00"
    assert listed["rules"] == {"min_hours_per_week": "20", "role_categories": ["teacher"]}
    edit = web.get(f"/stipends/admin/programs/{program_id}/edit")  # rules come back as numbers
    assert edit.status_code == 200 and 'value="20.00"' in edit.get_data(as_text=True)

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


def test_pathway_pages_staff_write_recipient_sees_progress_and_proposes(world):
    program = world.program()
    person = world.person()
    application = world.apply(person, program["id"], tier="pd21").get_json()
    staff = WebClient(world.app, world.county_admin)
    recipient = WebClient(world.app, person)
    # not approved yet: no plan page on either side
    assert staff.get(f"/stipends/admin/applications/{application['id']}/pathway"
                     ).status_code == 404
    assert recipient.get(f"/stipends/pathways/{application['id']}").status_code == 404
    world.admin("post", f"/api/v1/stipends/applications/{application['id']}/decision",
                json={"decision": "approve", "reason": "ok"})
    review = staff.get(f"/stipends/admin/applications/{application['id']}").get_data(
        as_text=True)
    assert f"/stipends/admin/applications/{application['id']}/pathway" in review
    page = f"/stipends/admin/applications/{application['id']}/pathway"
    assert "has no plan yet" in staff.get(page).get_data(as_text=True)
    bad = staff.post(page, data={"title": "Growth plan", "goals-0-kind": "units",
                                 "goals-0-amount": "6", "submit": "Save plan"})
    assert bad.status_code == 422 and "Choose what the units are in." in bad.get_data(as_text=True)
    spanish = staff.post(page + "?lang=es", data={
        "title": "Plan", "goals-0-kind": "units", "goals-0-unit_area": "ece",
        "submit": "Save plan"})
    assert "Indique cuántas unidades u horas." in spanish.get_data(as_text=True)
    backwards = staff.post(page + "?lang=en", data={
        "title": "Plan", "goals-0-kind": "training_hours", "goals-0-amount": "3",
        "target_date": "2020-01-01", "starts_on": "2021-01-01", "submit": "Save plan"})
    assert backwards.status_code == 422
    assert "The target date must not come before the start." in backwards.get_data(as_text=True)
    empty = staff.post(page, data={"title": "Growth plan", "submit": "Save plan"})
    assert empty.status_code == 422 and "at least one goal" in empty.get_data(as_text=True)
    saved = staff.post(page, data={
        "title": "Growth plan", "goals-0-kind": "training_hours", "goals-0-amount": "21",
        "goals-0-competency_area": "HSN", "goals-0-trainings": "Pediatric First Aid\nSafe Sleep",
        "goals-1-kind": "permit_level", "goals-1-permit_level": "master_teacher",
        "goals-1-courses": "ECE 60", "submit": "Save plan"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    html = staff.get(page).get_data(as_text=True)
    assert "21.00 training hours in HSN" in html and "Pediatric First Aid" in html
    assert 'value="Safe Sleep' not in html and "Safe Sleep</textarea>" in html  # prefilled
    mine = recipient.get("/stipends/").get_data(as_text=True)
    assert "My professional development plans" in mine and "Growth plan" in mine
    assert "Reach the Master Teacher Child Development Permit" in mine
    assert "21.00 more verified training hours (HSN)" in mine
    # an approved plan is changed by staff only
    locked = recipient.post(f"/stipends/pathways/{application['id']}",
                            data={"title": "Mine", "goals-0-kind": "training_hours",
                                  "goals-0-amount": "5", "submit": "Save plan"})
    assert locked.status_code == 409
    spanish = recipient.get("/stipends/?lang=es").get_data(as_text=True)
    assert "Mis planes de desarrollo profesional" in spanish
    chinese = recipient.get("/stipends/?lang=zh-Hant").get_data(as_text=True)
    assert "我的專業發展計劃" in chinese


def test_recipient_proposes_a_plan_in_the_browser_form_and_staff_return_it(world):
    program = world.program()
    person = world.person()
    application = world.apply(person, program["id"], tier="pd21").get_json()
    world.admin("post", f"/api/v1/stipends/applications/{application['id']}/decision",
                json={"decision": "approve", "reason": "ok"})
    recipient = WebClient(world.app, person)
    listing = recipient.get("/stipends/").get_data(as_text=True)
    assert f"/stipends/pathways/{application['id']}" in listing
    sent = recipient.post(f"/stipends/pathways/{application['id']}", data={
        "title": "Toward Site Supervisor", "goals-0-kind": "units",
        "goals-0-unit_area": "administration", "goals-0-amount": "6", "submit": "Save plan"})
    assert sent.status_code == 302
    assert "waiting for county approval" in recipient.get("/stipends/").get_data(as_text=True)
    staff = WebClient(world.app, world.county_admin)
    queue = staff.get(f"/stipends/admin/programs/{program['id']}").get_data(as_text=True)
    assert "waiting for county approval" in queue  # the plan's status in the review queue
    assert "1 professional development plan waits for your approval." in \
        staff.get("/").get_data(as_text=True)
    page = f"/stipends/admin/applications/{application['id']}/pathway"
    no_reason = staff.post(page, data={"review-decision": "return", "review-reason": "",
                                       "review-submit": "Record decision"})
    assert no_reason.status_code == 422 and "give the reason" in no_reason.get_data(as_text=True)
    returned = staff.post(page, data={"review-decision": "return",
                                      "review-reason": "Add adult supervision units",
                                      "review-submit": "Record decision"})
    assert returned.status_code == 302
    html = recipient.get(f"/stipends/pathways/{application['id']}").get_data(as_text=True)
    assert "returned for changes" in html and "Add adult supervision units" in html
    home = recipient.get("/").get_data(as_text=True)
    assert "County staff returned your professional development plan for changes." in home
    assert "plans wait for your approval" not in staff.get("/").get_data(as_text=True)
    assert 'name="title"' in html  # editable again


def test_catalogs_translate_every_string():
    from pathlib import Path

    import registry_plugins.stipends as plugin
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    def flat(value):  # plural ids and strings come as lists or tuples
        return value if isinstance(value, str) else tuple(value)

    folder = Path(plugin.__file__).parent / "translations"
    template = {flat(m.id) for m in read_po((folder / "messages.pot").open("rb")) if m.id}
    for locale in ("es", "zh_Hant"):
        catalog = read_po((folder / locale / "LC_MESSAGES" / "messages.po").open("rb"))
        done = {flat(m.id): flat(m.string) for m in catalog if m.id and any(flat(m.string))}
        assert template <= set(done), (locale, sorted(map(str, template - set(done)))[:5])
        compiled = read_mo((folder / locale / "LC_MESSAGES" / "messages.mo").open("rb"))
        assert {flat(m.id): flat(m.string) for m in compiled if m.id} == done, \
            "run pybabel compile"


def test_unmet_rules_and_form_errors_in_spanish_and_chinese(world):
    program = world.program()
    newcomer = world.person(role="assistant", hours="8", permit_level=None, training_hours=None)
    web = WebClient(world.app, newcomer)
    listing = web.get("/stipends/?lang=es").get_data(as_text=True)
    assert "Se requieren al menos 20 horas por semana" in listing
    refused = web.post(f"/stipends/programs/{program['id']}/apply",
                       data={"tier": "pd21", "tin_kind": "ssn", "tin": "234-56-7890"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Todavía no cumple todas las reglas" in html
    assert "Se requiere un Permiso de Desarrollo Infantil vigente" in html
    bad = web.post(f"/stipends/programs/{program['id']}/apply?lang=zh-Hant",
                   data={"tier": "pd21", "tin_kind": "ssn", "tin": "000-00-0000"})
    assert "不是有效的社會安全號碼" in bad.get_data(as_text=True)


def test_demo_data_gives_maria_an_award_and_a_plan(make_app):
    from sqlalchemy import select

    from registry_kernel.demo import load_demo
    from registry_kernel.models import Account
    from registry_kernel.participants import find_by_email

    app = make_app(plugins=["profile", "documents", "stipends"], extra_plugins=(TestLogin(),))
    registry = app.extensions["registry"]
    load_demo(registry)
    with registry.sessions() as session:
        participant = find_by_email(session, registry, "maria.lopez@demo.registry.test")
        maria = session.scalar(select(Account).where(Account.participant_id == participant.id))
    page = WebClient(app, maria).get("/stipends/").get_data(as_text=True)
    assert "Toward the Teacher Permit" in page and "Reach the Teacher Child Development Permit" \
        in page


def test_payroll_route_on_the_apply_form_only_where_allowed(world):
    strict = world.program(name="IDs only", allow_itin=False)
    payroll = world.program(name="Payroll too", allow_payroll=True)
    web = WebClient(world.app, world.person())
    form = web.get(f"/stipends/programs/{strict['id']}/apply").get_data(as_text=True)
    assert 'value="payroll"' not in form and 'value="itin"' not in form
    form = web.get(f"/stipends/programs/{payroll['id']}/apply").get_data(as_text=True)
    assert 'value="payroll"' in form and "Leave it empty" in form
    sent = web.post(f"/stipends/programs/{payroll['id']}/apply",
                    data={"tier": "pd21", "tin_kind": "payroll", "tin": ""})
    assert sent.status_code == 302
    refused = web.post(f"/stipends/programs/{strict['id']}/apply",
                       data={"tier": "pd21", "tin_kind": "ssn", "tin": ""})
    assert refused.status_code == 422 and "must be nine digits" in refused.get_data(as_text=True)


def test_home_page_tells_the_applicant_that_documents_were_requested(world):
    program = world.program()
    person = world.person()
    application = world.apply(person, program["id"], tier="pd21").get_json()
    home = WebClient(world.app, person)
    assert "asked for more documents" not in home.get("/").get_data(as_text=True)
    world.admin("post", f"/api/v1/stipends/applications/{application['id']}/notes",
                json={"kind": "request_documents", "text": "Your permit, please"})
    page = home.get("/").get_data(as_text=True)
    assert "County staff asked for more documents for your stipend application." in page
    assert "Solicitud" not in page and "más documentos" in home.get("/?lang=es").get_data(
        as_text=True)
