"""Plugin discovery, selection and validation (pluggy).

Built-in plugins are the sub-packages of ``registry_plugins`` and ``registry_adapters``, found by
name; third-party plugins come from the ``registry.plugins`` entry-point group. A deployment
enables plugins with ``REGISTRY_PLUGINS`` (default: every built-in). Unknown names, missing
dependencies, bad config sections and hook implementations without a spec stop start-up with a
message saying what to fix.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pluggy
from pydantic import ValidationError

from . import hookspecs
from .config import ConfigError, Settings
from .extension import PluginInfo

ENTRY_POINT_GROUP = "registry.plugins"
BUILTIN_PACKAGES = ("registry_plugins", "registry_adapters")


@dataclass(frozen=True)
class LoadedPlugin:
    """An enabled plugin: its metadata, module, validated config and where it came from."""

    info: PluginInfo
    module: ModuleType
    config: Any
    origin: str  # "builtin" or the distribution name

    @property
    def name(self) -> str:
        return self.info.name


def builtin_plugin_modules() -> dict[str, str]:
    """``{plugin name: module path}`` for every built-in plugin package."""
    found: dict[str, str] = {}
    for package_name in BUILTIN_PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ImportError:
            continue
        for module in pkgutil.iter_modules(package.__path__):
            if module.ispkg and not module.name.startswith("_"):
                found[module.name] = f"{package_name}.{module.name}"
    return found


def entry_point_plugins() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available_plugins() -> dict[str, str]:
    """Every plugin that could be enabled: ``{name: "builtin" | distribution}``."""
    names = dict.fromkeys(builtin_plugin_modules(), "builtin")
    for name, ep in entry_point_plugins().items():
        names.setdefault(name, ep.dist.name if ep.dist else "unknown")
    return names


class RegistryPluginManager(pluggy.PluginManager):
    """A pluggy manager that also knows each enabled plugin's metadata and config."""

    def __init__(self) -> None:
        super().__init__("registry")
        self.add_hookspecs(hookspecs)
        self.loaded: dict[str, LoadedPlugin] = {}

    def enabled_names(self) -> list[str]:
        """Enabled plugin names in dependency order (a plugin after what it requires)."""
        return list(self.loaded)

    def is_enabled(self, name: str) -> bool:
        return name in self.loaded

    def plugin_config(self, name: str) -> Any:
        return self.loaded[name].config

    def collect(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a list hook and flatten results: each plugin may return one item or a list.

        Only lists are flattened; a tuple is one value (a ``(label, endpoint)`` pair, a
        ``(section, data)`` export)."""
        results: list[Any] = []
        for result in getattr(self.hook, hook_name)(**kwargs):
            if isinstance(result, list):
                results.extend(result)
            elif result is not None:
                results.append(result)
        return results


def _import_plugin(name: str, builtins: dict[str, str],
                   entry_points: dict[str, importlib.metadata.EntryPoint]) -> tuple[ModuleType, str]:
    if name in builtins:
        return importlib.import_module(builtins[name]), "builtin"
    ep = entry_points[name]
    loaded = ep.load()
    if not isinstance(loaded, ModuleType):
        raise ConfigError(f"plugin {name!r}: the entry point must name a module, not {loaded!r}")
    return loaded, ep.dist.name if ep.dist else "unknown"


def _dependency_order(infos: dict[str, PluginInfo]) -> list[str]:
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in ordered:
            return
        if name in visiting:
            raise ConfigError("plugin dependency cycle: " + " -> ".join((*chain, name)))
        visiting.add(name)
        for dep in infos[name].requires:
            visit(dep, (*chain, name))
        visiting.discard(name)
        ordered.append(name)

    for plugin_name in sorted(infos):
        visit(plugin_name, ())
    return ordered


def _validate_config(info: PluginInfo, section: dict[str, Any]) -> Any:
    if info.config_model is None:
        if section:
            raise ConfigError(f"[plugins.{info.name}]: this plugin takes no settings, "
                              f"got {sorted(section)}")
        return None
    try:
        return info.config_model.model_validate(section)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or '(section)'}: {err['msg']}"
                             for err in exc.errors())
        raise ConfigError(f"[plugins.{info.name}] is invalid: {problems}") from exc


def load_plugins(settings: Settings, extra: Iterable[Any] = ()) -> RegistryPluginManager:
    """Build the plugin manager for ``settings.plugins`` (default: every built-in plugin).

    ``extra`` are plugin objects registered as well (the kernel's own hooks, test plugins).
    """
    builtins = builtin_plugin_modules()
    entry_points = entry_point_plugins()
    wanted = list(builtins) if settings.plugins is None else list(dict.fromkeys(settings.plugins))
    unknown = [name for name in wanted if name not in builtins and name not in entry_points]
    if unknown:
        known = ", ".join(sorted({*builtins, *entry_points})) or "(none installed)"
        raise ConfigError(f"unknown plugin(s) in REGISTRY_PLUGINS: {', '.join(unknown)}. "
                          f"Available: {known}")

    modules: dict[str, tuple[ModuleType, str]] = {}
    infos: dict[str, PluginInfo] = {}
    for name in wanted:
        module, origin = _import_plugin(name, builtins, entry_points)
        info = getattr(module, "PLUGIN", None)
        if not isinstance(info, PluginInfo):
            raise ConfigError(f"plugin {name!r} ({module.__name__}) defines no PLUGIN = PluginInfo(...)")
        if info.name != name:
            raise ConfigError(f"plugin {name!r} calls itself {info.name!r} in its PluginInfo")
        modules[name], infos[name] = (module, origin), info
    for name, info in infos.items():
        missing = [dep for dep in info.requires if dep not in infos]
        if missing:
            raise ConfigError(f"plugin {name!r} requires {', '.join(missing)}, which "
                              f"{'is' if len(missing) == 1 else 'are'} not enabled; add "
                              f"{'it' if len(missing) == 1 else 'them'} to REGISTRY_PLUGINS")

    manager = RegistryPluginManager()
    for info in infos.values():
        if info.hookspecs is not None:
            manager.add_hookspecs(info.hookspecs)
    for plugin in extra:
        manager.register(plugin)
    for name in _dependency_order(infos):
        module, origin = modules[name]
        config = _validate_config(info := infos[name], settings.plugin_config(name))
        manager.register(module, name=name)
        manager.loaded[name] = LoadedPlugin(info=info, module=module, config=config, origin=origin)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise ConfigError(f"a plugin implements a hook that does not exist: {exc}") from exc
    return manager


def describe(manager: RegistryPluginManager) -> dict[str, Any]:
    """JSON for ``registry plugins list``: enabled (in order) and available, with versions."""
    enabled = [{"name": p.name, "version": p.info.version, "origin": p.origin,
                "description": p.info.description, "requires": list(p.info.requires),
                "county_scoped": p.info.county_scoped,
                "hooks": sorted(h.name for h in manager.get_hookcallers(p.module) or [])}
               for p in manager.loaded.values()]
    available = []
    for name, origin in sorted(available_plugins().items()):
        version = None
        if name in manager.loaded:
            version = manager.loaded[name].info.version
        elif origin != "builtin":
            try:
                version = importlib.metadata.version(origin)
            except importlib.metadata.PackageNotFoundError:
                version = None
        else:
            try:
                module = importlib.import_module(builtin_plugin_modules()[name])
                version = module.PLUGIN.version
            except (ImportError, AttributeError):
                version = None
        available.append({"name": name, "origin": origin, "version": version,
                          "enabled": name in manager.loaded})
    return {"enabled": enabled, "available": available}
