"""Fixtures for adapter tests: a real HTTP receiver on 127.0.0.1 in a thread (see
``adapters_http_receiver``, shared with the webhooks browser test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from adapters_http_receiver import Receiver, make_due, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as live:
        yield live


@pytest.fixture
def due() -> Callable[[Any], None]:
    """``due(app)``: make every pending outbox message due now (instead of waiting)."""
    return make_due
