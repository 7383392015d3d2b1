"""Meta-tests: every hook is documented with its exact signature, and exercised somewhere."""

import inspect
import re
from pathlib import Path

from registry_kernel import hookspecs

ROOT = Path(__file__).resolve().parents[2]
SPECS = {name: fn for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
         if hasattr(fn, "registry_spec")}


def test_every_hook_is_documented_with_its_signature():
    text = (ROOT / "docs" / "hooks.md").read_text()
    documented = dict(re.findall(r"^## `(\w+)\(([^)]*)\)`", text, flags=re.M))
    for name, fn in SPECS.items():
        assert name in documented, f"docs/hooks.md lacks a section for {name}"
        assert documented[name] == ", ".join(inspect.signature(fn).parameters), name
    assert set(documented) <= set(SPECS), "docs/hooks.md documents hooks that do not exist"


def test_every_hook_is_implemented_by_the_kernel_a_plugin_or_a_test():
    sources = [p.read_text() for folder in ("registry_kernel", "plugins", "adapters", "tests",
                                            "examples")
               for p in (ROOT / folder).rglob("*.py")]
    for name in SPECS:
        pattern = re.compile(rf"@hookimpl[^\n]*\n(?:\s*@[^\n]*\n)*\s*def {name}\(")
        assert any(pattern.search(source) for source in sources), f"nothing implements {name}"
