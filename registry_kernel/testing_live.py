"""Browser-test fixtures of the kernel's pytest plugin: a live registry and a real Chromium.

* ``chromium``: Debian's Chromium driven by Playwright, one per test process (a sync Playwright
  cannot start twice in one process, so every browser test shares it). Skips, saying why, when
  ``/usr/bin/chromium`` or Playwright is missing.
* ``live_server(plugins=[...], extra_plugins=(...), **settings)``: a registry on a fresh,
  really-committing database, served by werkzeug on a free port of 127.0.0.1 in a thread;
  stopped and dropped when the test ends.
* ``page`` / ``phone_page``: a new browser context (desktop, or a phone-sized touch screen);
  ``new_page(**context_options)`` opens more, one context each (several people at once).
* ``axe_check(page)``: fail on any axe-core violation (skips when axe-core is not vendored).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("REGISTRY_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


class LiveServer:
    """A running registry: its ``url``, ``app``, ``registry`` and the mail it sent."""

    def __init__(self, app: Any, url: str) -> None:
        self.app = app
        self.url = url
        self.registry = app.extensions["registry"]

    def sign_in(self, page: Any, email: str, password: str) -> None:
        """Sign in through the log-in page (no two-factor)."""
        page.goto(self.url + "/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    def mails(self) -> list[Any]:
        """Every message sent so far (the outbox is drained first)."""
        self.registry.outbox.drain()
        return self.registry.sent_mail

    def last_link(self, kind: str, to: str | None = None) -> str:
        """The newest mailed link whose path is ``/<kind>/<token>`` (to ``to``, if given)."""
        for mail in reversed(self.mails()):
            if to is None or mail["To"] == to:
                match = re.search(rf"http://[^\s]+/{kind}/[A-Za-z0-9_-]+", mail.get_content())
                if match:
                    return match.group(0)
        raise AssertionError(f"no {kind} link mailed")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, shared by the test process."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} "
                    "(run scripts/ensure-chromium as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(fresh_database: Callable[..., str], tmp_path: Path
                ) -> Iterator[Callable[..., LiveServer]]:
    """Start live registries: ``live_server(plugins=["training"], extra_plugins=(...))``."""
    from werkzeug.serving import make_server

    from .app import create_app
    from .testing import test_settings

    running: list[tuple[Any, threading.Thread, Any]] = []

    def start(plugins: list[str] | None = None, extra_plugins: tuple[Any, ...] = (),
              **overrides: Any) -> LiveServer:
        url = fresh_database(plugins=plugins)
        instance = tmp_path / f"live-{len(running)}"
        app = create_app(test_settings(url, instance, plugins=plugins, **overrides),
                         extra_plugins=extra_plugins)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        app.extensions["registry"].settings.base_url = base
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread, app))
        return LiveServer(app, base)

    yield start
    for server, thread, app in running:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["registry"].engine.dispose()


def _new_page(browser: Any, **context: Any) -> Iterator[Any]:
    browser_context = browser.new_context(locale="en-US", **context)
    browser_context.set_default_timeout(15000)
    yield browser_context.new_page()
    browser_context.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A desktop-sized page in a fresh browser context."""
    yield from _new_page(chromium, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[Any]:
    """A phone-sized touch screen page in a fresh browser context."""
    yield from _new_page(chromium, viewport=PHONE, device_scale_factor=3, is_mobile=True,
                         has_touch=True)


@pytest.fixture
def new_page(chromium: Any) -> Iterator[Callable[..., Any]]:
    """Open more pages, each in its own browser context (one person each):
    ``new_page(viewport={"width": 390, "height": 844}, java_script_enabled=False)``."""
    contexts: list[Any] = []

    def open_page(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "en-US")
        context = chromium.new_context(**options)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def _axe_path(config: pytest.Config) -> Path:
    configured = os.environ.get("REGISTRY_TEST_AXE")
    return Path(configured) if configured else \
        config.rootpath / "tests" / "browser" / "vendor" / "axe.min.js"


@pytest.fixture
def axe_check(request: pytest.FixtureRequest) -> Callable[[Any], None]:
    """``axe_check(page)``: no axe-core violation (WCAG 2.x A/AA and best practices)."""
    path = _axe_path(request.config)
    if not path.exists():
        pytest.skip(f"axe-core is missing at {path}: run scripts/ensure-axe (needs npm)")
    source = path.read_text(encoding="utf-8") + "\n;window.axe !== undefined"

    def check(page: Any) -> None:
        # a click that submits a form returns before the next page has its stylesheets: judge
        # the page once it has loaded (else sizes and contrast are those of unstyled HTML)
        page.wait_for_load_state("load")
        # The page's Content Security Policy (script-src 'self') rightly refuses an injected
        # inline <script>, so axe-core is evaluated through the DevTools protocol instead,
        # which leaves the policy in force for the page itself.
        page.evaluate(source)
        result = page.evaluate("async (tags) => await axe.run(document, "
                               "{runOnly: {type: 'tag', values: tags}})", AXE_RULES)
        problems = [f"{v['id']} ({v['impact']}): {v['help']} -> "
                    + "; ".join(str(node["target"]) for node in v["nodes"][:5])
                    for v in result["violations"]]
        assert not problems, f"axe violations on {page.url}:\n" + "\n".join(problems)

    return check
