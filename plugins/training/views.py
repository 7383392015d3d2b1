"""The Training Calendar, "My Training Events" and the sponsors' Training Module (UI)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from werkzeug.routing import BuildError

from registry_kernel import clock
from registry_kernel.auth.session import web_actor
from registry_kernel.models import Account, Organization, Participant
from registry_kernel.web import current_registry, registry_session, writes_on_get

from . import instructor_profiles as profiles
from . import services as svc
from .forms import (
    ActionForm,
    DecisionForm,
    EventForm,
    InstructorProfileForm,
    InstructorRequestForm,
    LogoForm,
    SponsorApplicationForm,
    SponsorInfoForm,
    TrainingForm,
)
from .i18n import _, ngettext
from .models import Enrollment, Instructor, Training, TrainingEvent, TrainingSponsor

bp = Blueprint("training_web", __name__, url_prefix="/training", template_folder="templates",
               static_folder="static", static_url_path="/static")

PER_PAGE = 20


def install_template_helpers(app: Any) -> None:
    """Jinja filters, and ``_`` for templates when Flask-Babel is not set up."""
    app.jinja_env.filters.setdefault("training_local", svc.format_local)
    app.jinja_env.filters.setdefault("training_date", lambda v: svc.format_local(
        v, "%a %b %d, %Y"))
    if "babel" not in app.extensions:
        app.jinja_env.globals.setdefault("_", _)
        app.jinja_env.globals.setdefault("gettext", _)
        app.jinja_env.globals.setdefault("ngettext", ngettext)
    app.jinja_env.globals.setdefault("competency_areas", svc.COMPETENCY_AREAS)
    app.jinja_env.filters.setdefault("training_sessions", svc.describe_sessions)


def _login_redirect() -> Response:
    try:
        return redirect(url_for("kernel_web.login", next=request.full_path.rstrip("?")))
    except BuildError:
        abort(401)


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if web_actor() is None:
            return _login_redirect()
        return view(*args, **kwargs)

    return wrapper


def _fail(exc: svc.TrainingError, form: Any = None) -> None:
    """Show a service error: next to its fields when the form has them, else as a message."""
    placed = False
    for name, message in (exc.errors or {}).items():
        field = getattr(form, name.split(".")[-1], None) if form is not None else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), message]
            placed = True
    if not placed:
        flash(exc.detail, "error")


# --- public calendar -------------------------------------------------------------------------

def _date_arg(name: str, *, end: bool = False) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=clock.current_zone())
    except ValueError:
        return None
    return day + timedelta(days=1) if end else day


def _calendar_filters() -> svc.CalendarFilters:
    """The calendar page's (and its iCalendar feed's) filters from the query string."""
    args = request.args
    return svc.CalendarFilters(
        q=args.get("q", "").strip()[:100] or None, county=args.get("county") or None,
        city=args.get("city", "").strip()[:100] or None,
        language=args.get("language") or None,
        competency_area=args.get("competency_area") or None,
        sponsor=args.get("sponsor", "").strip()[:80] or None, date_from=_date_arg("from"),
        date_to=_date_arg("to", end=True))


@bp.get("/calendar")
def calendar() -> Any:
    session = registry_session()
    args = request.args
    try:
        page = max(1, min(int(args.get("page", 1)), 10_000))
    except ValueError:
        page = 1
    filters = _calendar_filters()
    items, total = svc.calendar(session, filters, page=page, per_page=PER_PAGE)
    from registry_kernel.counties import CALIFORNIA_COUNTIES

    actor = web_actor()
    mine: dict[int, Enrollment] = {}
    if actor is not None and actor.participant_id and items:
        mine = {e.event_id: e for e in session.scalars(select(Enrollment).where(
            Enrollment.participant_id == actor.participant_id,
            Enrollment.event_id.in_([i["event_id"] for i in items])))}
    return render_template("training/calendar.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), args=args,
                           counties=CALIFORNIA_COUNTIES, training_languages=svc.languages(session),
                           sponsors=svc.calendar_sponsors(session),
                           mine=mine, form=ActionForm())


def _event_page(event: TrainingEvent, *, invite_token: str | None = None) -> Any:
    session = registry_session()
    actor = web_actor()
    enrollment = None
    saved = False
    if actor is not None and actor.participant_id:
        enrollment = svc.enrollment_of(session, event.id, actor.participant_id)
        from .models import SavedEvent

        saved = session.scalar(select(SavedEvent.id).where(
            SavedEvent.participant_id == actor.participant_id,
            SavedEvent.event_id == event.id)) is not None
    sponsor = svc.sponsor_record(session, event.organization_id)
    instructor = (profiles.published_profile_of(session, current_registry(),
                                                event.instructor_account_id)
                  if event.instructor_account_id else None)
    return render_template(
        "training/event.html", event=event, enrollment=enrollment, saved=saved,
        sponsor=sponsor, form=ActionForm(), invite_token=invite_token, instructor=instructor,
        contact=svc.sponsor_contact_name(session, current_registry(), event.organization_id),
        position=svc.waitlist_position(session, enrollment) if enrollment else None,
        area=svc.COMPETENCY_AREAS.get(event.competency_area, event.competency_area),
        language=session.get(svc.TrainingLanguage, event.language),
        refusal=(svc.self_withdrawal_refusal(session, event)
                 if enrollment and enrollment.status in ("enrolled", "waitlisted") else None),
        ended=event.ends_at <= svc.now_utc())


@bp.get("/events/<int:event_id>")
def event_detail(event_id: int) -> Any:
    event = registry_session().get(TrainingEvent, event_id)
    actor = web_actor()
    if event is None or (event.visibility != "published" and not (
            actor and svc.manages_org(actor, event.organization_id))):
        abort(404)
    return _event_page(event)


@bp.get("/invite/<token>")
def invitation(token: str) -> Any:
    try:
        event = svc.event_by_invite(registry_session(), token)
    except svc.NotFound:
        return render_template("training/invalid_invite.html"), 404
    except svc.Conflict as exc:
        return render_template("training/invalid_invite.html", reason=exc.detail), 410
    return _event_page(event, invite_token=token)


def _enroll(event: TrainingEvent, source: str) -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    participant = session.get(Participant, actor.participant_id)
    try:
        enrollment = svc.enroll(session, registry, event.id, participant, actor=actor,
                                source=source)
    except svc.TrainingError as exc:
        session.rollback()
        flash(exc.detail, "error")
        return redirect(url_for(".event_detail", event_id=event.id) if source == "self"
                        else url_for(".invitation", token=event.invite_token))
    position = svc.waitlist_position(session, enrollment)
    session.commit()
    return render_template("training/enrolled.html", event=event, enrollment=enrollment,
                           position=position)


def _sign_in_first(back_to: str) -> Response:
    """Enrolling needs an account: sign in, then come back to the event page (a GET) and
    press "Enroll Now" again."""
    flash(_("Sign in (or create an account) to enroll."), "info")
    try:
        return redirect(url_for("kernel_web.login", next=back_to))
    except BuildError:
        abort(401)


@bp.post("/events/<int:event_id>/enroll")
def enroll(event_id: int) -> Any:
    event = registry_session().get(TrainingEvent, event_id)
    if event is None or event.visibility != "published":
        abort(404)
    if web_actor() is None:
        return _sign_in_first(url_for(".event_detail", event_id=event.id))
    if not ActionForm().validate_on_submit():
        abort(400)
    return _enroll(event, "self")


@bp.post("/invite/<token>/enroll")
def enroll_by_invite(token: str) -> Any:
    try:
        event = svc.event_by_invite(registry_session(), token)
    except svc.TrainingError:
        abort(404)
    if web_actor() is None:
        return _sign_in_first(url_for(".invitation", token=token))
    if not ActionForm().validate_on_submit():
        abort(400)
    return _enroll(event, "invite")


@bp.post("/enrollments/<int:enrollment_id>/withdraw")
@signed_in
def withdraw(enrollment_id: int) -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.participant_id != actor.participant_id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        svc.withdraw(session, registry, enrollment.id, actor=actor, self_service=True)
    except svc.TrainingError as exc:
        session.rollback()
        flash(exc.detail, "error")
        return redirect(url_for(".my_events"))
    session.commit()
    flash(_("You have withdrawn from this training."), "success")
    return redirect(url_for(".my_events"))


@bp.post("/events/<int:event_id>/save")
@signed_in
def toggle_save(event_id: int) -> Any:
    session, actor = registry_session(), web_actor()
    event = session.get(TrainingEvent, event_id)
    if event is None or event.visibility != "published":
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    saved = svc.toggle_saved(session, actor.participant_id, event.id)
    session.commit()
    flash(_("Saved to My Training Events.") if saved else _("Removed from your saved events."),
          "success")
    return redirect(request.form.get("next") or url_for(".event_detail", event_id=event.id))


@bp.get("/my")
@signed_in
def my_events() -> Any:
    session, actor = registry_session(), web_actor()
    now = svc.now_utc()
    rows = svc.participant_enrollments(session, actor.participant_id)
    upcoming = [e for e in rows if e.event.ends_at > now and e.status in ("enrolled",
                                                                           "waitlisted")]
    upcoming.sort(key=lambda e: e.event.starts_at)
    past = [e for e in rows if e not in upcoming]
    positions = {e.id: svc.waitlist_position(session, e) for e in upcoming}
    refusals = {e.id: svc.self_withdrawal_refusal(session, e.event) for e in upcoming}
    saved = [ev for ev in svc.saved_events(session, actor.participant_id) if ev.ends_at > now]
    surveys = {e.id for e in past if svc.feedback_pending(session, e)}
    return render_template("training/my_events.html", upcoming=upcoming, past=past,
                           saved=saved, positions=positions, refusals=refusals,
                           surveys=surveys, form=ActionForm())


@bp.get("/sponsors/<slug>/logo")
def sponsor_logo(slug: str) -> Any:
    session = registry_session()
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    sponsor = svc.sponsor_record(session, org.id) if org else None
    if sponsor is None or not sponsor.logo:
        abort(404)
    response = Response(sponsor.logo, mimetype=sponsor.logo_mime)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- becoming a sponsor or an instructor -----------------------------------------------------

@bp.route("/apply", methods=["GET", "POST"])
@signed_in
def apply_sponsor() -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    org_ids = sorted(actor.org_ids_for("sponsor_executive_director"))
    orgs = [session.get(Organization, i) for i in org_ids]
    form = SponsorApplicationForm()
    form.organization_id.choices = [(o.id, o.name) for o in orgs if o is not None]
    if not form.organization_id.choices:
        flash(_("Only an organization's executive director can apply to become a training "
                "sponsor."), "error")
        return render_template("training/apply.html", form=None, records={})
    if form.validate_on_submit():
        org = session.get(Organization, form.organization_id.data)
        try:
            svc.apply_as_sponsor(session, registry, org, actor, form.note.data)
        except svc.TrainingError as exc:
            session.rollback()
            _fail(exc, form)
        else:
            session.commit()
            flash(_("Your application was sent to registry staff."), "success")
            return redirect(url_for(".apply_sponsor"))
    records = {o.id: svc.sponsor_record(session, o.id) for o in orgs if o is not None}
    approved = {o.id for o in orgs if o is not None
                and svc.is_approved_sponsor(session, registry, o)}
    return render_template("training/apply.html", form=form, orgs=orgs, records=records,
                           approved=approved)


@bp.route("/instructor-request", methods=["GET", "POST"])
@signed_in
def instructor_request() -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    sponsors = [o for o in session.scalars(select(Organization).where(
        Organization.is_active.is_(True)).order_by(Organization.name))
        if svc.is_approved_sponsor(session, registry, o)]
    form = InstructorRequestForm()
    form.organization_id.choices = [(o.id, o.name) for o in sponsors]
    account = session.get(Account, actor.account_id)
    if form.validate_on_submit():
        org = session.get(Organization, form.organization_id.data)
        try:
            svc.request_instructor(session, org, account, actor, form.message.data)
        except svc.TrainingError as exc:
            session.rollback()
            _fail(exc, form)
        else:
            session.commit()
            flash(_("Your request was sent to the sponsor's managers."), "success")
            return redirect(url_for(".instructor_request"))
    mine = list(session.scalars(select(Instructor).where(Instructor.account_id == account.id)))
    names = {o.id: o.name for o in sponsors}
    return render_template("training/instructor_request.html", form=form, mine=mine,
                           names=names)


@bp.get("/admin/sponsors")
@signed_in
def sponsor_applications() -> Any:
    actor = web_actor()
    if not actor.can("training.sponsors.decide"):
        abort(403)
    session = registry_session()
    pending = svc.pending_applications(session)
    orgs = {s.organization_id: session.get(Organization, s.organization_id) for s in pending}
    return render_template("training/sponsor_applications.html", pending=pending, orgs=orgs,
                           form=DecisionForm())


@bp.post("/admin/sponsors/<int:sponsor_id>/<any(approve, deny):decision>")
@signed_in
def decide_sponsor(sponsor_id: int, decision: str) -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    if not actor.can("training.sponsors.decide"):
        abort(403)
    sponsor = session.get(TrainingSponsor, sponsor_id)
    if sponsor is None:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        svc.decide_sponsor(session, registry, sponsor, actor, approve=decision == "approve",
                           reason=form.reason.data)
    except svc.TrainingError as exc:
        session.rollback()
        flash(exc.detail, "error")
    else:
        session.commit()
        flash(_("Application approved.") if decision == "approve" else
              _("Application denied."), "success")
    return redirect(url_for(".sponsor_applications"))


# --- the Training Module (sponsor staff and instructors) -------------------------------------

def _org_for_module(org_id: int, *, manage: bool = True) -> Organization:
    """The organization, if the signed-in person manages it (or, ``manage=False``, is one of
    its instructors); 404 otherwise so other sponsors' modules are not revealed."""
    actor = web_actor()
    session = registry_session()
    org = session.get(Organization, org_id)
    if org is None:
        abort(404)
    allowed = svc.manages_org(actor, org.id) or (
        not manage and actor.has_role("instructor", org.id))
    if not allowed or not svc.is_approved_sponsor(session, current_registry(), org):
        abort(404)
    return org


