"""The packages stay layered: indexer < crawler < search, and no module imports itself back.

Every import is counted, those inside functions too: a function-level import is still a
dependency, and a cycle hidden in a function is one refactor away from an import error.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

# lowest first: a package may import the packages before it, never those after it
LAYERS = ("indexer", "crawler", "search")


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name -> file, for every module of `packages` under `root`."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def type_only(tree: ast.AST) -> set[int]:
    """ids of the import statements under `if TYPE_CHECKING:`, which never run."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING",
                                                                    "typing.TYPE_CHECKING"):
            found |= {id(n) for child in node.body for n in ast.walk(child)}
    return found


def imported(name: str, path: Path, known: dict[str, Path], typing: bool = True) -> set[str]:
    """The modules of `known` that module `name` imports, anywhere in its body (with
    typing=False, less those imported only for type checkers)."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()

    def resolve(dotted: str) -> str | None:
        # the deepest known module that `dotted` names or lies in
        parts = dotted.split(".")
        while parts:
            candidate = ".".join(parts)
            if candidate in known:
                return candidate
            parts.pop()
        return None

    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = set() if typing else type_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if target := resolve(alias.name):
                    targets.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                # `from pkg import sub` imports the module pkg.sub when there is one
                if target := resolve(f"{module}.{alias.name}") or resolve(module):
                    targets.add(target)
    targets.discard(name)
    return targets


def graph(root: Path, packages: tuple[str, ...] = LAYERS,
          typing: bool = True) -> dict[str, set[str]]:
    known = modules(root, packages)
    return {name: imported(name, path, known, typing) for name, path in known.items()}


def upward(edges: dict[str, set[str]], layers: tuple[str, ...] = LAYERS) -> list[str]:
    """Each import of a higher layer by a lower one, as 'importer -> imported'."""
    rank = {package: n for n, package in enumerate(layers)}
    return sorted(f"{a} -> {b}" for a, targets in edges.items() for b in targets
                  if rank[b.split(".")[0]] > rank[a.split(".")[0]])


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def describe(component: list[str], edges: dict[str, set[str]]) -> str:
    """One cycle as the imports that make it: 'a -> b, b -> a'."""
    members = set(component)
    return ", ".join(f"{a} -> {b}" for a in component for b in sorted(edges[a] & members))


def test_no_package_imports_a_layer_above_it():
    edges = graph(ROOT)
    assert len(edges) >= 30 and {"crawler.spider", "indexer.archive", "search.cli"} <= set(edges)
    bad = upward(edges)
    assert not bad, "upward imports (indexer < crawler < search): " + "; ".join(bad)


def test_no_import_cycle_between_modules():
    # an import under `if TYPE_CHECKING:` never runs, so it closes no loop; for the layers
    # above it still counts (a lower layer typed against a higher one depends on it)
    edges = graph(ROOT, typing=False)
    found = cycles(edges)
    assert not found, "import cycles: " + "; ".join(describe(c, edges) for c in found)


def benchmark_imports(tests: Path, benchmarks: Path, packages: tuple[str, ...] = LAYERS
                      ) -> list[str]:
    """Each test file's import of a module that only benchmarks/ has, and each sys.path entry
    it makes of that folder, as 'file:line: what'."""
    own = {p.stem for p in tests.rglob("*.py")}
    theirs = {p.stem for p in benchmarks.glob("*.py")} - own - set(packages)
    found = []
    for path in sorted(tests.rglob("*.py")):
        where = path.relative_to(tests.parent)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            found += [(where, node.lineno, f"import {n}") for n in names
                      if n.split(".")[0] in theirs or n.split(".")[0] == "benchmarks"]
            if on_sys_path(node) and any(isinstance(c, ast.Constant) and c.value == "benchmarks"
                                         for arg in node.args for c in ast.walk(arg)):
                found.append((where, node.lineno, "puts benchmarks/ on sys.path"))
    return [f"{where}:{line}: {what}" for where, line, what in sorted(found)]


def on_sys_path(node: ast.AST) -> bool:
    """A call of sys.path.insert or sys.path.append."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr in ("insert", "append") and ast.unparse(node.func.value) == "sys.path"


