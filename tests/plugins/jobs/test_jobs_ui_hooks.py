"""The Job Board pages, posting/editing/closing jobs in the UI, saved searches with mail, and
the plugin's hooks (quick links, navigation, attention items, demo data, erase, merge)."""

from __future__ import annotations

from datetime import timedelta

from jobs_helpers import WebClient, post_job, report_employment, text_of
from sqlalchemy import select

from registry_kernel import clock
from registry_kernel.db import unit_of_work


def form_data(**overrides):
    data = {"title": "Lead Teacher", "position": "lead_teacher", "county": "Alameda",
            "city": "Oakland", "schedule": "full_time", "pay_min": "24.00",
            "pay_max": "29.00", "description": "Bilingual classroom <b>bold</b>",
            "how_to_apply": "Email jobs@example.org",
            "closing_date": (clock.today() + timedelta(days=20)).isoformat(),
            "age_groups": ["preschool", "toddler"], "required_permit": "teacher"}
    data.update(overrides)
    return data


def test_post_edit_and_close_in_the_ui(app, jf, center, admin):
    web = WebClient(app, admin)
    assert web.get(f"/jobs/admin/{center.id}/postings/new").status_code == 200
    bad = web.post(f"/jobs/admin/{center.id}/postings/new",
                   data=form_data(pay_min="40.00", title="Kept title",
                                  closing_date="2001-01-01"))
    assert bad.status_code == 422
    page = text_of(bad)
    assert "cannot be below the lowest" in page and "cannot be in the past" in page
    assert 'value="Kept title"' in page  # what was typed is kept
    assert web.post(f"/jobs/admin/{center.id}/postings/new",
                    data=form_data()).status_code == 302
    listing = text_of(web.get(f"/jobs/admin/{center.id}/postings"))
    assert "Lead Teacher" in listing and "Open" in listing
    board = app.test_client().get("/jobs/?q=bilingual&county=Alameda&position=lead_teacher")
    assert board.status_code == 200 and "Lead Teacher" in text_of(board)
    job_id = app.test_client().get("/api/v1/jobs").get_json()["items"][0]["id"]
    detail = app.test_client().get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt;" in detail and "<b>bold</b>" not in detail
    assert "jobs@example.org" in detail
    assert web.get(f"/jobs/postings/{job_id}/edit").status_code == 200
    edited = web.post(f"/jobs/postings/{job_id}/edit", data=form_data(title="Head Teacher"))
    assert edited.status_code == 302
    assert app.test_client().get(f"/api/v1/jobs/{job_id}").get_json()["title"] == \
        "Head Teacher"
    assert web.post(f"/jobs/postings/{job_id}/close").status_code == 302
    assert app.test_client().get(f"/jobs/{job_id}").status_code == 404
    assert "Head Teacher" not in text_of(app.test_client().get("/jobs/"))
    stranger = WebClient(app, jf.account())
    assert stranger.get(f"/jobs/postings/{job_id}/edit").status_code == 404
    assert stranger.get(f"/jobs/admin/{center.id}/postings/new").status_code == 404


def test_board_without_csrf_is_refused(app, center, admin):
    web = WebClient(app, admin)
    response = web.post(f"/jobs/admin/{center.id}/postings/new", data=form_data(), csrf=False)
    assert response.status_code in (400, 422)
    assert app.test_client().get("/api/v1/jobs").get_json()["total"] == 0


def test_saved_search_mails_new_matching_jobs(app, jf, admin_token):
    person = jf.account()
    web = WebClient(app, person)
    assert web.post("/jobs/saved-searches", data={"county": "Alameda",
                                                  "position": "teacher"}).status_code == 302
    assert "My saved searches" in text_of(web.get("/jobs/"))
    jf.registry.sent_mail.clear()
    assert post_job(app, admin_token).status_code == 201
    assert post_job(app, admin_token, position="assistant", title="Aide").status_code == 201
    jf.registry.outbox.drain()
    subjects = [m["Subject"] for m in jf.registry.sent_mail]
    assert subjects == ["New job: Preschool Teacher"]
    from registry_plugins.jobs.models import SavedSearch

    with unit_of_work(jf.registry.sessions) as session:
        saved_id = session.scalars(select(SavedSearch.id)).one()
    assert web.post(f"/jobs/saved-searches/{saved_id}/delete").status_code == 302
    assert "My saved searches" not in text_of(web.get("/jobs/"))