def _instructor_may_manage(org: Organization) -> bool:
    actor = web_actor()
    if svc.manages_org(actor, org.id):
        return True
    sponsor = svc.sponsor_record(registry_session(), org.id)
    return bool(sponsor and sponsor.instructors_may_manage_events
                and actor.has_role("instructor", org.id))


@bp.get("/manage")
@signed_in
def manage_home() -> Any:
    session, registry, actor = registry_session(), current_registry(), web_actor()
    ids = set(svc.managed_org_ids(session, actor)) | set(svc.instructor_org_ids(actor))
    orgs = [o for o in (session.get(Organization, i) for i in sorted(ids))
            if o is not None and svc.is_approved_sponsor(session, registry, o)]
    if len(orgs) == 1:
        return redirect(url_for(".manage_org", org_id=orgs[0].id))
    return render_template("training/manage_home.html", orgs=orgs,
                           can_apply=bool(actor.org_ids_for("sponsor_executive_director")))


@bp.get("/manage/<int:org_id>")
@writes_on_get  # an implicit sponsor's information row is made on first visit
@signed_in
def manage_org(org_id: int) -> Any:
    org = _org_for_module(org_id, manage=False)
    session, actor = registry_session(), web_actor()
    now = svc.now_utc()
    query = select(TrainingEvent).where(TrainingEvent.organization_id == org.id,
                                        TrainingEvent.ends_at > now)
    manager = svc.manages_org(actor, org.id)
    if not manager:
        query = query.where(TrainingEvent.instructor_account_id == actor.account_id)
    upcoming = list(session.scalars(query.order_by(TrainingEvent.starts_at).limit(50)))
    sponsor = svc.ensure_sponsor_info(session, current_registry(), org)
    session.commit()
    pending = len(svc.instructors(session, org.id, "pending")) if manager else 0
    return render_template("training/manage_org.html", org=org, upcoming=upcoming,
                           manager=manager, may_add=_instructor_may_manage(org),
                           instructor=actor.has_role("instructor", org.id),
                           sponsor=sponsor, pending_instructors=pending)


