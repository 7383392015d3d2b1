"""Kernel test helpers: the example third-party plugin, installed into a throw-away folder."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def hello_plugin_path(tmp_path_factory) -> Path:
    """``examples/registry-hello`` installed (wheel build, no deps) into a private folder."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--target", str(target),
                    str(ROOT / "examples" / "registry-hello")], check=True,
                   capture_output=True)
    return target


@pytest.fixture
def hello_installed(hello_plugin_path, monkeypatch) -> Path:
    monkeypatch.syspath_prepend(str(hello_plugin_path))
    return hello_plugin_path


@pytest.fixture
def factory(make_app):
    """Kernel tests run the kernel alone (each plugin's tests enable it themselves)."""
    from registry_kernel.testing import Factory

    return Factory(make_app(plugins=[]))


@pytest.fixture
def full_factory(make_app):
    """A factory over an app with every built-in plugin enabled."""
    from registry_kernel.testing import Factory

    return Factory(make_app())
