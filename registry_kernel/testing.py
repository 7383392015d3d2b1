"""The kernel's pytest plugin (entry point ``pytest11``): test a plugin alone or with others.

Fixtures:

* ``make_app(plugins=[...], extra_plugins=(...), **settings)``: an app on a database built from
  the real migrations (once per test session), with every test rolled back afterwards.
* ``fresh_database``: a new, migrated, really-committing database for tests that need threads,
  a live server or migration history (SQLite file or a throw-away PostgreSQL database).
* ``factory``: makes organizations, accounts, participants and bearer tokens.
* ``TestLogin`` + ``WebClient(app, account)``: a signed-in test client that posts forms with CSRF.
* ``--registry-clock ISO_TIME``: run the suite at another moment (year ends, DST, evenings).
* ``local_evening()``: an instant in the registry's evening, when its date and UTC's differ.
* ``live_server``, ``chromium``, ``page``, ``phone_page``, ``axe_check``: browser tests against
  a live registry (:mod:`registry_kernel.testing_live`).

The database is SQLite unless ``REGISTRY_TEST_DATABASE_URL`` names another (PostgreSQL in CI).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from .clock import zone
from .config import DEFAULT_TIMEZONE
from .crypto import generate_key_text
from .hookspecs import hookimpl
from .web import writes_on_get

TEST_KEYS = {
    "secret_key": "test-secret-key-" + "x" * 40,
    "master_key": f"test1:{generate_key_text()}",
    "index_key": generate_key_text(),
}


def _base_url(tmp_root: Path) -> str:
    return os.environ.get("REGISTRY_TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'test.sqlite3'}"


def create_database(base_url: str, tmp_root: Path) -> str:
    """A new empty database next to ``base_url`` (same server for PostgreSQL)."""
    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_root / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
    name = f"{url.database}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url_text: str, base_url: str) -> None:
    url = make_url(url_text)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def test_settings(database_url: str, instance: Path, **overrides: Any) -> dict[str, Any]:
    settings = {"database_url": database_url, "instance_path": str(instance),
                "mail_backend": "memory", "quiet_dev_keys": True, **TEST_KEYS}
    settings.update(overrides)
    return settings


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def migrate(database_url: str, instance: Path, plugins: list[str] | None = None) -> None:
    """Build the schema from the real migrations (no Flask app needed)."""
    from . import core_hooks
    from .config import load_settings
    from .migrate import upgrade
    from .plugins import load_plugins
    from .runtime import Registry

    settings = load_settings(test_settings(database_url, instance, plugins=plugins))
    registry = Registry(settings, load_plugins(settings, extra=(core_hooks,)))
    upgrade(registry)
    registry.engine.dispose()


@pytest.fixture(scope="session")
def registry_test_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("registry")


@pytest.fixture(scope="session")
def registry_database(registry_test_root: Path) -> Iterator[str]:
    """One database per test session, migrated with every built-in plugin."""
    base = _base_url(registry_test_root)
    url = create_database(base, registry_test_root)
    migrate(url, registry_test_root / "instance")
    yield url
    drop_database(url, base)


@pytest.fixture
def make_app(registry_database: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps whose every change is rolled back when the test ends."""
    apps: list[tuple[Any, Any, Any]] = []

    def build(plugins: list[str] | None = None, extra_plugins: tuple[Any, ...] = (),
              **overrides: Any) -> Flask:
        from .app import create_app

        app = create_app(test_settings(registry_database, tmp_path / "instance",
                                       plugins=plugins, **overrides),
                         extra_plugins=extra_plugins)
        app.config["TESTING"] = True
        registry = app.extensions["registry"]
        connection = registry.engine.connect()
        outer = connection.begin()
        registry.sessions = sessionmaker(bind=connection, expire_on_commit=False,
                                         join_transaction_mode="create_savepoint")
        apps.append((registry, connection, outer))
        app.extensions["registry_test_connection"] = connection
        return app

    yield build
    for registry, connection, outer in apps:
        outer.rollback()
        connection.close()
        registry.engine.dispose()  # no pooled connections outlive the test


