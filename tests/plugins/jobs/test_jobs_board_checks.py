"""Job Board promises of issue 8 checked one by one: saved searches (UI and API, every filter)
mail new matching jobs in the participant's language; postings leave the board at the end of
their closing date; HTML or script in a posting is shown as text everywhere; administrators
cannot search for participants (the pages say so, no route allows it); the yearly
reconfirmation reminder reaches administrators on their home page and by mail."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
import time_machine
from jobs_helpers import WebClient, post_job, report_employment, text_of
from sqlalchemy import select

from registry_kernel import clock
from registry_kernel.db import unit_of_work
from registry_kernel.testing import bearer, local_evening


def mails(jf) -> list:
    jf.registry.outbox.drain()
    sent = list(jf.registry.sent_mail)
    jf.registry.sent_mail.clear()
    return sent


def body_of(message) -> str:
    part = message.get_body(("plain",)) if hasattr(message, "get_body") else None
    return (part or message).get_content() if hasattr(part or message, "get_content") \
        else str(message)


# --- saved searches ---------------------------------------------------------------------------

def test_saved_search_api_with_every_filter(app, jf, admin_token):
    person = jf.account(preferred_language="es")
    token = jf.token(person, "me")
    client = app.test_client()
    created = client.post("/api/v1/me/job-searches", headers=bearer(token), json={
        "q": "bilingual", "county": "alameda", "position": "teacher", "schedule": "full_time",
        "required_permit": "teacher"})
    assert created.status_code == 201, created.get_json()
    saved = created.get_json()
    assert (saved["county"], saved["required_permit"]) == ("Alameda", "teacher")
    listing = client.get("/api/v1/me/job-searches", headers=bearer(token)).get_json()
    assert [s["id"] for s in listing["items"]] == [saved["id"]] and listing["total"] == 1
    mails(jf)
    # one posting matches every filter; each of the others misses one
    assert post_job(app, admin_token, title="Bilingual Teacher",
                    required_permit="teacher").status_code == 201
    for miss in ({"title": "Teacher"}, {"county": "Fresno"}, {"position": "assistant"},
                 {"schedule": "part_time"}, {"required_permit": "associate_teacher"},
                 {"required_permit": None}):
        body = {"title": "Bilingual Teacher", "required_permit": "teacher", **miss}
        if body["required_permit"] is None:
            body.pop("required_permit")
        assert post_job(app, admin_token, **body).status_code == 201
    sent = mails(jf)
    assert [m["Subject"] for m in sent] == ["Nuevo empleo: Bilingual Teacher"]  # in Spanish
    text = body_of(sent[0])
    assert "Lea más y vea cómo postularse" in text and "/jobs/" in text
    # the search runs on the public board with the same filters
    found = client.get("/api/v1/jobs?q=bilingual&county=Alameda&position=teacher"
                       "&schedule=full_time&required_permit=teacher").get_json()
    assert found["total"] == 1
    removed = client.delete(f"/api/v1/me/job-searches/{saved['id']}", headers=bearer(token))
    assert removed.status_code == 204
    assert client.get("/api/v1/me/job-searches", headers=bearer(token)).get_json()["total"] == 0
    assert post_job(app, admin_token, title="Bilingual Teacher",
                    required_permit="teacher").status_code == 201
    assert mails(jf) == []


@pytest.mark.parametrize(("body", "field"), [
    ({}, "q"), ({"q": "   "}, "q"), ({"county": "Atlantis"}, "county"),
    ({"position": "chef"}, "position"), ({"schedule": "weekends"}, "schedule"),
    ({"required_permit": "wizard"}, "required_permit"), ({"colour": "red"}, "colour"),
    ({"q": "x" * 101}, "q")])
def test_bad_saved_searches_are_refused_and_change_nothing(app, jf, body, field):
    from registry_plugins.jobs.models import SavedSearch

    token = jf.token(jf.account(), "me")
    response = app.test_client().post("/api/v1/me/job-searches", headers=bearer(token),
                                      json=body)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    with unit_of_work(jf.registry.sessions, write=False) as session:
        assert session.scalars(select(SavedSearch)).all() == []


def test_saved_searches_are_private_and_limited(app, jf):
    owner, other = jf.account(), jf.account()
    owner_token, other_token = jf.token(owner, "me"), jf.token(other, "me")
    client = app.test_client()
    saved = client.post("/api/v1/me/job-searches", headers=bearer(owner_token),
                        json={"county": "Alameda"}).get_json()
    assert client.delete(f"/api/v1/me/job-searches/{saved['id']}",
                         headers=bearer(other_token)).status_code == 404
    assert client.get("/api/v1/me/job-searches",
                      headers=bearer(other_token)).get_json()["items"] == []
    for n in range(9):
        assert client.post("/api/v1/me/job-searches", headers=bearer(owner_token),
                           json={"q": f"word{n}"}).status_code == 201
    too_many = client.post("/api/v1/me/job-searches", headers=bearer(owner_token),
                           json={"q": "eleventh"})
    assert too_many.status_code == 409
    assert client.get("/api/v1/me/job-searches").status_code == 401


def test_saved_search_from_the_board_keeps_the_permit_filter(app, jf, admin_token):
    person = jf.account()
    web = WebClient(app, person)
    board = web.get("/jobs/?required_permit=site_supervisor&county=Alameda")
    assert 'name="required_permit" value="site_supervisor"' in board.get_data(as_text=True)
    assert web.post("/jobs/saved-searches", data={
        "county": "Alameda", "required_permit": "site_supervisor"}).status_code == 302
    assert "Site Supervisor" in text_of(web.get("/jobs/"))
    mails(jf)
    post_job(app, admin_token, title="Director", required_permit="site_supervisor")
    post_job(app, admin_token, title="Teacher", required_permit="teacher")
    assert [m["Subject"] for m in mails(jf)] == ["New job: Director"]


# --- postings expire at their closing date ----------------------------------------------------

def test_posting_is_listed_through_its_closing_date_and_gone_the_day_after(app, jf, center,
                                                                           admin, admin_token):
    from registry_plugins.jobs.models import JobPosting

    today = post_job(app, admin_token, title="Closes today",
                     closing_date=clock.today().isoformat())
    assert today.status_code == 201, today.get_json()
    job_id = today.get_json()["id"]
    client = app.test_client()
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 200
    assert "Closes today" in text_of(client.get("/jobs/"))
    with unit_of_work(jf.registry.sessions) as session:  # a day passes
        session.get(JobPosting, job_id).closing_date = clock.today() - timedelta(days=1)
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 404
    assert client.get(f"/jobs/{job_id}").status_code == 404
    assert client.get("/api/v1/jobs").get_json()["total"] == 0
    assert "Closes today" not in text_of(client.get("/jobs/"))
    listing = text_of(WebClient(app, admin).get(f"/jobs/admin/{center.id}/postings"))
    assert "Closes today" in listing and "Expired" in listing
    mine = client.get(f"/api/v1/programs/{center.id}/jobs", headers=bearer(admin_token))
    assert mine.get_json()["items"][0]["status"] == "expired"
    # an expired posting cannot be moved to a closing date in the past
    stale = client.patch(f"/api/v1/jobs/{job_id}", headers=bearer(admin_token),
                         json={"closing_date": (clock.today() - timedelta(days=3)).isoformat()})
    assert stale.status_code == 422 and "closing_date" in stale.get_json()["errors"]


def test_the_closing_date_is_a_california_day_not_a_utc_one(app, jf, center, admin):
    """A posting closing today (California) can still be posted in the evening, when UTC is
    already in tomorrow, and stays on the board until midnight in California."""
    evening = local_evening()
    client = app.test_client()
    with time_machine.travel(evening.astimezone(UTC), tick=False) as traveller:
        token = jf.token(admin, "jobs:write", org=center, ttl=86_400)
        yesterday = post_job(app, token, closing_date=(evening.date() - timedelta(days=1))
                             .isoformat())
        assert yesterday.status_code == 422
        assert "closing_date" in yesterday.get_json()["errors"]
        posted = post_job(app, token, title="Closes tonight",
                          closing_date=evening.date().isoformat())
        assert posted.status_code == 201, posted.get_json()
        job_id = posted.get_json()["id"]
        traveller.shift(timedelta(hours=4))  # 11:30 PM in California
        assert client.get(f"/api/v1/jobs/{job_id}").status_code == 200
        assert "Closes tonight" in text_of(client.get("/jobs/"))
        traveller.shift(timedelta(hours=1))  # 12:30 AM: the closing date has passed
        assert client.get(f"/api/v1/jobs/{job_id}").status_code == 404
        assert "Closes tonight" not in text_of(client.get("/jobs/"))


# --- HTML or script in a posting --------------------------------------------------------------

def test_html_and_script_in_a_posting_are_shown_as_text_everywhere(app, jf, center, admin,
                                                                   admin_token):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    job = post_job(app, admin_token, title=f"Teacher {script}", description=script,
                   city="Oakland", how_to_apply="Email <a href='javascript:alert(1)'>us</a>")
    assert job.status_code == 201, job.get_json()
    job_id = job.get_json()["id"]
    client = app.test_client()
    pages = [client.get("/jobs/"), client.get(f"/jobs/{job_id}"),
             WebClient(app, admin).get(f"/jobs/admin/{center.id}/postings"),
             WebClient(app, admin).get(f"/jobs/postings/{job_id}/edit")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "href='javascript:" not in html
        assert "&lt;script&gt;" in html
    assert client.get(f"/api/v1/jobs/{job_id}").get_json()["title"] == f"Teacher {script}"


# --- administrators cannot search for participants --------------------------------------------

@pytest.mark.parametrize(("lang", "text"), [
    ("en", "Employers cannot search the registry for other people."),
    ("es", None), ("zh_Hant", None)])
def test_program_administration_page_says_employers_cannot_search_people(app, center, admin,
                                                                         lang, text):
    from babel.messages.pofile import read_po
    from registry_plugins.jobs import __file__ as plugin_file

    if text is None:
        from pathlib import Path

        path = Path(plugin_file).parent / "translations" / lang / "LC_MESSAGES" / "messages.po"
        catalog = read_po(path.open("rb"))
        text = catalog["You see the people who reported working at your program. Employers "
                       "cannot search the registry for other people."].string
    page = text_of(WebClient(app, admin).get(f"/jobs/admin/{center.id}?lang={lang}"))
    assert " ".join(text.split()) in page


def test_no_route_takes_a_search_for_people(app, jf, center, admin):
    person = jf.account(first_name="Hidden", last_name="Person")
    staff_token = jf.token(admin, "jobs:staff jobs:write", org=center)
    client = app.test_client()
    # the staff list takes no query: an attempt to search is refused, not ignored
    for path in (f"/api/v1/programs/{center.id}/staff",
                 f"/api/v1/programs/{center.id}/staff-qualifications"):
        response = client.get(f"{path}?q=Hidden", headers=bearer(staff_token))
        assert response.status_code == 422, path
        assert client.get(path, headers=bearer(staff_token)).get_json()["items"] == []
    # nobody who did not report working at the program shows anywhere
    report_employment(app, jf.account(first_name="Staff", last_name="Member"), center)
    staff = client.get(f"/api/v1/programs/{center.id}/staff",
                       headers=bearer(staff_token)).get_json()
    assert [s["name"] for s in staff["items"]] == ["Staff Member"]
    web = WebClient(app, admin)
    for path in (f"/jobs/admin/{center.id}?q=Hidden",
                 f"/jobs/admin/{center.id}/qualifications?q=Hidden"):
        assert "Hidden Person" not in text_of(web.get(path))
    assert "0 jobs found" in text_of(web.get("/jobs/?q=Hidden+Person"))  # jobs, not people
    assert person.participant.registry_id not in text_of(web.get(f"/jobs/admin/{center.id}"))
    # no route of the plugin reads participants by name, email or id from the caller
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith(("jobs_web.", "jobs_api."))]
    assert not [r.rule for r in rules if {"registry_id", "participant_id", "email"}
                & set(r.arguments)]


# --- the yearly reconfirmation ----------------------------------------------------------------

def test_reconfirmation_due_reaches_the_administrator(app, jf, center, admin):
    from registry_plugins.jobs import services as svc
    from registry_plugins.jobs.models import StaffReconfirmation

    admin_es = jf.account("program_admin", org=center, preferred_language="es")
    person = jf.account()
    job = report_employment(app, person, center)
    web = WebClient(app, admin)
    web.post(f"/jobs/admin/{center.id}/staff/{job}/confirm")
    home = text_of(web.get("/"))
    assert "reconfirm the staff list" not in home
    with unit_of_work(jf.registry.sessions) as session:
        session.add(StaffReconfirmation(organization_id=center.id,
                                        reconfirmed_at=svc.utcnow() - timedelta(days=366)))
    home = text_of(web.get("/"))
    assert f"It is time to reconfirm the staff list of {center.name} (once a year)." in home
    assert "Once a year" in text_of(web.get(f"/jobs/admin/{center.id}"))
    mails(jf)
    with app.app_context(), unit_of_work(jf.registry.sessions) as session:  # as the CLI does
        assert svc.send_reconfirmation_reminders(session, jf.registry) == 2
    subjects = sorted(m["Subject"] for m in mails(jf))
    assert subjects == sorted([f"Please reconfirm your staff at {center.name}",
                               f"Vuelva a confirmar a su personal de {center.name}"])
    assert web.post(f"/jobs/admin/{center.id}/reconfirm").status_code == 302
    assert "reconfirm the staff list" not in text_of(web.get("/"))
    with unit_of_work(jf.registry.sessions) as session:
        assert svc.send_reconfirmation_reminders(session, jf.registry,
                                                 now=svc.utcnow() + timedelta(days=40)) == 0
    assert admin_es.id != admin.id


@pytest.mark.parametrize(("lang", "pay", "past", "required"), [
    ("es", "el pago más alto no puede ser menor que el más bajo",
     "la fecha de cierre no puede estar en el pasado", "este campo es obligatorio"),
    ("zh-Hant", "最高薪資不可低於最低薪資", "截止日期不可早於今天", "此欄位為必填")])
def test_posting_form_messages_in_the_pages_language(app, center, admin, lang, pay, past,
                                                     required):
    web = WebClient(app, admin)
    data = {"title": "", "position": "teacher", "county": "Alameda", "city": "Oakland",
            "schedule": "full_time", "pay_min": "40.00", "pay_max": "20.00",
            "description": "Sala bilingüe", "closing_date": "2001-01-01",
            "required_permit": ""}
    bad = web.post(f"/jobs/admin/{center.id}/postings/new?lang={lang}", data=data)
    assert bad.status_code == 422
    page = text_of(bad)
    assert required in page  # the empty title
    assert 'aria-describedby="None"' not in page and 'aria-invalid="true"' in page
    data["title"] = "Maestra"
    bad = web.post(f"/jobs/admin/{center.id}/postings/new?lang={lang}", data=data)
    page = text_of(bad)
    assert pay in page and past in page
    assert "Sala bilingüe" in page  # nothing typed is lost
    assert app.test_client().get("/api/v1/jobs").get_json()["total"] == 0
    # the API keeps its English messages
    api = post_job(app, jf_token(app, admin, center), pay_min="40.00", pay_max="20.00")
    assert "cannot be below the lowest" in api.get_json()["errors"]["pay_max"]


def jf_token(app, admin, center):
    from registry_kernel.testing import Factory

    return Factory(app).token(admin, "jobs:write", org=center)