def test_tests_import_nothing_from_benchmarks():
    bad = benchmark_imports(ROOT / "tests", ROOT / "benchmarks")
    assert not bad, "tests must not depend on benchmarks/: " + "; ".join(bad)


def test_the_benchmark_check_finds_a_benchmark_import(tmp_path):
    write(tmp_path, {
        "benchmarks/topic.py": "", "benchmarks/search.py": "", "benchmarks/shared.py": "",
        "tests/shared.py": "",
        "tests/test_a.py": "import sys\nsys.path.insert(0, str(ROOT / 'benchmarks'))\n"
                           "def f():\n    from topic import evaluate\n",
        "tests/test_b.py": "from search.cli import main\nimport shared\n",
    })
    assert benchmark_imports(tmp_path / "tests", tmp_path / "benchmarks") == [
        "tests/test_a.py:2: puts benchmarks/ on sys.path",
        "tests/test_a.py:4: import topic",
    ]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_reports_an_upward_import_and_a_loop(tmp_path):
    write(tmp_path, {
        "indexer/__init__.py": "",
        "indexer/store.py": "import os\n\ndef f():\n    from search.cli import main\n",
        "indexer/clean.py": "from indexer import store\n",
        "crawler/__init__.py": "",
        "crawler/a.py": "from . import b\n",
        "crawler/b.py": "def g():\n    from .c import x\n",
        "crawler/c.py": "import crawler.a\nfrom indexer.clean import y\n",
        "crawler/d.py": "from crawler.a import z\n",
        "search/__init__.py": "",
        "search/cli.py": "from indexer.store import DataDir\n",
        "search/demo.py": "from crawler import d\n",
    })
    edges = graph(tmp_path)
    assert edges["crawler.a"] == {"crawler.b"}
    assert edges["crawler.b"] == {"crawler.c"}  # a function-level, relative import
    assert edges["indexer.clean"] == {"indexer.store"}
    assert upward(edges) == ["indexer.store -> search.cli"]
    # the loop a -> b -> c -> a, and store -> cli -> store through the upward import
    assert cycles(edges) == [["crawler.a", "crawler.b", "crawler.c"],
                             ["indexer.store", "search.cli"]]
    message = describe(["crawler.a", "crawler.b", "crawler.c"], edges)
    assert message == "crawler.a -> crawler.b, crawler.b -> crawler.c, crawler.c -> crawler.a"


def test_type_checking_imports_count_for_layers_not_for_cycles(tmp_path):
    write(tmp_path, {
        "indexer/__init__.py": "",
        "indexer/store.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                            "    from search.app import App\n",
        "search/__init__.py": "",
        "search/app.py": "def f():\n    from search import watch\n    import indexer.store\n",
        "search/watch.py": "import typing\nif typing.TYPE_CHECKING:\n"
                           "    from search.app import App\nelse:\n    import search.words\n",
        "search/words.py": "",
    })
    assert upward(graph(tmp_path)) == ["indexer.store -> search.app"]
    assert cycles(graph(tmp_path)) == [["indexer.store", "search.app", "search.watch"]]
    running = graph(tmp_path, typing=False)
    assert running["search.watch"] == {"search.words"}  # the else branch runs
    assert cycles(running) == []


def test_the_checker_passes_a_layered_package(tmp_path):
    write(tmp_path, {
        "indexer/__init__.py": "",
        "indexer/store.py": "import sqlite3\n",
        "crawler/__init__.py": "from indexer.store import x\n",
        "crawler/spider.py": "from crawler import __version__\nfrom indexer import store\n",
        "search/__init__.py": "",
        "search/cli.py": "def main():\n    import crawler.spider\n    from search import demo\n",
        "search/demo.py": "from . import words\n",
        "search/words.py": "",
    })
    edges = graph(tmp_path)
    assert edges["crawler.spider"] == {"crawler", "indexer.store"}
    assert edges["search.cli"] == {"crawler.spider", "search.demo"}
    assert edges["search.demo"] == {"search.words"}
    assert upward(edges) == [] and cycles(edges) == []
