"""Package discovery that pyproject.toml cannot express on its own.

The repository keeps the design card's folders (`plugins/`, `adapters/`) but installs them under
distinct import names (`registry_plugins`, `registry_adapters`) so they never collide with other
distributions' bare `plugins` packages in site-packages (see docs/architecture.md).
"""

from setuptools import find_packages, setup


def _renamed(folder: str, import_name: str) -> list[str]:
    return [import_name + name[len(folder):] for name in find_packages(include=[folder, f"{folder}.*"])]


setup(
    packages=find_packages(include=["registry_kernel", "registry_kernel.*"])
    + _renamed("plugins", "registry_plugins")
    + _renamed("adapters", "registry_adapters"),
)
