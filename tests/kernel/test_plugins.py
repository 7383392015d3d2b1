"""Plugin manager: selection, dependencies, hook validation, config, entry points."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from registry_kernel import QuickLink, hookimpl
from registry_kernel.app import create_app
from registry_kernel.config import ConfigError
from registry_kernel.plugins import builtin_plugin_modules
from registry_kernel.testing import test_settings


@pytest.fixture
def fake_plugins(tmp_path, monkeypatch):
    """Throw-away plugin packages that stand in for built-ins."""
    root = tmp_path / "fakes"
    sources = {
        "fake_base": """
            from registry_kernel import PluginInfo
            PLUGIN = PluginInfo(name="fake_base", version="0.1", description="base")
        """,
        "fake_child": """
            from registry_kernel import PluginInfo
            PLUGIN = PluginInfo(name="fake_child", version="0.1", description="needs base",
                                requires=("fake_base",))
        """,
        "fake_typo": """
            from registry_kernel import PluginInfo, hookimpl
            PLUGIN = PluginInfo(name="fake_typo", version="0.1", description="bad hook")
            @hookimpl
            def quick_linkz(actor, participant):
                return None
        """,
        "fake_configured": """
            from pydantic import BaseModel, Field
            from registry_kernel import PluginInfo
            class Config(BaseModel):
                model_config = {"extra": "forbid"}
                max_upload_mb: int = Field(10, ge=1, le=100)
            PLUGIN = PluginInfo(name="fake_configured", version="0.1", description="config",
                                config_model=Config)
        """,
    }
    for name, source in sources.items():
        package = root / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setattr("registry_kernel.plugins.builtin_plugin_modules",
                        lambda: {name: name for name in sources})
    return sources


def _app(tmp_path, **overrides):
    return create_app(test_settings(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "inst",
                                    **overrides))


def test_unknown_plugin_name_is_a_clear_startup_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown plugin.*nonesuch"):
        _app(tmp_path, plugins=["nonesuch"])


def test_missing_dependency_is_a_clear_startup_error(fake_plugins, tmp_path):
    with pytest.raises(ConfigError, match="fake_child.*requires fake_base"):
        _app(tmp_path, plugins=["fake_child"])
    app = _app(tmp_path, plugins=["fake_child", "fake_base"])
    assert app.extensions["registry"].plugins.enabled_names() == ["fake_base", "fake_child"]


def test_a_hook_name_typo_fails_loudly(fake_plugins, tmp_path):
    with pytest.raises(ConfigError, match="quick_linkz"):
        _app(tmp_path, plugins=["fake_typo"])


def test_plugin_config_sections_are_validated(fake_plugins, tmp_path):
    app = _app(tmp_path, plugins=["fake_configured"],
               plugin_sections={"fake_configured": {"max_upload_mb": 20}})
    assert app.extensions["registry"].plugin_config("fake_configured").max_upload_mb == 20
    with pytest.raises(ConfigError, match=r"\[plugins.fake_configured\].*max_upload_mb"):
        _app(tmp_path, plugins=["fake_configured"],
             plugin_sections={"fake_configured": {"max_upload_mb": 0}})
    with pytest.raises(ConfigError, match="fake_base.*takes no settings"):
        _app(tmp_path, plugins=["fake_base"], plugin_sections={"fake_base": {"x": 1}})


def test_toml_config_file_and_environment_override(tmp_path, monkeypatch):
    config = tmp_path / "registry.toml"
    config.write_text('[registry]\nname = "Alameda Registry"\nplugins = ["nonesuch"]\n')
    monkeypatch.setenv("REGISTRY_CONFIG", str(config))
    monkeypatch.setenv("REGISTRY_PLUGINS", "")
    from registry_kernel.config import load_settings

    settings = load_settings({"instance_path": str(tmp_path)})
    assert settings.registry_name == "Alameda Registry"
    assert settings.plugins == ["nonesuch"]  # empty env var does not override
    monkeypatch.setenv("REGISTRY_PLUGINS", "a, b")
    assert load_settings({"instance_path": str(tmp_path)}).plugins == ["a", "b"]


def test_production_mode_refuses_to_start_without_real_keys(tmp_path):
    from registry_kernel.config import load_settings

    settings = load_settings({"instance_path": str(tmp_path), "plugins": []},
                             env={"REGISTRY_MODE": "production"})
    with pytest.raises(ConfigError, match="REGISTRY_SECRET_KEY.*REGISTRY_MASTER_KEY"):
        create_app(settings=settings)


def test_development_mode_makes_its_own_keys_and_says_so(tmp_path, capsys):
    from registry_kernel.config import load_settings

    settings = load_settings({"instance_path": str(tmp_path), "plugins": []}, env={})
    create_app(settings=settings)
    assert "development mode" in capsys.readouterr().err
    assert (tmp_path / "keys" / "dev-keys.json").exists()
    assert oct((tmp_path / "keys" / "dev-keys.json").stat().st_mode)[-3:] == "600"


def test_throwaway_plugin_contributes_through_hooks(make_app):
    class Fake:
        @hookimpl
        def quick_links(self, actor, participant):
            return QuickLink(key="fake", label="Fake", endpoint="kernel_api.health")

    app = make_app(plugins=[], extra_plugins=(Fake(),))
    links = app.extensions["registry"].plugins.collect("quick_links", actor=None,
                                                       participant=None)
    assert [link.key for link in links] == ["fake"]


def test_entry_point_plugin_installs_and_loads(hello_plugin_path, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(hello_plugin_path), "REGISTRY_PLUGINS": "hello",
           "REGISTRY_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "registry_kernel", "plugins", "list"],
                            env=env, capture_output=True, text=True, check=True)
    listing = json.loads(result.stdout)
    enabled = {p["name"]: p for p in listing["enabled"]}
    assert enabled["hello"]["origin"] == "registry-hello"
    assert enabled["hello"]["version"] == "1.0.0"
    assert "blueprints" in enabled["hello"]["hooks"]


def test_cli_reports_unknown_plugin_on_stderr_with_nonzero_exit(tmp_path):
    env = {**os.environ, "REGISTRY_PLUGINS": "nonesuch", "REGISTRY_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "registry_kernel", "plugins", "list"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "unknown plugin" in result.stderr and result.stdout == ""


def test_builtin_plugins_are_found_by_name():
    modules = builtin_plugin_modules()
    assert all(path.startswith(("registry_plugins.", "registry_adapters."))
               for path in modules.values())


def test_cli_group_lists_kernel_commands():
    from registry_kernel.cli import cli

    result = CliRunner().invoke(cli, ["--help"])
    for command in ("db", "plugins", "orgs", "accounts", "tokens", "keys", "audit", "serve",
                    "worker", "demo"):
        assert command in result.output
