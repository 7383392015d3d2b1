"""Configuration: an optional TOML file named by ``REGISTRY_CONFIG``, overridden by environment.

Each plugin reads only its own ``[plugins.<name>]`` section; the kernel validates it at start-up
against the plugin's ``CONFIG`` model (see :mod:`registry_kernel.plugins`).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The registry's own time zone unless ``[registry] timezone`` says otherwise (see clock.py).
DEFAULT_TIMEZONE = "America/Los_Angeles"


class ConfigError(RuntimeError):
    """The configuration cannot start a registry; the message says what to fix."""


@dataclass
class Settings:
    """Everything the kernel reads from the environment and the TOML file."""

    instance_path: Path
    database_url: str
    plugins: list[str] | None  # None: every built-in plugin
    secret_key: str | None
    master_key: str | None  # "kid:base64key[,kid:base64key...]", first is primary
    index_key: str | None
    production: bool = False
    mail_backend: str = "folder"  # folder | console | smtp
    smtp: dict[str, Any] = field(default_factory=dict)
    base_url: str = "http://127.0.0.1:5000"
    registry_name: str = "Open ECE Workforce Registry"
    theme_path: Path | None = None
    timezone: str = DEFAULT_TIMEZONE
    grade_threshold_report: str = "C-"
    grade_threshold_permit: str = "C"
    drain_outbox_in_process: bool = True
    proxy_hops: int = 0  # reverse proxies in front whose X-Forwarded-* headers are trusted
    session_hours: int = 12  # a web sign-in lasts at most this long (then sign in again)
    database_pool: dict[str, int] = field(default_factory=dict)  # [database] pool settings
    plugin_sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def plugin_config(self, name: str) -> dict[str, Any]:
        """The raw ``[plugins.<name>]`` section (validated by the plugin manager)."""
        return dict(self.plugin_sections.get(name, {}))


def _read_toml(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"REGISTRY_CONFIG names {path!r}, which does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"REGISTRY_CONFIG file {path!r} is not valid TOML: {exc}") from exc


def _env_or(env: dict[str, str], name: str, file_value: Any) -> Any:
    value = env.get(f"REGISTRY_{name.upper()}")
    return value if value not in (None, "") else file_value


def _secret(env: dict[str, str], name: str, file_value: Any) -> str | None:
    """A secret from ``REGISTRY_<NAME>`` or from the file named by ``REGISTRY_<NAME>_FILE``."""
    direct = _env_or(env, name, file_value)
    if direct:
        return str(direct)
    path = env.get(f"REGISTRY_{name.upper()}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"REGISTRY_{name.upper()}_FILE: cannot read {path!r}: {exc}") from exc
    return None


POOL_SETTINGS = ("pool_size", "max_overflow", "pool_timeout", "pool_recycle")


def _whole_number(name: str, value: Any, *, minimum: int) -> int:
    """A configured count that must be a whole number of at least ``minimum``."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    return number


def _database_pool(env: dict[str, str], section: dict[str, Any]) -> dict[str, int]:
    """``[database]`` pool settings, each overridable by ``REGISTRY_DATABASE_<NAME>``."""
    unknown = sorted(set(section) - set(POOL_SETTINGS))
    if unknown:
        raise ConfigError(f"[database] has unknown settings {unknown}; "
                          f"known: {list(POOL_SETTINGS)}")
    pool: dict[str, int] = {}
    for name in POOL_SETTINGS:
        value = _env_or(env, f"database_{name}", section.get(name))
        if value is not None:
            pool[name] = _whole_number(f"[database] {name}", value,
                                       minimum=-1 if name == "pool_recycle" else
                                       (1 if name in ("pool_size", "pool_timeout") else 0))
    return pool


def load_settings(overrides: dict[str, Any] | None = None,
                  env: dict[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from file, environment and explicit overrides (tests, CLI)."""
    env = dict(os.environ if env is None else env)
    overrides = dict(overrides or {})
    data = _read_toml(overrides.pop("config_file", None) or env.get("REGISTRY_CONFIG"))
    registry = data.get("registry", {})

    instance = Path(overrides.pop("instance_path", None)
                    or _env_or(env, "instance_path", registry.get("instance_path"))
                    or Path.cwd() / "instance").resolve()
    database_url = (overrides.pop("database_url", None)
                    or _env_or(env, "database_url", registry.get("database_url"))
                    or f"sqlite:///{instance / 'registry.sqlite3'}")
    plugins_raw = overrides.pop("plugins", None)
    if plugins_raw is None:
        plugins_raw = _env_or(env, "plugins", registry.get("plugins"))
    if isinstance(plugins_raw, str):
        plugins = [name.strip() for name in plugins_raw.split(",") if name.strip()]
    elif plugins_raw is None:
        plugins = None
    else:
        plugins = list(plugins_raw)

    mode = str(_env_or(env, "mode", registry.get("mode", "development"))).lower()
    if mode not in ("development", "production"):
        raise ConfigError(f"REGISTRY_MODE must be 'development' or 'production', not {mode!r}")

    theme = _env_or(env, "theme_path", registry.get("theme_path"))
    settings = Settings(
        instance_path=instance,
        database_url=str(database_url),
        plugins=plugins,
        secret_key=_secret(env, "secret_key", registry.get("secret_key")),
        master_key=_secret(env, "master_key", registry.get("master_key")),
        index_key=_secret(env, "index_key", registry.get("index_key")),
        production=mode == "production",
        mail_backend=str(_env_or(env, "mail_backend", data.get("mail", {}).get("backend", "folder"))),
        smtp={k: v for k, v in data.get("mail", {}).items() if k != "backend"},
        base_url=str(_env_or(env, "base_url", registry.get("base_url", "http://127.0.0.1:5000"))),
        registry_name=str(registry.get("name", "Open ECE Workforce Registry")),
        theme_path=Path(theme) if theme else None,
        timezone=str(registry.get("timezone", DEFAULT_TIMEZONE)),
        grade_threshold_report=str(registry.get("grade_threshold_report", "C-")),
        grade_threshold_permit=str(registry.get("grade_threshold_permit", "C")),
        drain_outbox_in_process=bool(registry.get("drain_outbox_in_process", True)),
        proxy_hops=_whole_number("proxy_hops", _env_or(env, "proxy_hops",
                                                       registry.get("proxy_hops", 0)), minimum=0),
        session_hours=_whole_number("session_hours", _env_or(
            env, "session_hours", registry.get("session_hours", 12)), minimum=1),
        database_pool=_database_pool(env, dict(data.get("database", {}))),
        plugin_sections=dict(data.get("plugins", {})),
    )
    for key, value in overrides.items():
        if key == "plugin_sections":
            settings.plugin_sections.update(value)
        elif hasattr(settings, key):
            setattr(settings, key, value)
        else:
            settings.extra[key] = value
    if settings.mail_backend not in ("folder", "console", "smtp", "memory"):
        raise ConfigError(f"mail backend must be folder, console, smtp or memory, "
                          f"not {settings.mail_backend!r}")
    _check_timezone(settings.timezone)
    return settings


def _check_timezone(name: str) -> None:
    """Refuse to start with a time zone the machine does not know (a typo would otherwise
    surface as a 500 on the first page that shows a date)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"[registry] timezone {name!r} is not a known time zone "
                          f"(use an IANA name such as America/Los_Angeles)") from exc
