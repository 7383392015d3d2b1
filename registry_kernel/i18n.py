"""Languages of the web UI (Flask-Babel): English, Spanish and Traditional Chinese.

The page's language comes, in order, from ``?lang=`` (which is also remembered in the session),
the session, the signed-in account's saved choice, then the browser's ``Accept-Language``.
Translations live in ``registry_kernel/translations`` and, for plugins, in a ``translations``
folder beside the plugin's ``__init__.py`` (same ``messages`` domain).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, request, session
from flask_babel import Babel

# Babel locale name -> (BCP 47 tag for html lang, name in that language)
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("en", "English"),
    "es": ("es", "Español"),
    "zh_Hant": ("zh-Hant", "繁體中文"),
}
_ALIASES = {"en": "en", "es": "es", "zh_hant": "zh_Hant", "zh-hant": "zh_Hant", "zh_tw": "zh_Hant",
            "zh-tw": "zh_Hant", "zh_hk": "zh_Hant", "zh-hk": "zh_Hant", "zh": "zh_Hant",
            "yue": "zh_Hant", "zh-yue": "zh_Hant"}


def normalize_language(code: str | None) -> str | None:
    """A supported Babel locale name for ``code`` (``es-MX`` -> ``es``), or ``None``."""
    if not code:
        return None
    text = code.strip().replace(" ", "").lower()
    if text in _ALIASES:
        return _ALIASES[text]
    base = text.replace("_", "-").split("-")[0]
    return _ALIASES.get(base) if base in ("en", "es") else None


def select_locale() -> str:
    chosen = normalize_language(request.args.get("lang"))
    if chosen:
        session["lang"] = chosen
        if session.get("account_id") is not None and request.method == "GET":
            _remember_on_account(chosen)
        return chosen
    remembered = normalize_language(session.get("lang"))
    if remembered:
        return remembered
    if session.get("account_id") is not None:
        from .auth.session import current_account

        account = current_account()
        saved = normalize_language(account.ui_language) if account is not None else None
        if saved:
            return saved
    best = request.accept_languages.best_match(
        ["en", "es", "zh-Hant", "zh-TW", "zh-HK", "zh"], default="en")
    return normalize_language(best) or "en"


def _remember_on_account(locale: str) -> None:
    """Save a signed-in person's choice, so their other devices open in it too."""
    from sqlalchemy import update
    from sqlalchemy.orm.attributes import set_committed_value

    from .auth.session import current_account
    from .models import Account
    from .read_only import side_write
    from .web import registry_session

    account = current_account()
    if account is not None and account.ui_language != locale:
        with side_write(registry_session()) as writer:
            writer.execute(update(Account).where(Account.id == account.id)
                           .values(ui_language=locale))
            writer.commit()
        set_committed_value(account, "ui_language", locale)


def current_language() -> str:
    """The Babel locale name of the current request (``en``, ``es`` or ``zh_Hant``)."""
    if "ui_locale" not in g:
        g.ui_locale = select_locale()
    return g.ui_locale


def _translation_directories(app: Flask) -> str:
    folders = [str(Path(app.root_path) / "translations")]
    registry = app.extensions["registry"]
    for plugin in registry.plugins.loaded.values():
        module_file = getattr(plugin.module, "__file__", None)
        if module_file:
            candidate = Path(module_file).parent / "translations"
            if candidate.is_dir():
                folders.append(str(candidate))
    return ";".join(folders)


def init_babel(app: Flask) -> None:
    """Set up Flask-Babel and the template helpers of the language switch."""
    settings = app.extensions["registry"].settings
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", settings.timezone)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = _translation_directories(app)
    Babel(app, locale_selector=current_language)

    @app.context_processor
    def _language_context() -> dict[str, Any]:
        locale = current_language()
        return {"ui_locale": locale, "html_lang": LANGUAGES[locale][0],
                "languages": LANGUAGES, "language_url": language_url}


def language_url(code: str) -> str:
    """The current page in another language (GET pages; a form page reloads empty)."""
    args = request.args.to_dict(flat=True)
    args["lang"] = code
    from urllib.parse import urlencode

    return f"{request.path}?{urlencode(args)}"