def test_quick_links_nav_and_attention(app, jf, center, admin):
    registry = jf.registry
    from registry_kernel.auth.actor import actor_for_account
    from registry_kernel.models import Account

    person = jf.account()
    report_employment(app, person, center)
    with app.test_request_context(), unit_of_work(registry.sessions) as session:
        from flask import url_for

        admin_actor = actor_for_account(session, session.get(Account, admin.id),
                                        permission_roles=registry.permission_roles)
        plain = actor_for_account(session, session.get(Account, person.id),
                                  permission_roles=registry.permission_roles)
        keys = {link.key for link in registry.plugins.collect(
            "quick_links", actor=admin_actor, participant=None)}
        assert {"job_board", "program_admin"} <= keys
        plain_keys = {link.key for link in registry.plugins.collect(
            "quick_links", actor=plain, participant=None)}
        assert "job_board" in plain_keys and "program_admin" not in plain_keys
        for link in registry.plugins.collect("quick_links", actor=admin_actor,
                                             participant=None):
            assert url_for(link.endpoint)
        nav = [endpoint for _, endpoint in registry.plugins.collect("nav_links",
                                                                   actor=admin_actor)]
        assert "jobs_web.admin_home" in nav and "jobs_web.board" in nav
        from registry_kernel.models import Participant

        items = registry.plugins.collect(
            "attention_items", session=session, actor=admin_actor,
            participant=session.get(Participant, admin.participant_id))
        assert any("await your confirmation" in str(item.message) for item in items)
        assert not registry.plugins.collect(
            "attention_items", session=session, actor=plain,
            participant=session.get(Participant, person.participant_id))
    assert "jobs:write" in registry.scopes
    assert registry.permission_roles["jobs.program.admin"] == ("program_admin",)


def test_demo_data(make_app):
    from registry_kernel.demo import load_demo

    app = make_app(plugins=["profile", "jobs"])
    registry = app.extensions["registry"]
    load_demo(registry)
    jobs = app.test_client().get("/api/v1/jobs").get_json()
    assert jobs["total"] == 3
    from registry_plugins.jobs.models import AccessRequest

    with registry.sessions() as session:
        assert session.scalars(select(AccessRequest.status)).all() == ["pending"]
        from registry_plugins.profile import services as profile

        from registry_kernel.organizations import get_by_slug

        center = get_by_slug(session, "sunshine-learning-center")
        statuses = {r.status for r in profile.employments_at(session, center.id)}
        assert {"pending", "confirmed"} <= statuses


def test_erase_and_merge(app, jf, center):
    from registry_plugins.jobs.models import AccessRequest, SavedSearch

    from registry_kernel import participants as kp
    from registry_kernel.models import Participant

    one, two, gone = jf.account(), jf.account(), jf.account()
    for person in (one, two, gone):
        WebClient(app, person).post("/jobs/saved-searches", data={"q": "teacher"})
    WebClient(app, two).post(f"/jobs/access?organization_id={center.id}",
                             data={"organization_id": center.id,
                                   "letter": (__import__("io").BytesIO(
                                       b"%PDF-1.4\n%%EOF\n"), "l.pdf")},
                             content_type="multipart/form-data")
    registry = jf.registry
    with unit_of_work(registry.sessions) as session:
        kp.erase_participant(session, registry, session.get(Participant, gone.participant_id),
                             actor=None, reason="test")
    with unit_of_work(registry.sessions) as session:
        assert session.scalars(select(SavedSearch).where(
            SavedSearch.participant_id == gone.participant_id)).all() == []
    with unit_of_work(registry.sessions) as session:  # no app context: a script or worker
        kp.merge_participants(session, registry, session.get(Participant, one.participant_id),
                              session.get(Participant, two.participant_id), actor=None,
                              reason="test")
    with unit_of_work(registry.sessions) as session:
        owners = session.scalars(select(SavedSearch.participant_id)).all()
        assert sorted(owners) == sorted([one.participant_id] * 2)
        request = session.scalars(select(AccessRequest)).one()
        assert request.participant_id == one.participant_id
        from registry_plugins.jobs.services import letter_aad

        assert registry.vault.open_bytes(session, one.participant_id,
                                         letter_aad(one.participant_id, request.id),
                                         request.letter_enc).startswith(b"%PDF")


def test_export(app, jf):
    person = jf.account()
    WebClient(app, person).post("/jobs/saved-searches", data={"county": "Alameda"})
    registry = jf.registry
    from registry_kernel.models import Participant

    with registry.sessions() as session:
        sections = dict(registry.plugins.hook.participant_export(
            session=session, registry=registry,
            participant=session.get(Participant, person.participant_id)))
    assert sections["jobs"]["saved_searches"][0]["county"] == "Alameda"


def test_public_board_on_a_phone_width_has_viewport_and_labels(app, admin_token):
    post_job(app, admin_token)
    page = app.test_client().get("/jobs/").get_data(as_text=True)
    assert 'name="viewport"' in page
    for name in ("q", "county", "position", "schedule", "required_permit"):
        assert f'for="{name}"' in page



def test_job_board_in_spanish_and_chinese(app, admin_token):
    post_job(app, admin_token)
    spanish = app.test_client().get("/jobs/?lang=es").get_data(as_text=True)
    assert "Bolsa de Trabajo" in spanish and "1 empleo encontrado" in spanish
    assert "Tiempo completo" in spanish
    chinese = app.test_client().get("/jobs/?lang=zh-Hant").get_data(as_text=True)
    assert "職缺公告欄" in chinese and "全職" in chinese