@bp.route("/manage/<int:org_id>/info", methods=["GET", "POST"])
@writes_on_get  # an implicit sponsor's information row is made on first visit
@signed_in
def sponsor_info(org_id: int) -> Any:
    org = _org_for_module(org_id)
    session, actor = registry_session(), web_actor()
    sponsor = svc.ensure_sponsor_info(session, current_registry(), org)
    form = SponsorInfoForm(obj=sponsor)
    if form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in svc.SPONSOR_INFO_FIELDS}
        for key in ("contact_email", "contact_phone", "website", "logistics", "vendor_number",
                    "withdrawal_contact"):
            changes[key] = (changes[key] or "").strip() or None
        try:
            svc.update_sponsor_info(session, sponsor, actor, changes)
        except svc.TrainingError as exc:
            session.rollback()
            _fail(exc, form)
        else:
            session.commit()
            flash(_("Training Sponsor Information saved."), "success")
            return redirect(url_for(".sponsor_info", org_id=org.id))
    return render_template("training/sponsor_info.html", org=org, form=form, sponsor=sponsor)


@bp.route("/manage/<int:org_id>/logo", methods=["GET", "POST"])
@writes_on_get  # an implicit sponsor's information row is made on first visit
@signed_in
def manage_logo(org_id: int) -> Any:
    org = _org_for_module(org_id)
    session, actor = registry_session(), web_actor()
    sponsor = svc.ensure_sponsor_info(session, current_registry(), org)
    form = LogoForm()
    if form.validate_on_submit():
        upload = request.files.get("logo")
        data = upload.read(svc.MAX_LOGO_BYTES + 1) if upload else b""
        try:
            svc.set_logo(session, sponsor, actor, data)
        except svc.TrainingError as exc:
            session.rollback()
            _fail(exc, form)
        else:
            session.commit()
            flash(_("Logo saved."), "success")
            return redirect(url_for(".manage_logo", org_id=org.id))
    status = 422 if form.errors else 200
    return render_template("training/logo.html", org=org, form=form, sponsor=sponsor), status


