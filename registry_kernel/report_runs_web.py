"""My reports: the reports a signed-in person asked to be built in the background (a plugin's
report page queues them with :func:`queue_from_page`), with their status and the workbook."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, url_for

from . import report_runs as runs
from .auth.actor import Actor
from .auth.session import login_required, web_actor
from .reports import queue_run, run_file_response
from .web import current_registry, registry_session

bp = Blueprint("kernel_report_runs", __name__)


def queue_from_page(actor: Actor, name: str, params: dict[str, Any]) -> Any:
    """Queue report ``name`` for the signed-in ``actor`` (parameters already checked by the
    page), commit, and send them to My reports."""
    queue_run(actor, name, params)
    return redirect(url_for("kernel_report_runs.my_reports"), 303)


@bp.get("/my/reports")
@login_required
def my_reports() -> Any:
    actor = web_actor()
    assert actor is not None
    items = runs.runs_of(registry_session(), actor)
    titles = {d.name: str(d.title)
              for d in current_registry().plugins.collect("report_definitions")}
    return render_template("kernel/my_reports.html", runs=items, titles=titles,
                           waiting=any(r.status == "queued" for r in items))


@bp.get("/my/reports/<run_id>.xlsx")
@login_required
def my_report_file(run_id: str) -> Response:
    session, actor = registry_session(), web_actor()
    assert actor is not None
    run = runs.get_run(session, run_id, actor)
    if run is None or run.status != "done":
        abort(404)
    return run_file_response(session, actor, run)
