"""registry-hello: greetings left for participants (the plugin guide's example)."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel
from sqlalchemy import func, select

from registry_kernel import PluginInfo, QuickLink, hookimpl
from registry_kernel.api import api_route
from registry_kernel.web import registry_session

from .models import Greeting

PLUGIN = PluginInfo(name="hello", version="1.0.0",
                    description="Greets participants; shows how a plugin is built")

bp = Blueprint("hello_api", __name__, url_prefix="/api/v1")


class HelloOut(BaseModel):
    message: str
    greetings: int


@api_route(bp, "/hello", public=True, response=HelloOut, summary="Say hello", tags=["hello"])
def hello() -> dict[str, object]:
    count = registry_session().scalar(select(func.count()).select_from(Greeting)) or 0
    return {"message": "Hello from a plugin", "greetings": count}


@hookimpl
def blueprints() -> Blueprint:
    return bp


@hookimpl
def quick_links(actor, participant):  # type: ignore[no-untyped-def]
    return QuickLink(key="hello", label="Say hello", endpoint="hello_api.hello", color="#7a4fa0")


@hookimpl
def demo_data(session, registry, demo):  # type: ignore[no-untyped-def]
    for account in demo.accounts.values():
        session.add(Greeting(participant_id=account.participant_id, message="Welcome!"))