@pytest.fixture
def fresh_database(registry_test_root: Path, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Make new migrated databases that really commit; dropped after the test."""
    base = _base_url(registry_test_root)
    made: list[str] = []

    def build(plugins: list[str] | None = None, migrated: bool = True) -> str:
        url = create_database(base, tmp_path)
        made.append(url)
        if migrated:
            migrate(url, tmp_path / "instance", plugins)
        return url

    yield build
    for url in made:
        drop_database(url, base)


@dataclass
class Factory:
    """Test data through the kernel's own services."""

    app: Flask
    counter: int = 0

    @property
    def registry(self) -> Any:
        return self.app.extensions["registry"]

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def org(self, kind: str = "rr_agency", county: str | None = "Alameda", **kw: Any) -> Any:
        from .db import unit_of_work
        from .organizations import create_organization

        with unit_of_work(self.registry.sessions) as session:
            return create_organization(session, name=kw.pop("name", f"Org {self._next()}"),
                                       kind=kind, county=county, **kw)

    def account(self, role: str = "participant", org: Any = None, **kw: Any) -> Any:
        from .accounts import create_account
        from .db import unit_of_work
        from .models import Organization

        n = self._next()
        with unit_of_work(self.registry.sessions) as session:
            organization = session.get(Organization, org.id) if org is not None else None
            email = kw.pop("email", f"person{n}-{uuid.uuid4().hex[:6]}@example.org")
            account = create_account(
                session, self.registry, email=email,
                password=kw.pop("password", "correct horse battery"),
                first_name=kw.pop("first_name", f"First{n}"),
                last_name=kw.pop("last_name", f"Last{n}"), role=role, organization=organization,
                verified=kw.pop("verified", True), **kw)
            account.participant  # noqa: B018 - load before the session closes
            return account

    def participant(self, **kw: Any) -> Any:
        from .db import unit_of_work
        from .participants import create_participant

        n = self._next()
        with unit_of_work(self.registry.sessions) as session:
            return create_participant(
                session, self.registry, first_name=kw.pop("first_name", f"First{n}"),
                last_name=kw.pop("last_name", f"Last{n}"),
                email=kw.pop("email", f"p{n}-{uuid.uuid4().hex[:6]}@example.org"), **kw)

    def token(self, account: Any, scopes: str | list[str], org: Any = None,
              ttl: int = 3600) -> str:
        from .auth.tokens import issue_account_token
        from .db import unit_of_work
        from .models import Account

        scope_list = scopes.split() if isinstance(scopes, str) else list(scopes)
        with unit_of_work(self.registry.sessions) as session:
            plaintext, _ = issue_account_token(session, self.registry,
                                               session.get(Account, account.id), scope_list,
                                               ttl=ttl, organization_id=org.id if org else None)
        return plaintext

    def client(self, org: Any, scopes: str, name: str = "Agency system",
               redirect_uris: list[str] | None = None) -> tuple[str, str]:
        from .db import unit_of_work
        from .oauth import create_client

        with unit_of_work(self.registry.sessions) as session:
            return create_client(session, self.registry, organization_id=org.id, name=name,
                                 scopes=scopes.split(), redirect_uris=redirect_uris or [])

    def client_token(self, org: Any, scopes: str) -> str:
        client_id, secret = self.client(org, scopes)
        response = self.app.test_client().post("/oauth/token", data={
            "grant_type": "client_credentials", "scope": scopes},
            auth=(client_id, secret))
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]


@pytest.fixture
def factory(make_app: Callable[..., Flask]) -> Factory:
    """A factory over an app with every built-in plugin enabled."""
    return Factory(make_app())


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--registry-clock", metavar="ISO_TIME", default=None,
        help="run every test as if it were this time (it keeps ticking), e.g. "
             "2026-12-31T23:30:00-08:00: New Year's Eve in California, already next year in "
             "UTC. Needs time-machine; browser tests are skipped (Chromium keeps real time).")


