"""Translation helpers that still work where Flask-Babel is not set up (CLI, workers, tests of
the plugin alone). ``pybabel extract`` finds ``_`` and ``lazy_gettext`` calls as usual."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from flask_babel import LazyString


def _(text: str, **variables: Any) -> str:
    if has_app_context() and "babel" in current_app.extensions:
        from flask_babel import gettext

        return gettext(text, **variables)
    return text % variables if variables else text


def lazy_gettext(text: str, **variables: Any) -> LazyString:
    return LazyString(lambda: _(text, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    if has_app_context() and "babel" in current_app.extensions:
        from flask_babel import ngettext as real

        return real(singular, plural, num, **variables)
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables
