"""Schema migrations: one alembic history, a branch for the kernel and one per plugin.

``version_locations`` always lists every built-in plugin's folder (so a disabled plugin's
revisions stay known), plus third-party plugins' folders from the ``migration_location`` hook.
``upgrade`` migrates ``kernel@head`` and then each enabled plugin's branch in dependency order.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from .plugins import builtin_plugin_modules, entry_point_plugins

if TYPE_CHECKING:
    from .runtime import Registry

KERNEL_MIGRATIONS = Path(__file__).parent / "migrations"
__all__ = ["MigrationError", "alembic_config", "branches", "current_revisions", "upgrade"]


class MigrationError(RuntimeError):
    """The database cannot be migrated; the message names the cause."""


def _versions_folder(module_path: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module_path)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    versions = Path(next(iter(spec.submodule_search_locations))) / "migrations" / "versions"
    return versions if versions.is_dir() else None


def installed_branches() -> dict[str, Path]:
    """``{plugin: versions folder}`` for every installed plugin (built-in or entry point),
    enabled or not, that keeps migrations in ``<package>/migrations/versions``."""
    found: dict[str, Path] = {}
    modules = dict(builtin_plugin_modules())
    for name, ep in entry_point_plugins().items():
        modules.setdefault(name, ep.value.split(":")[0])
    for name, module_path in modules.items():
        folder = _versions_folder(module_path)
        if folder is not None:
            found[name] = folder
    return found


def branches(registry: Registry) -> dict[str, Path]:
    found = installed_branches()
    for location in registry.plugins.collect("migration_location"):
        found[location.branch] = Path(location.path)
    return found


def alembic_config(registry: Registry) -> Config:
    config = Config()
    config.set_main_option("script_location", str(KERNEL_MIGRATIONS))
    locations = [str(KERNEL_MIGRATIONS / "versions"), *map(str, branches(registry).values())]
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    config.attributes["registry"] = registry
    return config


def _import_all_models(registry: Registry) -> None:
    """Make every table known to ``Base.metadata`` (built-in plugins, enabled or not)."""
    for module_path in builtin_plugin_modules().values():
        try:
            importlib.import_module(f"{module_path}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"{module_path}.models":
                raise
    for plugin in registry.plugins.loaded.values():
        try:
            importlib.import_module(f"{plugin.module.__name__}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"{plugin.module.__name__}.models":
                raise


def _check_known_versions(registry: Registry, config: Config) -> None:
    script = ScriptDirectory.from_config(config)
    with registry.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    for revision in current:
        try:
            script.get_revision(revision)
        except CommandError as exc:
            raise MigrationError(
                f"the database is at revision {revision!r}, which no installed plugin provides "
                "(was a third-party plugin uninstalled? reinstall it to migrate)") from exc


def upgrade(registry: Registry, *, plugins: list[str] | None = None) -> list[str]:
    """Migrate the kernel, then each enabled plugin's branch; returns the targets upgraded."""
    config = alembic_config(registry)
    _import_all_models(registry)
    _check_known_versions(registry, config)
    script = ScriptDirectory.from_config(config)
    labelled = {label for rev in script.walk_revisions() for label in rev.branch_labels or ()}
    targets = ["kernel"] + [name for name in (plugins or registry.plugins.enabled_names())
                            if name in labelled]
    with registry.engine.begin() as connection:
        config.attributes["connection"] = connection
        for target in targets:
            command.upgrade(config, f"{target}@head")
    return targets


def current_revisions(registry: Registry) -> list[str]:
    with registry.engine.connect() as connection:
        return sorted(MigrationContext.configure(connection).get_current_heads())


def _branch_operations(registry: Registry, prefix: str) -> tuple[str, str]:
    """Render the upgrade/downgrade operations that bring the database to the models, limited
    to tables whose names start with ``prefix`` (one plugin's tables)."""
    from alembic.autogenerate import produce_migrations, render_python_code

    from .db import Base

    with registry.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "render_as_batch": connection.dialect.name == "sqlite", "compare_type": True})
        script_ops = produce_migrations(context, Base.metadata)

    def mine(ops: object) -> bool:
        return str(getattr(ops, "table_name", "") or "").startswith(prefix)

    script_ops.upgrade_ops.ops = [op for op in script_ops.upgrade_ops.ops if mine(op)]
    script_ops.downgrade_ops.ops = [op for op in script_ops.downgrade_ops.ops if mine(op)]
    if not script_ops.upgrade_ops.ops:
        raise MigrationError(f"the models of tables named {prefix}* match the database: "
                             "nothing to migrate")
    def indented(code: str) -> str:
        return "\n".join(f"    {line}" if line.startswith("#") else line
                         for line in code.splitlines())

    upgrade_code = indented(render_python_code(script_ops.upgrade_ops))
    downgrade_code = (indented(render_python_code(script_ops.downgrade_ops))
                      if script_ops.downgrade_ops.ops else "    pass")
    return upgrade_code, downgrade_code


def new_revision(registry: Registry, branch: str, message: str) -> Path:
    """Write the next revision of ``branch`` from the difference between the plugin's models
    (tables prefixed with its name) and a database migrated to every head. A plugin's first
    revision starts its branch and ``depends_on`` the kernel's head. Use a scratch database."""
    if branch not in registry.plugins.loaded:
        raise MigrationError(f"plugin {branch!r} is not enabled")
    module = registry.plugins.loaded[branch].module
    versions = Path(next(iter(module.__path__))) / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    config = alembic_config(registry)
    if str(versions) not in config.get_main_option("version_locations", ""):
        config.set_main_option("version_locations",
                               f"{config.get_main_option('version_locations')} {versions}")
    _import_all_models(registry)
    upgrade(registry)
    upgrade_code, downgrade_code = _branch_operations(registry, f"{branch}_")
    script = ScriptDirectory.from_config(config)
    existing = [rev for rev in script.walk_revisions() if branch in (rev.branch_labels or ())]
    number = len([p for p in versions.glob("*.py") if not p.name.startswith("__")]) + 1
    kwargs: dict[str, object] = {"message": message, "version_path": str(versions),
                                 "rev_id": f"{branch[:12]}_{number:04d}"}
    if existing:
        kwargs["head"] = f"{branch}@head"
    else:
        kwargs.update(head="base", branch_label=branch,
                      depends_on=script.get_revision("kernel@head").revision)
    created = command.revision(config, **kwargs)
    path = Path(created.path)  # type: ignore[union-attr]
    text = path.read_text()
    text = text.replace("def upgrade() -> None:\n    pass",
                        "def upgrade() -> None:\n" + upgrade_code.rstrip(), 1)
    text = text.replace("def downgrade() -> None:\n    pass",
                        "def downgrade() -> None:\n" + downgrade_code.rstrip(), 1)
    path.write_text(text)
    return path
