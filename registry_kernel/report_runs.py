"""Reports built in the background: ask now, download when ready.

A large export (the Direct Service Profile of a big sponsor runs to a hundred thousand rows and
13-18 s, ``docs/performance.md``) should not hold a web request open behind a proxy's timeout.
``request_run`` records who asked for which report with which parameters and queues an outbox
message; a worker (``registry worker``, or ``registry serve``'s outbox thread) builds the
workbook exactly as the direct download does, as the same actor with their roles of that
moment, and stores it encrypted with a key of its own, wrapped under the master key ring and
bound to the run. Only the person (or the organization's client) who asked can read the run;
it is deleted ``KEEP`` after it was asked for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import audit
from .crypto import decrypt_value, encrypt_value, new_data_key
from .db import unit_of_work, utcnow
from .models import Account, OAuthToken, ReportRun
from .outbox import enqueue

if TYPE_CHECKING:
    from .auth.actor import Actor
    from .extension import ReportDefinition
    from .models import OutboxMessage
    from .runtime import Registry

log = logging.getLogger(__name__)

KIND = "report.run"
UNEXPECTED = ("the report could not be built because of an unexpected error (it has been "
              "logged); ask for it again later")
KEEP = timedelta(days=7)
DATE_PARAMS = ("from", "to")


class RunProblem(Exception):
    """The report could not be built for its requester (the message says why, in their terms)."""


def _binding(run_id: str) -> str:
    return f"report_runs:{run_id}"


def request_run(session: Session, actor: Actor, name: str, params: dict[str, Any], *,
                language: str) -> ReportRun:
    """Queue report ``name`` with ``params`` for ``actor`` (the caller checked the scopes); a
    token's run is built only while the token is not revoked."""
    run = ReportRun(name=name, params=_stored(params), account_id=actor.account_id,
                    token_id=actor.token_id, client_id=actor.client_id, via=actor.via,
                    language=language, status="queued",
                    expires_at=utcnow() + KEEP)
    session.add(run)
    session.flush()
    enqueue(session, KIND, {"run_id": run.id})
    audit.record(session, actor=actor, action="report.request", resource_type="report",
                 resource_id=name, reason=f"run {run.id}")
    return run


def _stored(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}


def _loaded(params: dict[str, Any]) -> dict[str, Any]:
    return {k: date.fromisoformat(v) if k in DATE_PARAMS and v else v
            for k, v in params.items()}


def visible_to(run: ReportRun, actor: Actor) -> bool:
    """Whether ``actor`` asked for ``run``: the same account, or for an organization's client
    (no account), the same client."""
    if run.account_id is not None:
        return actor.account_id == run.account_id
    return actor.via == "client" and actor.client_id == run.client_id


def get_run(session: Session, run_id: str, actor: Actor) -> ReportRun | None:
    """The run, if it exists, has not expired and ``actor`` asked for it."""
    run = session.get(ReportRun, run_id)
    if run is None or run.expires_at <= utcnow() or not visible_to(run, actor):
        return None
    return run


def runs_of(session: Session, actor: Actor, limit: int = 50) -> list[ReportRun]:
    """The actor's unexpired runs, newest first."""
    query = select(ReportRun).where(ReportRun.expires_at > utcnow())
    if actor.account_id is not None:
        query = query.where(ReportRun.account_id == actor.account_id)
    else:
        query = query.where(ReportRun.account_id.is_(None),
                            ReportRun.client_id == actor.client_id)
    return list(session.scalars(query.order_by(ReportRun.created_at.desc(), ReportRun.id)
                                .limit(limit)))


def run_json(run: ReportRun) -> dict[str, Any]:
    return {"id": run.id, "report": run.name, "status": run.status, "params": run.params,
            "rows": run.rows, "error": run.error,
            "created_at": run.created_at.isoformat().replace("+00:00", "Z"),
            "finished_at": run.finished_at.isoformat().replace("+00:00", "Z")
            if run.finished_at else None,
            "expires_at": run.expires_at.isoformat().replace("+00:00", "Z")}


def open_content(registry: Registry, run: ReportRun) -> bytes:
    """The finished workbook's bytes."""
    if run.content is None or run.content_key is None or run.content_kek_id is None:
        raise RunProblem("the report is not ready")
    binding = _binding(run.id).encode()
    dek = registry.vault.keyring.unwrap(run.content_kek_id, run.content_key, _binding(run.id))
    return decrypt_value(dek, _dek_id(run), run.content, binding)


def _dek_id(run: ReportRun) -> bytes:
    return run.id.encode()[:8]  # one data key per run: the run's id names it


def _seal(registry: Registry, run: ReportRun, data: bytes) -> None:
    dek, _unused = new_data_key()
    run.content_kek_id, run.content_key = registry.vault.keyring.wrap(dek, _binding(run.id))
    run.content = encrypt_value(dek, _dek_id(run), data, _binding(run.id).encode())


