"""Browser tests of the kernel's pages: Playwright driving Debian's Chromium against a live
registry (fixtures ``live_server``, ``page``, ``phone_page``, ``axe_check`` of the kernel's pytest
plugin, :mod:`registry_kernel.testing_live`). Each test gets its own really-committing database,
so tests stay independent under ``pytest -n 2 --dist loadfile``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from registry_kernel.extension import AttentionItem, QuickLink
from registry_kernel.hookspecs import hookimpl
from registry_kernel.testing import LiveServer

# The adapters' browser tests share helpers with tests/adapters (the webhook receiver, a sponsor
# with an event); that folder is not on sys.path when only the browser tests run.
_ADAPTER_TESTS = str(Path(__file__).parents[1] / "adapters")
if _ADAPTER_TESTS not in sys.path:
    sys.path.insert(0, _ADAPTER_TESTS)


class HomeContent:
    """A throw-away plugin: two Quick Links and one attention item on the home page."""

    @hookimpl
    def quick_links(self, actor: Any, participant: Any) -> list[QuickLink]:
        return [QuickLink("privacy", "My privacy", "kernel_web.my_privacy", color="#5b2a86",
                          order=1),
                QuickLink("help", "Help", "kernel_web.help_page", color="#1d5c2e", order=2)]

    @hookimpl
    def attention_items(self, session: Any, actor: Any, participant: Any) -> AttentionItem:
        return AttentionItem("Your permit expires in 30 days", level="warning")


@pytest.fixture
def browser(chromium: Any) -> Any:
    """The process's shared Chromium."""
    return chromium


@pytest.fixture
def live_registry(live_server: Callable[..., LiveServer]) -> LiveServer:
    """The kernel alone (no plugins) with the home-page content above."""
    return live_server(plugins=[], extra_plugins=(HomeContent(),))
