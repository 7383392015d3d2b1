"""The web front door: public home, Create a Profile, sign-in and recovery, two-factor, the
participant's home with Quick Links, and "My privacy".

Views are thin: the work is in :mod:`registry_kernel.accounts`, :mod:`registry_kernel.participants`
and :mod:`registry_kernel.auth.recovery`. Each view that writes commits its own session.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select
from werkzeug.routing import BuildError

from .. import audit, registry_id
from ..accounts import authenticate, set_password
from ..crypto import hash_password
from ..db import utcnow
from ..mail import send_mail
from ..models import Account, Organization
from ..participants import (
    DuplicateEmail,
    create_participant,
    find_by_email,
    find_by_name_and_birth_date,
    personal_data,
)
from ..web import current_registry, registry_session, writes_on_get
from . import recovery
from .forms import (
    ConfirmForm,
    ForgotForm,
    LoginForm,
    ResetForm,
    SignupForm,
    TotpEnrolForm,
    TwoFactorForm,
)
from .session import current_account, login_required, login_user, logout_user, web_actor

bp = Blueprint("kernel_web", __name__)

PENDING_2FA_SECONDS = 300
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

ACTION_LABELS = {
    "participant.create": _l("Profile created"),
    "participant.read": _l("Record viewed"),
    "participant.update": _l("Record changed"),
    "participant.merge": _l("Duplicate profile merged"),
    "participant.erase": _l("Personal data erased"),
    "account.password_change": _l("Password changed"),
    "account.reset_started": _l("Password reset started by the help desk"),
    "account.two_factor_on": _l("Two-factor sign-in turned on"),
    "account.two_factor_off": _l("Two-factor sign-in turned off"),
    "account.email_verified": _l("Email address confirmed"),
    "audit.read": _l("History of the record viewed"),
    "role.grant": _l("Role given"),
    "role.revoke": _l("Role removed"),
}
ROLE_LABELS = {
    "participant": _l("You"),
    "system": _l("The registry (automatic)"),
    "client": _l("An agency's computer system"),
    "registry_staff": _l("Registry staff"),
    "help_desk": _l("Help desk"),
    "superuser": _l("Registry administrator"),
    "county_admin": _l("County administrator"),
    "program_admin": _l("Program administrator"),
    "sponsor_executive_director": _l("Training sponsor director"),
    "sponsor_contact_manager": _l("Training sponsor contact"),
    "sponsor_manager": _l("Training sponsor manager"),
    "instructor": _l("Instructor"),
}
FIELD_LABELS = {
    "first_name": _l("first name"), "last_name": _l("last name"), "email": _l("email"),
    "birth_date": _l("birth date"), "phone": _l("phone"), "address": _l("address"),
    "ssn": _l("Social Security number"),
}


# --- helpers ---------------------------------------------------------------------------------

def _client_address() -> str | None:
    return request.remote_addr


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths (never ``//host`` or ``https://...``)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _endpoint_url(endpoint: str | None, **values: Any) -> str | None:
    if not endpoint:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _absolute(endpoint: str, **values: Any) -> str:
    base = current_registry().settings.base_url.rstrip("/")
    return base + url_for(endpoint, **values)


def public_links() -> list[tuple[str, str]]:
    """Links for people who are not signed in: the training calendar (when a plugin offers a
    page for it) and the help resources."""
    links: list[tuple[str, str]] = []
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint.rsplit(".", 1)[-1] in ("calendar", "public_calendar") \
                and not rule.rule.startswith("/api/") and not rule.arguments \
                and "GET" in (rule.methods or ()):
            links.append((_("Training calendar"), url_for(rule.endpoint)))
            break
    links.append((_("Help and answers to common questions"), url_for("kernel_web.help_page")))
    links.append((_("Privacy policy"), url_for("kernel_web.privacy_policy")))
    return links


def _text_colour(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (WCAG relative luminance)."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(background[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= (luminance + 0.05) / 0.05 else "#000000"


def _mail(account: Account, subject: str, text: str, to: str | None = None) -> None:
    db = registry_session()
    registry = current_registry()
    if to is None:
        to = personal_data(db, registry, account.participant, fields=("email",)).email
    if to:
        send_mail(db, registry, participant_id=account.participant_id, to=to, subject=subject,
                  text=text)


def send_verification(account: Account, email: str | None = None) -> None:
    token = recovery.issue_email_token(registry_session(), account, "verify")
    link = _absolute("kernel_web.verify_email", token=token)
    _mail(account, _("Confirm your email for %(name)s", name=_registry_name()),
          _("Hello,\n\nPlease confirm your email address by opening this link within 3 days:\n\n"
            "%(link)s\n\nIf you did not create a profile, you can ignore this message.\n",
            link=link), to=email)


def send_reset_link(account: Account, email: str | None = None) -> None:
    token = recovery.issue_email_token(registry_session(), account, "reset")
    link = _absolute("kernel_web.reset_password", token=token)
    _mail(account, _("Reset your password for %(name)s", name=_registry_name()),
          _("Hello,\n\nSomeone (we hope you) asked to reset the password of your profile. Open "
            "this link within 1 hour to choose a new password. The link works once:\n\n%(link)s\n\n"
            "If you did not ask, you can ignore this message: your password stays the same.\n",
            link=link), to=email)


def _registry_name() -> str:
    return current_app.extensions["registry_theme"].name


def _commit() -> None:
    registry_session().commit()


# --- public pages ----------------------------------------------------------------------------

@bp.route("/")
def index() -> Any:
    actor = web_actor()
    if actor is None:
        return render_template("kernel/public_home.html", form=LoginForm(),
                               links=public_links())
    return _participant_home()


def _participant_home() -> str:
    db = registry_session()
    registry = current_registry()
    actor = web_actor()
    account = current_account()
    assert actor is not None and account is not None
    participant = account.participant
    data = personal_data(db, registry, participant, actor=actor,
                         fields=("first_name", "last_name"))
    links = []
    for link in sorted(registry.plugins.collect("quick_links", actor=actor,
                                                participant=participant),
                       key=lambda item: (item.order, str(item.label))):
        url = _endpoint_url(link.endpoint)
        if url:
            links.append((link, url))
    attention: list[tuple[str, str | None, str]] = []
    if account.email_verified_at is None:
        attention.append((_("Please confirm your email address: we sent you a link."),
                          url_for("kernel_web.resend_verification_page"), "warning"))
    if actor.is_staff and not account.totp_enabled:
        attention.append((_("Registry staff must turn on two-factor sign-in before using staff "
                            "pages."), url_for("kernel_web.two_factor"), "danger"))
    elif not account.totp_enabled and any(role != "participant" for role, _org in actor.roles):
        attention.append((_("We recommend two-factor sign-in for administrators."),
                          url_for("kernel_web.two_factor"), "info"))
    for item in registry.plugins.collect("attention_items", session=db, actor=actor,
                                         participant=participant):
        attention.append((str(item.message), _endpoint_url(item.endpoint), item.level))
    return render_template("kernel/home.html", name=data.full_name(),
                           first_name=data.first_name or "",
                           registry_id=registry_id.display(participant.registry_id),
                           links=links, attention=attention)


@bp.route("/quick-links.css")
def quick_links_css() -> Response:
    """Colours of the Quick Links (a stylesheet: the CSP forbids inline styles)."""
    actor = web_actor()
    rules = []
    if actor is not None:
        account = current_account()
        registry = current_registry()
        for link in registry.plugins.collect("quick_links", actor=actor,
                                             participant=account.participant if account else None):
            key = re.sub(r"[^a-zA-Z0-9_-]", "", link.key)
            if _HEX.match(link.color or "") and key:
                rules.append(f".quick-link-{key} {{ background: {link.color}; "
                             f"color: {_text_colour(link.color)}; }}")
    response = Response("\n".join(rules) + "\n", mimetype="text/css")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/help")
def help_page() -> str:
    return render_template("kernel/help.html")


@bp.route("/privacy")
def privacy_policy() -> str:
    return render_template("kernel/privacy_policy.html")


# --- Create a Profile ------------------------------------------------------------------------

@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Any:
    # ``next``: where to go once the profile exists (e.g. back to an OAuth consent page when an
    # agency's site sent the visitor here); only same-site paths are followed.
    next_url = _safe_next(request.args.get("next"))
    if web_actor() is not None:
        return redirect(next_url or url_for("kernel_web.index"))
    form = SignupForm()
    if request.method == "GET":
        form.preferred_language.data = {"es": "es", "zh_Hant": "zh-Hant"}.get(
            session.get("lang", ""), "en")
    duplicate = False
    if form.validate_on_submit():
        db = registry_session()
        registry = current_registry()
        email = form.email.data.strip()
        if find_by_email(db, registry, email) is not None or find_by_name_and_birth_date(
                db, registry, form.first_name.data, form.last_name.data, form.birth_date.data):
            duplicate = True
        else:
            address = {k: v for k, v in (("street", form.street.data), ("city", form.city.data),
                                         ("postal_code", form.postal_code.data)) if v}
            try:
                participant = create_participant(
                    db, registry, first_name=form.first_name.data.strip(),
                    last_name=form.last_name.data.strip(), email=email,
                    birth_date=form.birth_date.data, phone=form.phone.data or None,
                    address=address or None, ssn=form.ssn.data or None,
                    preferred_language=form.preferred_language.data,
                    county=None if form.county.data == "other" else form.county.data)
            except DuplicateEmail:
                db.rollback()
                duplicate = True
            else:
                account = Account(participant_id=participant.id,
                                  password_hash=hash_password(form.password.data),
                                  ui_language=session.get("lang"))
                db.add(account)
                db.flush()
                send_verification(account, email=email)
                login_user(account)
                _commit()
                flash(_("Your profile is ready. We sent a link to %(email)s: open it to confirm "
                        "your email address.", email=email), "success")
                return redirect(next_url or url_for("kernel_web.index"))
    status = 409 if duplicate else (422 if form.errors else 200)
    return render_template("kernel/signup.html", form=form, duplicate=duplicate), status


@bp.route("/verify/<token>")
@writes_on_get  # the link is used up
def verify_email(token: str) -> Any:
    db = registry_session()
    check = recovery.use_email_token(db, token, "verify")
    if check.status == "ok" and check.account is not None:
        if check.account.email_verified_at is None:
            check.account.email_verified_at = utcnow()
            audit.record(db, actor=None, action="account.email_verified",
                         subject_participant_id=check.account.participant_id,
                         resource_type="account", resource_id=check.account.id)
        _commit()
        flash(_("Thank you: your email address is confirmed."), "success")
        return redirect(url_for("kernel_web.index"))
    if check.status == "used" and check.account is not None \
            and check.account.email_verified_at is not None:
        flash(_("Your email address was already confirmed."), "success")
        return redirect(url_for("kernel_web.index"))
    return render_template("kernel/link_problem.html", status=check.status, purpose="verify"), 410 \
        if check.status in ("expired", "used") else 404


@bp.route("/verify", methods=["GET", "POST"])
@login_required
def resend_verification_page() -> Any:
    form = ConfirmForm()
    account = current_account()
    assert account is not None
    if account.email_verified_at is not None:
        flash(_("Your email address is already confirmed."), "success")
        return redirect(url_for("kernel_web.index"))
    if form.validate_on_submit():
        send_verification(account)
        _commit()
        flash(_("We sent a new link. Look in your inbox, and in your spam or junk folder."),
              "success")
        return redirect(url_for("kernel_web.index"))
    return render_template("kernel/resend_verification.html", form=form)


# --- sign-in ---------------------------------------------------------------------------------

def _after_sign_in(account: Account, email: str, next_url: str | None) -> Any:
    db = registry_session()
    login_user(account)
    recovery.clear_failed_sign_ins(db, current_registry(), email)
    actor = web_actor()
    _commit()
    if actor is not None and actor.is_staff and not account.totp_enabled:
        flash(_("Registry staff must turn on two-factor sign-in before using staff pages."),
              "warning")
        return redirect(url_for("kernel_web.two_factor"))
    return redirect(_safe_next(next_url) or url_for("kernel_web.index"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        db = registry_session()
        registry = current_registry()
        email = form.email.data.strip()
        if recovery.sign_in_blocked(db, registry, email, _client_address()):
            form.form_errors.append(_(
                "Too many attempts to sign in. Wait 15 minutes and try again, or reset your "
                "password now."))
            status = 429
        else:
            account = authenticate(db, registry, email, form.password.data)
            if account is None:
                recovery.record_failed_sign_in(db, registry, email, _client_address())
                _commit()
                form.form_errors.append(_("The email or the password is not right."))
                status = 401
            elif account.totp_enabled:
                next_url = _safe_next(request.args.get("next"))
                language = session.get("lang")
                session.clear()
                if language:
                    session["lang"] = language
                session["pending_2fa"] = {"account": account.id, "epoch": account.session_epoch,
                                          "email": email, "next": next_url,
                                          "at": utcnow().timestamp()}
                return redirect(url_for("kernel_web.login_code"))
            else:
                return _after_sign_in(account, email, request.args.get("next"))
    elif request.method == "POST":
        status = 422
    return render_template("kernel/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Any:
    pending = session.get("pending_2fa")
    if not pending or utcnow().timestamp() - pending.get("at", 0) > PENDING_2FA_SECONDS:
        session.pop("pending_2fa", None)
        flash(_("Please sign in again."), "warning")
        return redirect(url_for("kernel_web.login"))
    form = TwoFactorForm()
    status = 200
    if form.validate_on_submit():
        db = registry_session()
        registry = current_registry()
        account = db.get(Account, pending["account"])
        if account is None or not account.is_active \
                or account.session_epoch != pending["epoch"]:
            session.pop("pending_2fa", None)
            return redirect(url_for("kernel_web.login"))
        if recovery.sign_in_blocked(db, registry, pending["email"], _client_address()):
            form.code.errors = [_("Too many attempts. Wait 15 minutes and try again.")]
            status = 429
        elif recovery.check_totp(db, registry, account, form.code.data):
            session.pop("pending_2fa", None)
            return _after_sign_in(account, pending["email"], pending.get("next"))
        else:
            recovery.record_failed_sign_in(db, registry, pending["email"], _client_address())
            _commit()
            form.code.errors = [_("That code is not right. Codes change every 30 seconds: "
                                  "type the one your app shows now.")]
            status = 401
    elif request.method == "POST":
        status = 422
    return render_template("kernel/login_code.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        _commit()
        flash(_("You are signed out."), "success")
    return redirect(url_for("kernel_web.index"))


# --- forgotten password ----------------------------------------------------------------------

@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = ForgotForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
    if form.validate_on_submit():
        db = registry_session()
        registry = current_registry()
        email = form.email.data.strip()
        participant = find_by_email(db, registry, email)
        if participant is not None and participant.status == "active":
            account = db.scalar(select(Account).where(Account.participant_id == participant.id))
            if account is None:
                # Registered by an agency, never signed in: the link lets them claim the profile.
                account = Account(participant_id=participant.id, password_hash=None)
                db.add(account)
                db.flush()
            if account.is_active:
                send_reset_link(account, email=email)
                _commit()
        # The same answer whether or not the email is registered.
        return render_template("kernel/forgot_sent.html", email=email)
    return render_template("kernel/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    db = registry_session()
    registry = current_registry()
    check = recovery.check_email_token(db, token, "reset")
    if check.status != "ok" or check.account is None:
        return render_template("kernel/link_problem.html", status=check.status,
                               purpose="reset"), 410 if check.status in ("expired", "used") else 404
    account = check.account
    email = personal_data(db, registry, account.participant, fields=("email",)).email
    form = ResetForm()
    form.account_email = email
    if form.validate_on_submit():
        used = recovery.use_email_token(db, token, "reset")
        if used.status != "ok":
            return render_template("kernel/link_problem.html", status=used.status,
                                   purpose="reset"), 410
        set_password(db, account, form.password.data, email=email)
        if account.email_verified_at is None:
            account.email_verified_at = utcnow()  # the link reached them: the email works
        if email:
            recovery.clear_failed_sign_ins(db, registry, email)
            _mail(account, _("Your password was changed"),
                  _("Hello,\n\nThe password of your profile was just changed, and every device "
                    "that was signed in has been signed out.\n\nIf you did not do this, reply to "
                    "the help desk right away: %(link)s\n", link=_absolute("kernel_web.help_page")),
                  to=email)
        logout_user()
        _commit()
        flash(_("Your password is changed and you were signed out everywhere. Sign in with "
                "your new password."), "success")
        return redirect(url_for("kernel_web.login"))
    return render_template("kernel/reset.html", form=form), 422 if form.errors else 200


# --- two-factor ------------------------------------------------------------------------------

@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor() -> Any:
    db = registry_session()
    registry = current_registry()
    account = current_account()
    assert account is not None
    if account.totp_enabled:
        return render_template("kernel/two_factor_on.html", form=ConfirmForm())
    secret = session.get("totp_enrol")
    if not secret or request.method == "GET":
        secret = recovery.new_totp_secret()
        session["totp_enrol"] = secret
    form = TotpEnrolForm()
    status = 200
    if form.validate_on_submit():
        if recovery.verify_code(secret, form.code.data):
            recovery.enable_totp(db, registry, account, secret)
            audit.record(db, actor=web_actor(), action="account.two_factor_on",
                         subject_participant_id=account.participant_id, resource_type="account",
                         resource_id=account.id)
            _commit()
            session.pop("totp_enrol", None)
            flash(_("Two-factor sign-in is on. From now on you will type a code from your app "
                    "when you sign in."), "success")
            return redirect(url_for("kernel_web.index"))
        form.code.errors = [_("That code is not right. Check that your phone's time is correct "
                              "and type the code your app shows now.")]
        status = 422
    elif request.method == "POST":
        status = 422
    email = personal_data(db, registry, account.participant, fields=("email",)).email or ""
    uri = recovery.provisioning_uri(secret, email, issuer=_registry_name())
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("kernel/two_factor.html", form=form, secret=grouped, uri=uri), status


@bp.route("/account/two-factor/off", methods=["POST"])
@login_required
def two_factor_off() -> Any:
    form = ConfirmForm()
    account = current_account()
    actor = web_actor()
    assert account is not None and actor is not None
    if not form.validate_on_submit():
        abort(400)
    if actor.is_staff:
        flash(_("Registry staff cannot turn two-factor sign-in off."), "warning")
        return redirect(url_for("kernel_web.two_factor"))
    db = registry_session()
    recovery.disable_totp(account)
    audit.record(db, actor=actor, action="account.two_factor_off",
                 subject_participant_id=account.participant_id, resource_type="account",
                 resource_id=account.id)
    _commit()
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("kernel_web.index"))


# --- My privacy ------------------------------------------------------------------------------

@bp.route("/my/privacy")
@login_required
def my_privacy() -> str:
    db = registry_session()
    account = current_account()
    assert account is not None
    events = audit.trail_for(db, account.participant_id)
    org_ids = {e.actor_org_id for e in events if e.actor_org_id}
    orgs = {o.id: o.name for o in db.scalars(select(Organization)
                                             .where(Organization.id.in_(org_ids)))} \
        if org_ids else {}
    rows = []
    for event in events:
        if event.actor_account_id == account.id:
            who = str(ROLE_LABELS["participant"])
        else:
            who = str(ROLE_LABELS.get(event.actor_role or "system", event.actor_role or ""))
            if event.actor_org_id in orgs:
                who = f"{who} ({orgs[event.actor_org_id]})"
        rows.append({
            "when": event.occurred_at,
            "who": who,
            "what": str(ACTION_LABELS.get(event.action, event.action)),
            "fields": ", ".join(str(FIELD_LABELS.get(f, f)) for f in (event.fields or [])),
            "reason": event.reason or "",
        })
    return render_template("kernel/my_privacy.html", rows=rows)


# --- errors ----------------------------------------------------------------------------------

@bp.app_errorhandler(CSRFError)
def csrf_error(exc: CSRFError) -> Any:
    if request.path.startswith("/api/"):
        return exc
    return render_template("kernel/csrf_error.html"), 400



# --- set-up ----------------------------------------------------------------------------------

CSRF_EXEMPT_PATHS = frozenset({"/oauth/token", "/oauth/revoke"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def init_front_door(app: Flask) -> None:
    """Babel, the theme, CSRF on every form, and the kernel's UI blueprints.

    CSRF is checked before every unsafe request except the machine-to-machine endpoints: paths
    under ``/api/``, blueprints whose ``url_prefix`` starts with ``/api``, and the OAuth token
    and revocation endpoints (clients authenticate there, no browser cookie is involved).
    """
    from ..helpdesk import bp as helpdesk
    from ..i18n import init_babel
    from ..theme import init_theme

    init_babel(app)
    init_theme(app)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf = CSRFProtect(app)

    @app.before_request
    def _check_csrf() -> None:
        if request.method in _SAFE_METHODS or request.path.startswith("/api/") \
                or request.path in CSRF_EXEMPT_PATHS:
            return
        blueprint = app.blueprints.get(request.blueprint or "")
        if blueprint is not None and (blueprint.url_prefix or "").startswith("/api"):
            return
        csrf.protect()

    app.register_blueprint(bp)
    app.register_blueprint(helpdesk)

    @app.context_processor
    def _shell_context() -> dict[str, Any]:
        return {"nav_links": _nav_links, "signed_in_actor": web_actor,
                "sign_out_form": ConfirmForm}


def _nav_links() -> list[tuple[str, str]]:
    actor = web_actor()
    if actor is None:
        return []
    links = [(_("Home"), url_for("kernel_web.index"))]
    for label, endpoint in current_registry().plugins.collect("nav_links", actor=actor):
        url = _endpoint_url(endpoint)
        if url:
            links.append((str(label), url))
    if actor.can("participants.search"):
        links.append((_("Help desk"), url_for("helpdesk.find")))
    links.append((_("Two-factor sign-in"), url_for("kernel_web.two_factor")))
    links.append((_("My privacy"), url_for("kernel_web.my_privacy")))
    return links
