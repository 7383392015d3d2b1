"""``registry training ...``: languages and sponsor decisions from the command line."""

from __future__ import annotations

from typing import Any

import click

from registry_kernel.cli import _ctx_app, _print_json, fail
from registry_kernel.db import unit_of_work


@click.group(help="Training: languages and sponsors")
def training() -> None:
    pass


@training.group(help="Languages trainings are given in (BCP 47 codes)")
def languages() -> None:
    pass


@languages.command("list", help="The registry's training languages, as JSON")
@click.pass_context
def languages_list(ctx: click.Context) -> None:
    from . import services as svc

    registry = _ctx_app(ctx).extensions["registry"]
    with unit_of_work(registry.sessions, write=False) as session:
        _print_json([{"code": lang.code, "label": lang.label, "active": lang.is_active}
                     for lang in svc.languages(session, active_only=False)])


@languages.command("add", help="Add (or re-activate) a training language")
@click.argument("code")
@click.argument("label")
@click.pass_context
def languages_add(ctx: click.Context, code: str, label: str) -> None:
    from . import services as svc

    registry = _ctx_app(ctx).extensions["registry"]
    try:
        with unit_of_work(registry.sessions) as session:
            language = svc.add_language(session, code, label)
            result: dict[str, Any] = {"code": language.code, "label": language.label}
    except svc.TrainingError as exc:
        fail(exc.detail)
    _print_json(result)
