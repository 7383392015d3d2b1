"""One alembic history with a branch per plugin: enable late, disable, models agree."""

import importlib
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from registry_kernel.app import create_app
from registry_kernel.db import Base
from registry_kernel.migrate import (
    MigrationError,
    _import_all_models,
    alembic_config,
    current_revisions,
    upgrade,
)
from registry_kernel.testing import test_settings


def _registry(url, tmp_path, plugins):
    return create_app(test_settings(url, tmp_path / "inst", plugins=plugins)).extensions["registry"]


def _forget_hello():
    for name in [m for m in sys.modules if m == "registry_hello" or m.startswith("registry_hello.")]:
        del sys.modules[name]
    for table in [t for t in Base.metadata.tables if t.startswith("hello_")]:
        Base.metadata.remove(Base.metadata.tables[table])
    importlib.invalidate_caches()


def test_enable_a_plugin_late_then_disable_it(fresh_database, tmp_path, hello_installed):
    url = fresh_database(plugins=[])
    registry = _registry(url, tmp_path, [])
    assert all(rev.startswith("k") for rev in current_revisions(registry))
    assert "hello_greetings" not in inspect(registry.engine).get_table_names()
    registry.engine.dispose()

    late = _registry(url, tmp_path, ["hello"])
    assert upgrade(late) == ["kernel", "hello"]
    assert "hello_greetings" in inspect(late.engine).get_table_names()
    assert "hello_0001" in current_revisions(late)
    late.engine.dispose()

    without = _registry(url, tmp_path, [])
    assert upgrade(without) == ["kernel"]  # the disabled plugin's branch stays as it is
    assert "hello_0001" in current_revisions(without)
    without.engine.dispose()


def test_an_uninstalled_plugins_revision_is_reported_by_name(fresh_database, tmp_path,
                                                               hello_plugin_path, monkeypatch):
    url = fresh_database(plugins=[])
    monkeypatch.syspath_prepend(str(hello_plugin_path))
    with_hello = _registry(url, tmp_path, ["hello"])
    upgrade(with_hello)
    with_hello.engine.dispose()
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(hello_plugin_path)])
    _forget_hello()
    gone = _registry(url, tmp_path, [])
    with pytest.raises(MigrationError, match="hello_0001"):
        upgrade(gone)
    gone.engine.dispose()


def test_each_branch_has_exactly_one_head(make_app):
    registry = make_app(plugins=[]).extensions["registry"]
    script = ScriptDirectory.from_config(alembic_config(registry))
    labels = {label for rev in script.walk_revisions() for label in rev.branch_labels or ()}
    assert "kernel" in labels
    for label in labels:  # alembic raises MultipleHeads if a branch has more than one
        assert len(script.get_revisions(f"{label}@head")) == 1, label


def test_models_and_migrations_agree(make_app):
    app = make_app(plugins=[])
    registry = app.extensions["registry"]
    _import_all_models(registry)
    connection = app.extensions["registry_test_connection"]
    context = MigrationContext.configure(connection, opts={"compare_type": False})
    diffs = [d for d in compare_metadata(context, Base.metadata)
             if not (isinstance(d, tuple) and str(d[1]).startswith("hello_"))]
    assert diffs == [], diffs


def test_db_revision_writes_a_plugins_first_migration(hello_plugin_path, tmp_path):
    import os
    import shutil
    import subprocess

    package = tmp_path / "site"
    shutil.copytree(hello_plugin_path, package)
    versions = package / "registry_hello" / "migrations" / "versions"
    for old in versions.glob("hello_*.py"):
        old.unlink()
    env = {**os.environ, "PYTHONPATH": str(package), "REGISTRY_PLUGINS": "hello",
           "REGISTRY_INSTANCE_PATH": str(tmp_path / "inst"),
           "REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'scratch.db'}"}
    result = subprocess.run([sys.executable, "-m", "registry_kernel", "db", "revision",
                             "--branch", "hello", "-m", "hello: initial schema"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    written = list(versions.glob("hello_0001*.py"))
    assert len(written) == 1
    text = written[0].read_text()
    assert "branch_labels = ('hello',)" in text and "depends_on = 'k" in text
    assert "op.create_table('hello_greetings'" in text
    compile(text, str(written[0]), "exec")
