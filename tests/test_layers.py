"""The package's layers (docs/architecture.md), enforced over every import, lazy ones included.

A module may import modules of lower layers and of its own sub-package, never of a higher
layer or of another sub-package on its own layer (study and stats do not know each other).
"""

from __future__ import annotations

import ast

import pytest

from precog import cache, paths

FOUNDATION = ("errors", "paths", "cache", "progress", "tables", "concurrent", "configs", "precision")
LAYER = {**dict.fromkeys(FOUNDATION, 0), "data": 1, "engine": 2, "study": 3, "stats": 3, "compendium": 4,
         "cli": 5, "__main__": 5}


def group(module: str) -> str:
    """The part of the house a module belongs to: its sub-package, 'foundation' or 'top' (the CLI)."""
    first = module.split(".")[0]
    return "foundation" if first in FOUNDATION else "top" if first in ("cli", "__main__") else first


def imports(module: str) -> set[str]:
    """The precog modules that ``module`` imports (``from precog import x`` names module x)."""
    tree = ast.parse(cache.module_path(module).read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "precog":
            inner = node.module.partition(".")[2]
            for alias in node.names:
                name = f"{inner}.{alias.name}".lstrip(".")
                found.add(name if cache.module_path(name) else inner)
        elif isinstance(node, ast.Import):
            found.update(a.name.partition(".")[2] for a in node.names if a.name.startswith("precog."))
    return {m for m in found if m}


MODULES = [m for m in cache.package_modules() if m.split(".")[0] in LAYER]


def test_every_module_has_a_layer():
    top = {m.split(".")[0] for m in cache.package_modules()}
    assert top <= set(LAYER), f"modules without a layer: {sorted(top - set(LAYER))}"
    assert (paths.PACKAGE / "__init__.py").is_file()


@pytest.mark.parametrize("module", MODULES)
def test_imports_go_down_the_layers(module):
    own = LAYER[module.split(".")[0]]
    for target in sorted(imports(module)):
        theirs = LAYER[target.split(".")[0]]
        same = group(target) == group(module)
        assert theirs < own or (theirs == own and same), f"{module} (layer {own}) imports {target} (layer {theirs})"


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """A planted upward import (data -> compendium) is caught."""
    import shutil

    copy = tmp_path / "precog"
    shutil.copytree(paths.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    text = (copy / "data" / "text.py").read_text()
    (copy / "data" / "text.py").write_text(text + "\n\ndef _leak():\n    from precog.compendium import pipeline\n")
    monkeypatch.setattr(paths, "PACKAGE", copy)
    with pytest.raises(AssertionError, match="data.text .layer 1. imports compendium.pipeline"):
        test_imports_go_down_the_layers("data.text")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle of ``graph`` (module -> modules it imports), each as a path back to its start."""
    found, done = [], set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, path + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


def test_no_module_imports_itself_back():
    """Inside a layer the imports run one way too (frames reads pipeline, replication reads
    both; pipeline imports neither): no cycle, lazy imports included."""
    graph = {m: {t for t in imports(m) if t in MODULES} for m in MODULES}
    assert not cycles(graph), cycles(graph)[:3]
    assert cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]
