"""Fixtures for the stipends plugin's tests (helpers live in ``stipends_helpers``)."""

from typing import Any

import pytest
from stipends_helpers import World, make_world


@pytest.fixture
def world(make_app: Any) -> World:
    return make_world(make_app)
