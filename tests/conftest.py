"""Shared test configuration. The kernel's fixtures come from its pytest plugin
(``registry_kernel.testing``, loaded through the ``pytest11`` entry point)."""

import os
from pathlib import Path

import pytest

# Tests never pick up third-party plugins installed in the environment by accident: each test
# names the plugins it enables.
os.environ.pop("REGISTRY_PLUGINS", None)
os.environ.pop("REGISTRY_CONFIG", None)


# --- one Chromium per test worker, shared by every browser test ------------------------------
# A sync Playwright keeps an asyncio loop current in its thread; starting a second one in the
# same worker process fails ("Sync API inside the asyncio loop"), so all browser tests share
# this single session-scoped instance.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (skips, saying why, when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium "
                    "(run scripts/ensure-chromium as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()
