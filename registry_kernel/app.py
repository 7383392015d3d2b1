"""The Flask application factory."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import clock, core_hooks
from .api import register_error_handlers
from .config import Settings, load_settings
from .plugins import load_plugins
from .runtime import Registry
from .submit_once import init_submit_once
from .web import init_request_handling

KERNEL_DIR = Path(__file__).parent
MAX_DATABASE_INT = 2**63 - 1


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` that only matches ids a database column can hold (larger ones are 404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DATABASE_INT)
        super().__init__(map, *args, **kwargs)


def create_app(overrides: dict[str, Any] | None = None, *, settings: Settings | None = None,
               extra_plugins: tuple[Any, ...] = (), engine: Any = None) -> Flask:
    """Build a registry app: settings, plugins, database, UI and API.

    ``overrides`` replace settings (tests, CLI); ``extra_plugins`` are plugin objects registered
    beside the enabled ones (tests' throw-away plugins).
    """
    settings = settings or load_settings(overrides)
    manager = load_plugins(settings, extra=(core_hooks, *extra_plugins))
    registry = Registry(settings, manager, engine=engine)

    app = Flask("registry_kernel", instance_path=str(settings.instance_path),
                template_folder=str(KERNEL_DIR / "templates"),
                static_folder=str(KERNEL_DIR / "static"))
    app.url_map.converters["int"] = DatabaseIntConverter
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="__Host-registry" if settings.production else "registry",
        SESSION_COOKIE_SECURE=settings.production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Flask refuses a session cookie signed longer ago than this: an absolute sign-in limit
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        MAX_CONTENT_LENGTH=int(settings.extra.get("max_content_length", 25 * 1024 * 1024)),
        JSON_SORT_KEYS=False,
        REGISTRY_SETTINGS=settings,
    )
    app.extensions["registry"] = registry
    registry.app = app  # background jobs (outbox handlers) that need an app context
    if settings.theme_path is not None:
        app.jinja_loader = ChoiceLoader([FileSystemLoader(str(settings.theme_path / "templates")),
                                         app.jinja_loader])  # type: ignore[list-item]

    @app.context_processor
    def _registry_context() -> dict[str, Any]:
        return {"registry_name": settings.registry_name}

    if settings.proxy_hops:
        # Behind N trusted reverse proxies: client address, scheme, host and port come from
        # their X-Forwarded-* headers (sign-in limits count per real client address).
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops, x_port=hops)
    init_request_handling(app)
    init_submit_once(app)
    app.jinja_env.filters["local_date"] = clock.local_date_text
    register_error_handlers(app)
    from .auth.views import init_front_door

    init_front_door(app)

    from .api_views import bp as kernel_api

    app.register_blueprint(kernel_api)
    from .reports import bp as kernel_reports

    app.register_blueprint(kernel_reports)
    from .report_runs_web import bp as kernel_report_runs

    app.register_blueprint(kernel_report_runs)
    for blueprint in manager.collect("blueprints"):
        app.register_blueprint(blueprint)
    from .oauth import init_oauth

    init_oauth(app)
    manager.hook.registry_startup(app=app, registry=registry)
    return app