def rewrap_keys(session: Session, registry: Registry) -> int:
    """Re-wrap finished runs' keys under the primary master key (after a rotation); commits and
    returns how many. Runs live a week, so they are few: one batch."""
    keyring = registry.vault.keyring
    runs = session.scalars(select(ReportRun).where(
        ReportRun.content_kek_id.is_not(None), ReportRun.content_kek_id != keyring.primary)).all()
    for run in runs:
        dek = keyring.unwrap(run.content_kek_id, run.content_key, _binding(run.id))
        run.content_kek_id, run.content_key = keyring.wrap(dek, _binding(run.id))
    session.commit()
    return len(runs)


def _actor(session: Session, registry: Registry, run: ReportRun) -> Actor:
    """The requester as they are now (roles or a revoked token count; an expired one not)."""
    from .auth.actor import actor_for_account
    from .auth.tokens import actor_for_token

    if run.via in ("token", "client"):
        token = session.get(OAuthToken, run.token_id) if run.token_id is not None else None
        actor = actor_for_token(session, registry, token) if token is not None else None
    else:
        account = session.get(Account, run.account_id) if run.account_id is not None else None
        actor = None if account is None or not account.is_active else actor_for_account(
            session, account, permission_roles=registry.permission_roles)
    if actor is None:
        raise RunProblem("the account or token that asked for this report is no longer valid")
    return actor


def _definition(registry: Registry, name: str) -> ReportDefinition:
    for definition in registry.plugins.collect("report_definitions"):
        if definition.name == name:
            return definition
    raise RunProblem(f"no report named {name!r} (its plugin is no longer enabled)")


def build_run(registry: Registry, message: OutboxMessage) -> None:
    """Outbox handler: build the run's workbook (or record why it cannot be built).

    The build only reads, in a read-only session (on SQLite it takes no write lock, however
    long it runs; what it audits is written in short transactions of its own, as in a GET
    request); the result is stored afterwards in a short write transaction."""
    with unit_of_work(registry.sessions) as session:
        purge_expired(session)
    run_id = message.payload["run_id"]
    with registry.app.app_context():
        outcome = _build(registry, run_id)
    if outcome is None:
        return
    with unit_of_work(registry.sessions) as session:
        run = session.get(ReportRun, run_id)
        if run is None or run.status != "queued":
            return  # purged meanwhile, or stored by another delivery of the message
        if isinstance(outcome, _Built):
            _seal(registry, run, outcome.data)
            run.rows, run.status = outcome.rows, "done"
        else:
            run.status, run.error = "failed", outcome[:500]
        run.finished_at = utcnow()


@dataclass(frozen=True)
class _Built:
    data: bytes
    rows: int


def _build(registry: Registry, run_id: str) -> _Built | str | None:
    """The workbook (headings in the requester's language), or why it cannot be built
    (None: nothing to build any more)."""
    from flask_babel import force_locale

    from .api import ProblemError
    from .read_only import mark_read_only

    session = mark_read_only(registry.sessions())
    try:
        run = session.get(ReportRun, run_id)
        if run is None or run.status != "queued":
            return None  # expired and purged, or built by an earlier delivery
        try:
            with force_locale(run.language):
                return _built(session, registry, run)
        except (RunProblem, ProblemError) as exc:
            return _detail(exc)
        except Exception:  # a bug in a report: say so, instead of "being prepared" for a week
            log.exception("report run %s (%s) failed", run_id, run.name)
            return UNEXPECTED
    finally:
        session.rollback()
        session.close()


def _built(session: Session, registry: Registry, run: ReportRun) -> _Built:
    """Build the run's workbook as its requester (raises RunProblem or ProblemError)."""
    from .reports import write_xlsx

    actor = _actor(session, registry, run)
    definition = _definition(registry, run.name)
    if not actor.has_scope(definition.scope):
        raise RunProblem(f"this token lacks the scope {definition.scope!r}")
    counted = _Counted(definition.build(session, registry, actor, _loaded(run.params)))
    data = write_xlsx(definition.title, definition.columns, counted).read()
    audit.record(session, actor=actor, action="report.export", resource_type="report",
                 resource_id=run.name, reason=f"run {run.id}: " + ", ".join(
                     f"{k}={v}" for k, v in sorted(run.params.items())))
    return _Built(data, counted.rows)


def _detail(exc: Exception) -> str:
    detail = getattr(exc, "detail", None) or str(exc)
    errors = getattr(exc, "errors", None)
    if errors:
        detail += " (" + "; ".join(f"{k}: {v}" for k, v in errors.items()) + ")"
    return detail


class _Counted:
    """Rows passed through, counted."""

    def __init__(self, rows: Any) -> None:
        self._rows, self.rows = rows, 0

    def __iter__(self) -> Any:
        for row in self._rows:
            self.rows += 1
            yield row


def purge_expired(session: Session) -> int:
    """Delete runs past ``expires_at`` (their workbooks with them)."""
    return session.execute(delete(ReportRun).where(ReportRun.expires_at <= utcnow())).rowcount