BROWSER_FIXTURES = {"chromium", "live_server", "page", "phone_page"}


def pytest_configure(config: pytest.Config) -> None:
    """With ``--registry-clock``, the whole run (collection included, so module constants
    such as "a week from now" agree) happens at that moment; the server stays on UTC."""
    moment = config.getoption("--registry-clock", None)
    if moment:
        import time_machine

        traveller = time_machine.travel(datetime.fromisoformat(moment).astimezone(UTC),
                                        tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


@pytest.fixture(autouse=True)
def _registry_clock(request: pytest.FixtureRequest) -> None:
    """Browser tests cannot run at another moment: Chromium keeps the real time."""
    if request.config.getoption("--registry-clock") and (
            request.node.get_closest_marker("browser")
            or BROWSER_FIXTURES & set(request.fixturenames)):
        pytest.skip("--registry-clock: Chromium keeps the real time")


def local_evening(zone_name: str = DEFAULT_TIMEZONE, hour: int = 19) -> datetime:
    """The latest ``hour`` o'clock in ``zone_name`` at or before now: in California's evening
    a server on UTC is already in tomorrow, so date rules tested then show whose "today" they
    use. It lies in the past, so tokens issued before the travel are still valid. Travel to
    it in UTC, ``time_machine.travel(evening.astimezone(UTC))``: given a ZoneInfo time,
    time-machine also moves the process's local zone there and hides server-date bugs."""
    now = datetime.now(zone(zone_name))
    evening = now.replace(hour=hour, minute=30, second=0, microsecond=0)
    return evening if evening <= now else evening - timedelta(days=1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- signed-in web clients ------------------------------------------------------------------

_login_routes = Blueprint("kernel_test_login", __name__)


@_login_routes.get("/_test/login/<int:account_id>")
@writes_on_get
def _test_login(account_id: int) -> str:
    from .auth.session import login_user
    from .models import Account
    from .web import registry_session

    session = registry_session()
    login_user(session.get(Account, account_id))
    session.commit()
    return "signed in"


@_login_routes.get("/_test/csrf")
def _test_csrf() -> str:
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()


def sign_in_test_client(client: Any, account: Any) -> Any:
    """Put ``account``'s sign-in into a Flask test client's session cookie, as ``login_user``
    would (account, session epoch and a fresh nonce); returns the client."""
    import secrets

    with client.session_transaction() as session:
        session["account_id"] = account.id
        session["epoch"] = account.session_epoch
        session["nonce"] = secrets.token_urlsafe(16)
    return client


class TestLogin:
    """A throw-away plugin for tests: ``/_test/login/<account id>`` signs that account in
    (no password, no two-factor) and ``/_test/csrf`` gives the session's CSRF token. Pass it
    as ``make_app(extra_plugins=(TestLogin(),))``; never enable it in a real registry."""

    __test__ = False

    @hookimpl
    def blueprints(self) -> Any:
        return _login_routes


class WebClient:
    """A test client signed in as ``account`` (app built with :class:`TestLogin`) whose POSTs
    carry the session's CSRF token, as a browser's do."""

    __test__ = False

    def __init__(self, app: Flask, account: Any = None) -> None:
        self.client = app.test_client()
        self._token: str | None = None
        if account is not None:
            assert self.client.get(f"/_test/login/{account.id}").status_code == 200

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self.client.get(*args, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True,
             **kwargs: Any) -> Any:
        data = dict(data or {})
        if csrf:
            if self._token is None:
                self._token = self.client.get("/_test/csrf").get_data(as_text=True).strip()
            data["csrf_token"] = self._token
        return self.client.post(path, data=data, **kwargs)


from .testing_live import (  # noqa: E402,F401 - fixtures of this pytest plugin
    LiveServer,
    axe_check,
    chromium,
    live_server,
    new_page,
    page,
    phone_page,
)
