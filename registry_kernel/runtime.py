"""The running registry: settings, plugins, database, keys, vault and outbox in one object."""

from __future__ import annotations

import sys
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from .config import ConfigError, Settings
from .crypto import BlindIndexer, CryptoError, KeyRing, load_or_create_dev_keys, parse_index_key
from .db import make_engine, make_session_factory
from .extension import Event, Scope
from .outbox import Outbox
from .plugins import RegistryPluginManager
from .vault import Vault


def resolve_keys(settings: Settings) -> None:
    """Fill in development keys, or refuse to start in production without real ones."""
    missing = [name for name in ("secret_key", "master_key", "index_key")
               if not getattr(settings, name)]
    if not missing:
        return
    if settings.production:
        raise ConfigError("production mode needs real keys; missing: "
                          + ", ".join(f"REGISTRY_{m.upper()}" for m in missing)
                          + " (see docs/security.md)")
    keys = load_or_create_dev_keys(settings.instance_path / "keys")
    for name in missing:
        setattr(settings, name, keys[name])
    if not settings.extra.get("quiet_dev_keys"):
        sys.stderr.write(f"registry: development mode, using generated keys in "
                         f"{settings.instance_path / 'keys'} (never use these in production)\n")


class Registry:
    """Everything a request, a CLI command or a worker needs, created once per app."""

    def __init__(self, settings: Settings, plugins: RegistryPluginManager,
                 engine: Engine | None = None) -> None:
        resolve_keys(settings)
        self.settings = settings
        self.plugins = plugins
        self.engine = engine or make_engine(settings.database_url, **settings.database_pool)
        self.sessions = make_session_factory(self.engine)
        try:
            keyring = KeyRing.parse(settings.master_key or "")
            indexer = BlindIndexer(parse_index_key(settings.index_key or ""))
        except CryptoError as exc:
            raise ConfigError(f"key configuration: {exc}") from exc
        if settings.production and settings.secret_key and len(settings.secret_key) < 32:
            raise ConfigError("REGISTRY_SECRET_KEY must be at least 32 characters in production")
        self.vault = Vault(keyring, indexer)
        self.outbox = Outbox(self)
        self.sent_mail: list[EmailMessage] = []
        self.app: Any = None  # the Flask app built around this registry (create_app sets it)
        self.permission_roles: dict[str, tuple[str, ...]] = {}
        for permission in plugins.collect("permissions"):
            self.permission_roles[permission.name] = tuple(
                {*self.permission_roles.get(permission.name, ()), *permission.roles})
        self.scopes: dict[str, Scope] = {s.name: s for s in plugins.collect("oauth_scopes")}
        self.event_types: set[str] = set(plugins.collect("event_types"))

    def plugin_config(self, name: str) -> Any:
        return self.plugins.plugin_config(name)

    def emit(self, session: Session, type_: str, data: dict[str, Any]) -> Event:
        from .events import emit

        return emit(session, self, type_, data)

    def is_active_in_county(self, plugin: str, county: str | None) -> bool:
        """Whether a county-scoped plugin is switched on for ``county``."""
        from .counties import is_active

        with self.sessions() as session:
            return is_active(session, self, plugin, county)