@bp.get("/manage/<int:org_id>/catalog")
@signed_in
def catalog(org_id: int) -> Any:
    org = _org_for_module(org_id)
    trainings = list(registry_session().scalars(svc.catalog_query(org.id)))
    return render_template("training/catalog.html", org=org, trainings=trainings)


def _language_choices() -> list[tuple[str, str]]:
    return [(lang.code, f"{lang.label} ({lang.code})")
            for lang in svc.languages(registry_session())]


@bp.route("/manage/<int:org_id>/catalog/new", methods=["GET", "POST"])
@bp.route("/manage/<int:org_id>/catalog/<int:training_id>", methods=["GET", "POST"])
@signed_in
def edit_training(org_id: int, training_id: int | None = None) -> Any:
    org = _org_for_module(org_id)
    session, registry, actor = registry_session(), current_registry(), web_actor()
    training = None
    if training_id is not None:
        training = session.get(Training, training_id)
        if training is None or training.organization_id != org.id:
            abort(404)
    form = TrainingForm(obj=training)
    form.language.choices = _language_choices()
    if form.validate_on_submit():
        values = {"title": form.title.data, "description": form.description.data or "",
                  "hours": form.hours.data, "competency_area": form.competency_area.data,
                  "language": form.language.data, "level": form.level.data,
                  "audience": form.audience.data}
        try:
            if training is None:
                training = svc.create_training(session, registry, org.id, actor, **values)
            else:
                svc.update_training(session, training, actor, values)
        except svc.TrainingError as exc:
            session.rollback()
            _fail(exc, form)
        else:
            session.commit()
            flash(_("Training saved."), "success")
            return redirect(url_for(".catalog", org_id=org.id))
    status = 422 if form.errors else 200
    return render_template("training/training_form.html", org=org, form=form,
                           training=training), status


@bp.get("/manage/<int:org_id>/events")
@signed_in
def events(org_id: int) -> Any:
    org = _org_for_module(org_id, manage=False)
    session, actor = registry_session(), web_actor()
    query = select(TrainingEvent).where(TrainingEvent.organization_id == org.id)
    if not svc.manages_org(actor, org.id):
        query = query.where(TrainingEvent.instructor_account_id == actor.account_id)
    rows = list(session.scalars(query.order_by(TrainingEvent.starts_at.desc()).limit(500)))
    return render_template("training/events.html", org=org, events=rows,
                           may_add=_instructor_may_manage(org),
                           manager=svc.manages_org(actor, org.id))


def _local_datetime(day: Any, time: Any) -> datetime:
    return datetime.combine(day, time).replace(tzinfo=clock.current_zone())


def _session_rows(form: EventForm) -> tuple[list[tuple[datetime, datetime]], list[Any]] | None:
    """The filled session rows as times, and each one's row (to place errors); ``None`` when a
    row is incomplete or no row is filled (the errors are then on the form)."""
    times: list[tuple[datetime, datetime]] = []
    rows: list[Any] = []
    complete = True
    for entry in form.sessions.entries:
        row = entry.form
        values = (row.date.data, row.start.data, row.end.data)
        if all(v is None for v in values):
            if not any(f.errors for f in (row.date, row.start, row.end)):
                continue
            complete = False
            continue
        if any(v is None for v in values):
            for f, v in zip((row.date, row.start, row.end), values, strict=True):
                if v is None and not f.errors:
                    f.errors = [*f.errors, _("required for this session")]
            complete = False
            continue
        times.append((_local_datetime(row.date.data, row.start.data),
                      _local_datetime(row.date.data, row.end.data)))
        rows.append(row)
    if complete and not times:
        first = form.sessions.entries[0].form.date
        first.errors = [*first.errors, _("give at least one session")]
        return None
    return (times, rows) if complete else None


def _place_session_errors(exc: svc.TrainingError, form: EventForm, rows: list[Any]) -> None:
    """Put ``sessions.<n>.starts_at``/``ends_at`` errors next to that row's date or end."""
    if not exc.errors:
        _fail(exc, form)
        return
    rest: dict[str, str] = {}
    for key, message in exc.errors.items():
        parts = key.split(".")
        if parts[0] == "sessions" and len(parts) == 3 and parts[1].isdigit() \
                and int(parts[1]) < len(rows):
            row = rows[int(parts[1])]
            target = row.end if parts[2] == "ends_at" else row.date
            target.errors = [*target.errors, message]
        elif key in ("sessions", "starts_at", "ends_at") and form.sessions.entries:
            first = form.sessions.entries[0].form.date
            first.errors = [*first.errors, message]
        else:
            rest[key] = message
    if rest:
        exc.errors = rest
        _fail(exc, form)


def _instructor_choices(org_id: int) -> list[tuple[int, str]]:
    """The sponsor's approved instructors by name. Each name read is audited, and committed at
    once so that a form refused later (rolled back) still leaves the record of the reads."""
    from registry_kernel.participants import personal_data

    session = registry_session()
    choices = [(0, "—")]
    for row in svc.instructors(session, org_id, "approved"):
        account = session.get(Account, row.account_id)
        if account is not None:
            name = personal_data(session, current_registry(), account.participant,
                                 actor=web_actor(), fields=("first_name", "last_name"),
                                 reason="choose an event's instructor").full_name()
            choices.append((account.id, name))
    session.commit()
    return choices


