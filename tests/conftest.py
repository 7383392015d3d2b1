"""Shared test configuration. The kernel's fixtures, browser ones included (``chromium``,
``live_server``, ``page``, ``axe_check``), come from its pytest plugin (``registry_kernel.testing``,
loaded through the ``pytest11`` entry point)."""

import os

# Tests never pick up third-party plugins installed in the environment by accident: each test
# names the plugins it enables.
os.environ.pop("REGISTRY_PLUGINS", None)
os.environ.pop("REGISTRY_CONFIG", None)
