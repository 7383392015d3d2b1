"""Fixtures for the qris plugin's tests (helpers live in ``qris_helpers``)."""

from typing import Any

import pytest
from qris_helpers import World, make_world


@pytest.fixture
def world(make_app: Any) -> World:
    return make_world(make_app)