def _event_form(org: Organization, event: TrainingEvent | None) -> EventForm:
    """The event form; for an edit, filled from the event unless this is its own POST."""
    session, actor = registry_session(), web_actor()
    form = EventForm(obj=event) if event is not None else EventForm()
    if event is not None:
        del form.training_id
        if request.method == "GET":
            form.sessions.entries = []
            form.sessions.last_index = -1
            for item in svc.event_sessions(event):
                start = item.starts_at.astimezone(clock.current_zone())
                end = item.ends_at.astimezone(clock.current_zone())
                form.sessions.append_entry({"date": start.date(), "start": start.time(),
                                            "end": end.time()})
            form.mode.data = "online" if event.online_url else "in_person"
            form.instructor.data = event.instructor_account_id or 0
            form.county.data = event.county or ""
    if svc.manages_org(actor, org.id):
        form.instructor.choices = _instructor_choices(org.id)
    else:
        del form.instructor
    if event is None:
        trainings = list(session.scalars(svc.catalog_query(org.id).where(
            Training.is_active.is_(True))))
        form.training_id.choices = [(t.id, f"{t.title} ({t.hours} h, {t.language})")
                                    for t in trainings]
        if request.method == "GET" and request.args.get("training_id", "").isdigit():
            form.training_id.data = int(request.args["training_id"])
    return form


def _multi_day(event: TrainingEvent | None) -> bool:
    """Whether a session runs over several days (the form's rows are one day each)."""
    return event is not None and any(
        item.starts_at.astimezone(clock.current_zone()).date()
        != item.ends_at.astimezone(clock.current_zone()).date() for item in svc.event_sessions(event))


def _save_event(org: Organization, event: TrainingEvent | None, form: EventForm
                ) -> TrainingEvent | None:
    """Create or change the event from a valid form; ``None`` (errors on the form) if refused."""
    session, registry, actor = registry_session(), current_registry(), web_actor()
    keep_schedule = _multi_day(event)
    parsed = None if keep_schedule else _session_rows(form)
    if parsed is None and not keep_schedule:
        return None
    times, rows = parsed if parsed is not None else ([], [])
    location = None
    if form.mode.data == "in_person":
        location = svc.Location(form.address.data or "", form.city.data or "",
                                form.county.data or "", form.zip.data or "")
    online_url = form.online_url.data if form.mode.data == "online" else None
    manager = svc.manages_org(actor, org.id)
    instructor = (form.instructor.data or None) if manager else (
        event.instructor_account_id if event is not None else actor.account_id)
    try:
        if event is None:
            training = session.get(Training, form.training_id.data)
            if training is None or training.organization_id != org.id:
                raise svc.Invalid(_("choose a training of your catalog"),
                                  {"training_id": _("required")})
            event = svc.create_event(
                session, registry, training, actor, sessions=times,
                capacity=form.capacity.data, waitlist=form.waitlist.data,
                visibility=form.visibility.data, location=location, online_url=online_url,
                funding_source=form.funding_source.data, instructor_account_id=instructor)
        else:
            changes: dict[str, Any] = {
                "capacity": form.capacity.data, "waitlist": form.waitlist.data,
                "location": location, "online_url": online_url,
                "funding_source": (form.funding_source.data or "").strip() or None,
                "instructor_account_id": instructor, "visibility": form.visibility.data}
            if not keep_schedule:
                changes["sessions"] = times
            svc.update_event(session, registry, event, actor, changes)
    except svc.TrainingError as exc:
        session.rollback()
        _place_session_errors(exc, form, rows)
        return None
    session.commit()
    return event


def _render_event_form(org: Organization, event: TrainingEvent | None, form: EventForm) -> Any:
    has_trainings = event is not None or bool(form.training_id.choices)
    status = 422 if form.errors or any(
        e.form.errors for e in form.sessions.entries) else 200
    return render_template("training/event_form.html", org=org, form=form, event=event,
                           has_trainings=has_trainings, multi_day=_multi_day(event),
                           event_sessions=svc.describe_sessions(event) if event else [],
                           manager=svc.manages_org(web_actor(), org.id)), status


def _add_session_row(form: EventForm) -> None:
    """The "Add a session" button without JavaScript: the same form (not yet checked), with
    one more blank row."""
    if len(form.sessions.entries) < (form.sessions.max_entries or svc.MAX_SESSIONS):
        form.sessions.append_entry()


@bp.route("/manage/<int:org_id>/events/new", methods=["GET", "POST"])
@signed_in
def new_event(org_id: int) -> Any:
    org = _org_for_module(org_id, manage=False)
    if not _instructor_may_manage(org):
        abort(403)
    form = _event_form(org, None)
    if request.method == "POST" and request.form.get("add_session"):
        _add_session_row(form)
    elif form.validate_on_submit():
        event = _save_event(org, None, form)
        if event is not None:
            flash(_("Event scheduled."), "success")
            return redirect(url_for(".manage_event", org_id=org.id, event_id=event.id))
    return _render_event_form(org, None, form)


def _may_edit_event(org: Organization, event: TrainingEvent) -> bool:
    """Sponsor managers, and the instructor leading it where the sponsor lets instructors
    manage events."""
    actor = web_actor()
    return svc.manages_org(actor, org.id) or (
        svc.leads_event(actor, event) and _instructor_may_manage(org))


