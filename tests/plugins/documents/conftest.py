"""Fixtures for the documents plugin's tests (helpers live in ``documents_helpers``)."""

from typing import Any

import pytest
from documents_helpers import World, make_world


@pytest.fixture
def world(make_app: Any) -> World:
    return make_world(make_app)
