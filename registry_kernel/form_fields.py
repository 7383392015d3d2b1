"""Choice fields for plugin forms, fed with the plain ``(value, label)`` pairs of the domain
tables (counties, roles, permit levels ...).

WTForms 3.3 wants :class:`~wtforms.fields.choices.SelectChoice` objects and deprecates tuples
(3.4 drops them). These fields turn pairs into ``SelectChoice`` where choices are given: in the
field's declaration and on ``form.field.choices = [...]`` in a view. Reading ``field.choices``
gives ``SelectChoice`` objects (``.value``, ``.label``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import RadioField as _RadioField
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField
from wtforms import widgets
from wtforms.fields.choices import SelectChoice


def options(choices: Iterable[Any] | None) -> list[SelectChoice] | None:
    """``SelectChoice`` objects from ``(value, label)`` pairs, bare values or ``SelectChoice``."""
    if choices is None:
        return None
    made = []
    for choice in choices:
        if isinstance(choice, SelectChoice):
            made.append(choice)
        elif isinstance(choice, tuple):
            made.append(SelectChoice(*choice))
        else:
            made.append(SelectChoice(choice))
    return made


class _TakesPairs:
    """Mixin: accept pairs where choices are given (declaration and assignment)."""

    def __init__(self, label: Any = None, validators: Any = None, *,
                 choices: Iterable[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(label, validators, choices=options(choices), **kwargs)  # type: ignore[call-arg]

    @property
    def choices(self) -> Any:
        return super().choices  # type: ignore[misc]

    @choices.setter
    def choices(self, value: Iterable[Any] | None) -> None:
        _SelectField.choices.fset(self, options(value))  # type: ignore[attr-defined]


class SelectField(_TakesPairs, _SelectField):
    """A ``<select>``."""


class SelectMultipleField(_TakesPairs, _SelectMultipleField):
    """A ``<select multiple>``."""


class RadioField(_TakesPairs, _RadioField):
    """A group of radio buttons."""


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice (several may be ticked)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