@bp.route("/manage/<int:org_id>/events/<int:event_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_event(org_id: int, event_id: int) -> Any:
    org, event = _module_event(org_id, event_id)
    if not _may_edit_event(org, event):
        abort(403)
    if event.status == "cancelled":
        flash(_("The event is cancelled."), "error")
        return redirect(url_for(".manage_event", org_id=org.id, event_id=event.id))
    form = _event_form(org, event)
    if request.method == "POST" and request.form.get("add_session"):
        _add_session_row(form)
    elif form.validate_on_submit() and _save_event(org, event, form) is not None:
        flash(_("Event saved."), "success")
        return redirect(url_for(".manage_event", org_id=org.id, event_id=event.id))
    return _render_event_form(org, event, form)


@bp.get("/manage/<int:org_id>/events/<int:event_id>")
@signed_in
def manage_event(org_id: int, event_id: int) -> Any:
    org = _org_for_module(org_id, manage=False)
    session, actor = registry_session(), web_actor()
    event = session.get(TrainingEvent, event_id)
    if event is None or event.organization_id != org.id or not (
            svc.manages_org(actor, org.id) or svc.leads_event(actor, event)):
        abort(404)
    rows = session.execute(
        select(Enrollment, Participant.registry_id)
        .join(Participant, Participant.id == Enrollment.participant_id)
        .where(Enrollment.event_id == event.id)
        .order_by(Enrollment.status, Enrollment.queued_at, Enrollment.id)).all()
    invite_url = (request.host_url.rstrip("/") + svc.invite_path(event)
                  if event.invite_token else None)
    instructor_name = None
    lead = session.get(Account, event.instructor_account_id) \
        if event.instructor_account_id else None
    if lead is not None:
        from registry_kernel.participants import personal_data

        instructor_name = personal_data(session, current_registry(), lead.participant,
                                        actor=actor, fields=("first_name", "last_name"),
                                        reason="training event instructor").full_name()
        session.commit()
    return render_template("training/manage_event.html", org=org, event=event, rows=rows,
                           invite_url=invite_url, form=ActionForm(),
                           instructor_name=instructor_name,
                           may_edit=_may_edit_event(org, event),
                           manager=svc.manages_org(actor, org.id),
                           started=event.starts_at <= svc.now_utc(),
                           attendance=_attendance_allowed(org, event))


@bp.post("/manage/<int:org_id>/events/<int:event_id>/cancel")
@signed_in
def cancel_event(org_id: int, event_id: int) -> Any:
    org = _org_for_module(org_id)
    session, registry, actor = registry_session(), current_registry(), web_actor()
    event = session.get(TrainingEvent, event_id)
    if event is None or event.organization_id != org.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        told = svc.cancel_event(session, registry, event, actor)
    except svc.TrainingError as exc:
        session.rollback()
        flash(exc.detail, "error")
    else:
        session.commit()
        flash(ngettext("Event cancelled; %(num)s person was told by email.",
                       "Event cancelled; %(num)s people were told by email.", told), "success")
    return redirect(url_for(".manage_event", org_id=org.id, event_id=event.id))


@bp.post("/manage/<int:org_id>/events/<int:event_id>/<any(unpublish, publish):action>")
@signed_in
def publish_event(org_id: int, event_id: int, action: str) -> Any:
    org = _org_for_module(org_id)
    session, registry, actor = registry_session(), current_registry(), web_actor()
    event = session.get(TrainingEvent, event_id)
    if event is None or event.organization_id != org.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        svc.update_event(session, registry, event, actor, {
            "visibility": "invite_only" if action == "unpublish" else "published"})
    except svc.TrainingError as exc:
        session.rollback()
        flash(exc.detail, "error")
    else:
        session.commit()
        flash(_("The event is now invite only.") if action == "unpublish"
              else _("The event is on the Training Calendar."), "success")
    return redirect(url_for(".manage_event", org_id=org.id, event_id=event.id))


@bp.post("/manage/<int:org_id>/enrollments/<int:enrollment_id>/withdraw")
@signed_in
def staff_withdraw(org_id: int, enrollment_id: int) -> Any:
    org = _org_for_module(org_id)
    session, registry, actor = registry_session(), current_registry(), web_actor()
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.event.organization_id != org.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        svc.withdraw(session, registry, enrollment.id, actor=actor, self_service=False)
    except svc.TrainingError as exc:
        session.rollback()
        flash(exc.detail, "error")
    else:
        session.commit()
        flash(_("Withdrawn."), "success")
    return redirect(url_for(".manage_event", org_id=org.id, event_id=enrollment.event_id))


@bp.get("/manage/<int:org_id>/instructors")
@signed_in
def instructors(org_id: int) -> Any:
    org = _org_for_module(org_id)
    session = registry_session()
    rows = svc.instructors(session, org.id)
    from registry_kernel.participants import personal_data

    names = {}
    for row in rows:
        account = session.get(Account, row.account_id)
        if account is not None:
            data = personal_data(session, current_registry(), account.participant,
                                 actor=web_actor(), fields=("first_name", "last_name"),
                                 reason="training instructors list")
            names[row.id] = (data.full_name(), account.participant.registry_id)
    session.commit()
    return render_template("training/instructors.html", org=org, rows=rows, names=names,
                           form=ActionForm())


@bp.post("/manage/<int:org_id>/instructors/<int:instructor_id>/<any(approve, deny):decision>")
@signed_in
def decide_instructor(org_id: int, instructor_id: int, decision: str) -> Any:
    org = _org_for_module(org_id)
    session, actor = registry_session(), web_actor()
    instructor = session.get(Instructor, instructor_id)
    if instructor is None or instructor.organization_id != org.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    svc.decide_instructor(session, instructor, actor, approve=decision == "approve")
    session.commit()
    flash(_("Instructor approved.") if decision == "approve" else _("Request denied."),
          "success")
    return redirect(url_for(".instructors", org_id=org.id))


# --- attendance, printable rosters, certificates (part 2) ------------------------------------

def _attendance_allowed(org: Organization, event: TrainingEvent) -> bool:
    actor = web_actor()
    if svc.manages_org(actor, org.id):
        return True
    sponsor = svc.sponsor_record(registry_session(), org.id)
    return bool(svc.leads_event(actor, event) and sponsor
                and sponsor.instructors_may_manage_events)


def _module_event(org_id: int, event_id: int) -> tuple[Organization, TrainingEvent]:
    org = _org_for_module(org_id, manage=False)
    actor = web_actor()
    event = registry_session().get(TrainingEvent, event_id)
    if event is None or event.organization_id != org.id or not (
            svc.manages_org(actor, org.id) or svc.leads_event(actor, event)):
        abort(404)
    return org, event


@bp.post("/manage/<int:org_id>/events/<int:event_id>/attendance")
@signed_in
def take_attendance(org_id: int, event_id: int) -> Any:
    org, event = _module_event(org_id, event_id)
    if not _attendance_allowed(org, event):
        abort(403)
    session, registry, actor = registry_session(), current_registry(), web_actor()
    if not ActionForm().validate_on_submit():
        abort(400)
    records = []
    rows = session.execute(select(Enrollment.id, Participant.registry_id)
                           .join(Participant, Participant.id == Enrollment.participant_id)
                           .where(Enrollment.event_id == event.id)).all()
    for enrollment_id, registry_id in rows:
        status = request.form.get(f"status-{enrollment_id}", "")
        if status in ("attended", "no_show"):
            records.append(svc.AttendanceRecord(registry_id, status))
    for line in request.form.get("walk_ins", "").splitlines():
        if line.strip():
            records.append(svc.AttendanceRecord(line.strip(), "attended"))
    try:
        done = svc.record_attendance(session, registry, event, records, actor=actor)
    except svc.TrainingError as exc:
        session.rollback()
        flash(exc.detail, "error")
        for field, message in (exc.errors or {}).items():
            index = field.split(".")[1] if field.startswith("records.") else None
            who = records[int(index)].registry_id if index and index.isdigit() else ""
            flash(f"{who}: {message}" if who else message, "error")
    else:
        session.commit()
        flash(ngettext("Attendance saved for %(num)s person.",
                       "Attendance saved for %(num)s people.", len(done)), "success")
    return redirect(url_for(".manage_event", org_id=org.id, event_id=event.id))


@bp.post("/manage/<int:org_id>/events/<int:event_id>/attendance-upload")
@signed_in
def upload_attendance(org_id: int, event_id: int) -> Any:
    """Attendance from a completed roster spreadsheet: every row checked, all or nothing."""
    from .reports import read_attendance_upload

    org, event = _module_event(org_id, event_id)
    if not _attendance_allowed(org, event):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    session, registry, actor = registry_session(), current_registry(), web_actor()
    upload = request.files.get("roster")
    data = upload.read(5 * 1024 * 1024 + 1) if upload else b""
    try:
        if len(data) > 5 * 1024 * 1024:
            raise svc.Invalid(_("the file may be at most 5 MB"), {"file": _("too large")})
        records = read_attendance_upload(data)
        done = svc.record_attendance(session, registry, event, records, actor=actor)
    except svc.TrainingError as exc:
        session.rollback()
        flash(exc.detail, "error")
        for where, message in sorted((exc.errors or {}).items()):
            flash(f"{where}: {message}", "error")
    else:
        session.commit()
        flash(ngettext("Attendance saved for %(num)s person.",
                       "Attendance saved for %(num)s people.", len(done)), "success")
    return redirect(url_for(".manage_event", org_id=org.id, event_id=event.id))


@bp.get("/manage/<int:org_id>/events/<int:event_id>/roster.xlsx")
@signed_in
def event_roster_xlsx(org_id: int, event_id: int) -> Any:
    from .reports import roster_xlsx

    _org, event = _module_event(org_id, event_id)
    session = registry_session()
    handle = roster_xlsx(event, svc.roster(session, current_registry(), event, web_actor(),
                                           reason="roster xlsx"))
    session.commit()
    response = Response(handle, mimetype="application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet", direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="roster-{event.id}.xlsx"'
    return response


@bp.get("/manage/<int:org_id>/events/<int:event_id>/<any(roster, sign_in):kind>.pdf")
@signed_in
def event_pdf(org_id: int, event_id: int, kind: str) -> Any:
    from .reports import roster_pdf, sign_in_sheet_pdf

    _org, event = _module_event(org_id, event_id)
    session = registry_session()
    people = svc.roster(session, current_registry(), event, web_actor(),
                        reason=f"{kind} pdf")
    data = (roster_pdf if kind == "roster" else sign_in_sheet_pdf)(event, people)
    session.commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{kind}-{event.id}.pdf"'
    return response


@bp.get("/enrollments/<int:enrollment_id>/certificate.pdf")
@signed_in
def certificate(enrollment_id: int) -> Any:
    from registry_kernel.participants import personal_data

    from .reports import certificate_pdf

    session, actor = registry_session(), web_actor()
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.participant_id != actor.participant_id \
            or enrollment.status != "attended":
        abort(404)
    participant = session.get(Participant, enrollment.participant_id)
    data = personal_data(session, current_registry(), participant, actor=actor,
                         fields=("first_name", "last_name"))
    pdf = certificate_pdf(enrollment.event, data.full_name(), participant.registry_id,
                          enrollment.hours_granted or enrollment.event.hours)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{enrollment.event_id}.pdf"')
    return response


# --- iCalendar feeds -------------------------------------------------------------------------

def _ics_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _ics_fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets (RFC 5545 3.1), never inside a
    character: each continuation starts with a space."""
    pieces: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, 74
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _ics(events: list[TrainingEvent], name: str) -> Response:
    stamp = svc.now_utc().strftime("%Y%m%dT%H%M%SZ")
    host = request.host.split(":")[0]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Open ECE Registry//Training//EN",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{_ics_text(name)}"]
    for event in events:
        where = event.online_url or ", ".join(p for p in (event.address, event.city,
                                                          event.zip) if p)
        sessions = svc.event_sessions(event)
        page = (url_for(".invitation", token=event.invite_token)
                if event.visibility == "invite_only" and event.invite_token
                else url_for(".event_detail", event_id=event.id))
        for n, item in enumerate(sessions, start=1):
            # One VEVENT per session; the first keeps the event's own UID.
            uid = f"training-event-{event.id}" + (f"-{n}" if n > 1 else "")
            title = event.title if len(sessions) == 1 else _(
                "%(title)s (session %(n)s of %(total)s)", title=event.title, n=n,
                total=len(sessions))
            lines += ["BEGIN:VEVENT", f"UID:{uid}@{host}", f"DTSTAMP:{stamp}",
                      f"DTSTART:{item.starts_at.strftime('%Y%m%dT%H%M%SZ')}",
                      f"DTEND:{item.ends_at.strftime('%Y%m%dT%H%M%SZ')}",
                      f"SUMMARY:{_ics_text(title)}",
                      f"LOCATION:{_ics_text(where)}",
                      f"DESCRIPTION:{_ics_text(event.organization.name)} · {event.hours} h",
                      f"URL:{request.host_url.rstrip('/')}{page}",
                      "STATUS:" + ("CANCELLED" if event.status == "cancelled"
                                   else "CONFIRMED"),
                      "END:VEVENT"]
    lines.append("END:VCALENDAR")
    body = "\r\n".join(_ics_fold(line[:900]) for line in lines) + "\r\n"
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="trainings.ics"'
    return response


@bp.get("/calendar.ics")
def calendar_ics() -> Any:
    """The public calendar (same filters as the page) as an iCalendar feed, next 500 events."""
    session = registry_session()
    items, _total = svc.calendar(session, _calendar_filters(), page=1, per_page=500)
    by_id = {e.id: e for e in session.scalars(select(TrainingEvent).where(
        TrainingEvent.id.in_([i["event_id"] for i in items])))}
    return _ics([by_id[i["event_id"]] for i in items if i["event_id"] in by_id],
                _("Training Calendar"))


@bp.get("/my.ics")
@signed_in
def my_ics() -> Any:
    """The signed-in person's enrolled and waitlisted trainings as an iCalendar file."""
    rows = svc.participant_enrollments(registry_session(), web_actor().participant_id)
    return _ics([e.event for e in rows if e.status in ("enrolled", "waitlisted", "attended")],
                _("My Training Events"))


@bp.route("/enrollments/<int:enrollment_id>/feedback", methods=["GET", "POST"])
@signed_in
def feedback(enrollment_id: int) -> Any:
    """The anonymous survey after a training the person attended."""
    session, actor = registry_session(), web_actor()
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.participant_id != actor.participant_id \
            or enrollment.status != "attended":
        abort(404)
    if not svc.feedback_pending(session, enrollment):
        flash(_("Thank you: your answers are in."), "success")
        return redirect(url_for(".my_events"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        try:
            svc.answer_feedback(session, enrollment, dict(request.form),
                                request.form.get("comment"))
        except svc.TrainingError as exc:
            session.rollback()
            errors = exc.errors or {}
            flash(exc.detail, "error")
        else:
            session.commit()
            flash(_("Thank you: your answers are in."), "success")
            return redirect(url_for(".my_events"))
    from .surveys import MIN_GROUP, survey_of_enrollment

    return render_template("training/feedback.html", enrollment=enrollment,
                           survey=survey_of_enrollment(session, enrollment), errors=errors,
                           min_group=MIN_GROUP,
                           values=request.form, form=ActionForm()), 422 if errors else 200


# --- Instructor Profiles ---------------------------------------------------------------------

@bp.route("/instructor-profile", methods=["GET", "POST"])
@signed_in
def instructor_profile() -> Any:
    """An approved instructor writes, publishes or unpublishes their Instructor Profile, and
    sees the events they lead."""
    session, registry, actor = registry_session(), current_registry(), web_actor()
    account = session.get(Account, actor.account_id)
    if account is None or not profiles.is_instructor(session, account.id):
        flash(_("Instructor profiles are for approved instructors. Ask a training sponsor for "
                "instructor access first."), "error")
        return redirect(url_for(".instructor_request"))
    current = profiles.read(session, registry, account.id)
    draft = current or profiles.prefill(session, registry, account)
    form = InstructorProfileForm(obj=draft if request.method == "GET" else None)
    form.languages.choices = [(lang.code, lang.label) for lang in svc.languages(session)]
    if form.validate_on_submit():
        try:
            profiles.save(session, registry, account, actor, {
                "display_name": form.display_name.data, "expertise": form.expertise.data,
                "experience": form.experience.data, "bio": form.bio.data,
                "languages": form.languages.data})
        except svc.TrainingError as exc:
            session.rollback()
            _fail(exc, form)
        else:
            session.commit()
            flash(_("Instructor Profile saved."), "success")
            return redirect(url_for(".instructor_profile"))
    led = profiles.led_events(session, account.id, listed_only=False)
    return render_template("training/instructor_profile.html", form=form, profile=current,
                           prefilled=current is None, led=led, action_form=ActionForm(),
                           profile_enabled=registry.plugins.is_enabled("profile")), \
        422 if form.errors else 200


@bp.post("/instructor-profile/<any(publish, unpublish):action>")
@signed_in
def publish_instructor_profile(action: str) -> Any:
    session, actor = registry_session(), web_actor()
    account = session.get(Account, actor.account_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        profiles.set_published(session, account, actor, action == "publish")
    except svc.TrainingError as exc:
        session.rollback()
        flash(exc.detail, "error")
    else:
        session.commit()
        flash(_("Your Instructor Profile is published.") if action == "publish"
              else _("Your Instructor Profile is no longer shown to others."), "success")
    return redirect(url_for(".instructor_profile"))


@bp.get("/instructors/<int:profile_id>")
def instructor_public(profile_id: int) -> Any:
    """A published Instructor Profile (public) with the instructor's upcoming trainings on the
    calendar; unpublished ones are 404 except to their owner, who sees a preview."""
    session, registry, actor = registry_session(), current_registry(), web_actor()
    try:
        view = profiles.public_profile(session, registry, profile_id,
                                       actor.account_id if actor else None)
    except svc.NotFound:
        abort(404)
    labels = {lang.code: lang.label for lang in svc.languages(session, active_only=False)}
    return render_template("training/instructor_public.html", profile=view,
                           teaches_in=[labels.get(c, c) for c in view.languages],
                           events=profiles.led_events(session, view.account_id))
