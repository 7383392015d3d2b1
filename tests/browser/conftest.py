"""Browser tests: Playwright driving Debian's Chromium against a live registry.

Each test gets its own really-committing database (``fresh_database``) and a werkzeug server on
a free port of 127.0.0.1 in a background thread, so tests stay independent under
``pytest -n 2 --dist loadfile``. Chromium is the worker's shared one (``tests/conftest.py``). Without
``/usr/bin/chromium`` (install: ``scripts/ensure-chromium``) the tests skip and say why; without
axe-core (``scripts/ensure-axe``) only the accessibility checks skip.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from registry_kernel.extension import AttentionItem, QuickLink
from registry_kernel.hookspecs import hookimpl

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


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


class LiveRegistry:
    def __init__(self, app: Any, url: str) -> None:
        self.app = app
        self.url = url
        self.registry = app.extensions["registry"]

    def mails(self) -> list[Any]:
        self.registry.outbox.drain()
        return self.registry.sent_mail

    def last_link(self, kind: str, to: str | None = None) -> str:
        for mail in reversed(self.mails()):
            if to is None or mail["To"] == to:
                match = re.search(rf"http://[^\s]+/{kind}/[A-Za-z0-9_-]+", mail.get_content())
                if match:
                    return match.group(0)
        raise AssertionError(f"no {kind} link mailed")


@pytest.fixture
def browser(chromium: Any) -> Any:
    """The worker's shared Chromium (see tests/conftest.py)."""
    return chromium


@pytest.fixture
def live_registry(fresh_database: Any, tmp_path: Path) -> Iterator[LiveRegistry]:
    from registry_kernel.app import create_app
    from registry_kernel.testing import test_settings

    url = fresh_database(plugins=[])
    app = create_app(test_settings(url, tmp_path / "live-instance", plugins=[]),
                     extra_plugins=(HomeContent(),))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.extensions["registry"].settings.base_url = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveRegistry(app, base)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["registry"].engine.dispose()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True,
                                  has_touch=True, locale="en-US")
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe_check() -> Any:
    """``axe_check(page)``: no axe-core violation on the page (skips without axe-core)."""
    if not AXE.exists():
        pytest.skip("axe-core is missing: run scripts/ensure-axe (needs npm)")
    return check_accessibility


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE.read_text(encoding="utf-8") + "\n;window.axe !== undefined"
    return _AXE_SOURCE


_AXE_SOURCE: str | None = None


def check_accessibility(page: Any) -> None:
    """Run axe-core (WCAG 2.x A/AA rules and best practices) and fail on any violation."""
    # The page's Content Security Policy (script-src 'self') rightly refuses an injected inline
    # <script> (what add_script_tag(path=...) makes), so axe-core is evaluated through the
    # DevTools protocol instead, which leaves the policy in force for the page itself.
    page.evaluate(_axe_source())
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa',
                                        'best-practice']}})""")
    problems = [f"{v['id']} ({v['impact']}): {v['help']} -> "
                + "; ".join(node["target"][0] if isinstance(node["target"][0], str)
                            else str(node["target"]) for node in v["nodes"][:5])
                for v in result["violations"]]
    assert not problems, f"axe violations on {page.url}:\n" + "\n".join(problems)
