"""The import contract (plan/CONTRACTS.md, README "Development"): imports run one way.

Every ``import`` in ``src/vvai`` is read from the AST, inside functions too, relative ones
resolved, ``from pkg import mod`` counted as an import of ``pkg.mod``. The rules are a table
keyed by module-name patterns, so a package that does not exist yet (``vvai.actions``,
``vvai.llm``, ``vvai.api``...) is checked from the day it appears; and every module must belong
to a layer, so a new package has to say where it stands.
"""

from __future__ import annotations

import ast
import fnmatch
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# ----------------------------------------------------------------------------------- the table
#: layer -> module patterns (fnmatch; "vvai.x" and "vvai.x.*" both). First match wins.
ADAPTERS = ["vvai.cli", "vvai.__main__", "vvai.*.cli", "vvai.*.*.cli", "vvai.monitor.commands.*", "vvai.api",
            "vvai.api.*", "vvai.demo", "vvai.runtime", "vvai.runtime.*"]
MONITOR_CORE = ["vvai.monitor", "vvai.monitor.incident", "vvai.monitor.bundle", "vvai.monitor.bundle.*",
                "vvai.monitor.detect", "vvai.monitor.detect.*", "vvai.monitor.diagnose", "vvai.monitor.diagnose.*",
                "vvai.monitor.correlate", "vvai.monitor.similar", "vvai.monitor.templates",
                "vvai.monitor.templates.*", "vvai.monitor.kb", "vvai.monitor.kb.*"]
MONITOR_RUNTIME = ["vvai.monitor.*"]  # what is not core nor an adapter (the package itself is empty)
LAYERS: list[tuple[str, list[str]]] = [
    ("adapter", ADAPTERS),
    ("testing", ["vvai.testing", "vvai.testing.*"]),
    ("common", ["vvai", "vvai.common", "vvai.common.*"]),
    ("models", ["vvai.models", "vvai.models.*"]),
    ("pipeline", ["vvai.pipeline", "vvai.pipeline.*"]),
    ("monitor core", MONITOR_CORE),
    ("monitor runtime", MONITOR_RUNTIME),
    ("llm", ["vvai.llm", "vvai.llm.*"]),
    ("actions", ["vvai.actions", "vvai.actions.*"]),
]
#: layer -> the layers it may import (its own always).
MAY_IMPORT = {
    "common": set(),
    "models": {"common"},
    "pipeline": {"common", "models"},
    "monitor core": {"common"},
    "monitor runtime": {"common", "models", "pipeline", "monitor core"},
    "llm": {"common", "models", "pipeline", "monitor core", "monitor runtime"},
    "actions": {"common", "models", "pipeline", "monitor core", "monitor runtime"},
    "testing": {"common", "models", "pipeline", "monitor core", "monitor runtime", "llm", "actions"},
    "adapter": {"common", "models", "pipeline", "monitor core", "monitor runtime", "llm", "actions", "testing"},
}
#: Exceptions to MAY_IMPORT, each with its reason: (importer pattern, imported pattern).
ALLOWED = [
    ("vvai.llm.*", "vvai.actions.gate"),  # the pure policy check "is this action allowed"
    ("vvai.llm.*", "vvai.actions.gate.*"),
    ("vvai.llm.*", "vvai.actions.requests"),  # the pure types the gate takes (Verdict)
]
#: Third-party modules a layer must never import (the monitor core is pure: no I/O clients).
IO_LIBS = ["docker", "httpx", "sqlite3", "apprise", "urllib3", "requests", "subprocess", "boto3"]
FORBIDDEN_LIBS = {"monitor core": IO_LIBS, "llm": ["docker"], "common": ["docker", "apprise", "boto3"]}
#: Packages only some importers may use: package -> importers allowed (besides its own modules).
#: (tests and bench, outside src/, may import them all)
RESTRICTED = {
    "vvai.actions.effectors": ["vvai.actions.executor", "vvai.actions.executor.*"],
    "vvai.testing": ["vvai.demo"],
}


# ----------------------------------------------------------------------------------- the graph
def _match(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


@cache
def modules() -> dict[str, Path]:
    out = {}
    for p in sorted((SRC / "vvai").rglob("*.py")):
        parts = list(p.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


def absolute(node: ast.ImportFrom, pkg: str) -> str:
    """The module a ``from ... import`` names, a relative one resolved from package ``pkg``."""
    base = node.module or ""
    if node.level:
        up = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
        base = ".".join(up + ([base] if base else []))
    return base


def _is_package(name: str) -> bool:
    return modules().get(name, Path()).name == "__init__.py"


@cache
def imports() -> dict[str, set[tuple[str, int]]]:
    """module -> {(imported name, line)}: vvai modules resolved, third-party by top name."""
    mods = modules()
    out: dict[str, set[tuple[str, int]]] = {}
    for name, path in mods.items():
        found: set[tuple[str, int]] = set()
        pkg = name if _is_package(name) else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found |= {(a.name, node.lineno) for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = absolute(node, pkg)
                subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in mods]
                found |= {(m, node.lineno) for m in subs}
                if len(subs) < len(node.names):  # names from the package itself, not only its modules
                    found.add((base, node.lineno))
        out[name] = {(m if m.startswith("vvai") else m.split(".")[0], ln) for m, ln in found}
    return out


def layer_of(name: str) -> str | None:
    for layer, patterns in LAYERS:
        if _match(name, patterns):
            return layer
    return None


def _vvai_module(imported: str) -> str | None:
    """The vvai module an import names (``vvai.x.y`` may be a module or a name in ``vvai.x``)."""
    mods = modules()
    while imported and imported not in mods:
        imported = imported.rpartition(".")[0]
    return imported or None


def _unit(name: str) -> str:
    """The package a module counts in for cycles: ``vvai.monitor.<part>``, else ``vvai.<part>``."""
    parts = name.split(".")
    return ".".join(parts[:3]) if parts[:2] == ["vvai", "monitor"] else ".".join(parts[:2])


# ----------------------------------------------------------------------------------- the tests
def test_the_graph_is_read() -> None:
    got = imports()
    assert {"vvai.monitor.diagnose.engine", "vvai.common.errors", "vvai.models.lifecycle"} <= set(got)
    engine = {m for m, _ in got["vvai.monitor.diagnose.engine"]}
    assert "vvai.monitor.detect" in engine and "vvai.common.folders" in engine
    # an import inside a function counts (capture builds its sources lazily elsewhere; the CLI
    # imports its commands' implementations inside the command functions)
    assert any(m == "vvai.monitor.config" for m, _ in got["vvai.monitor.service.cli"])


def test_every_module_belongs_to_a_layer() -> None:
    assert [m for m in modules() if layer_of(m) is None] == []


def test_layers_import_only_downwards() -> None:
    bad = []
    for name, found in imports().items():
        mine = layer_of(name)
        for imported, line in sorted(found):
            if not imported.startswith("vvai"):
                continue
            target = _vvai_module(imported)
            theirs = layer_of(target) if target else None
            if theirs is None or theirs == mine or theirs in MAY_IMPORT[mine]:
                continue
            if any(_match(name, [a]) and _match(target, [b]) for a, b in ALLOWED):
                continue
            bad.append(f"{name}:{line} ({mine}) imports {target} ({theirs})")
    assert bad == []


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_LIBS))
def test_layer_imports_no_forbidden_library(layer: str) -> None:
    bad = [f"{name}:{line} imports {imported}" for name, found in imports().items() if layer_of(name) == layer
           for imported, line in sorted(found) if imported in FORBIDDEN_LIBS[layer]]
    assert bad == []


def test_restricted_modules_have_only_their_importers() -> None:
    bad = []
    for name, found in imports().items():
        for imported, line in sorted(found):
            target = _vvai_module(imported) if imported.startswith("vvai") else None
            if not target:
                continue
            for root, allowed in RESTRICTED.items():
                inside = [root, root + ".*"]
                if _match(target, inside) and not _match(name, allowed + inside):
                    bad.append(f"{name}:{line} imports {target} (only {', '.join(allowed)} may)")
    assert bad == []


def test_no_cycles_between_packages() -> None:
    """Adapters are left out: they are the roots (nothing below imports them, checked above)."""
    edges: dict[str, set[str]] = {}
    for name, found in imports().items():
        if layer_of(name) == "adapter":
            continue
        for imported, _ in found:
            target = _vvai_module(imported) if imported.startswith("vvai") else None
            if target and layer_of(target) != "adapter" and _unit(target) != _unit(name):
                edges.setdefault(_unit(name), set()).add(_unit(target))
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_the_checker_sees_a_violation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules are not vacuous: a core module importing sqlite3 and the history is caught."""
    fake = tmp_path / "vvai" / "monitor" / "detect"
    fake.mkdir(parents=True)
    for d in (tmp_path / "vvai", tmp_path / "vvai" / "monitor", fake):
        (d / "__init__.py").write_text("")
    (tmp_path / "vvai" / "monitor" / "history.py").write_text("import sqlite3\n")
    (fake / "bad.py").write_text("def f():\n    import sqlite3\n    from ...monitor import history\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", tmp_path)
    modules.cache_clear()
    imports.cache_clear()
    try:
        with pytest.raises(AssertionError, match=r"vvai.monitor.detect.bad:3 \(monitor core\) imports "
                                                 r"vvai.monitor.history \(monitor runtime\)"):
            test_layers_import_only_downwards()
        with pytest.raises(AssertionError, match="vvai.monitor.detect.bad:2 imports sqlite3"):
            test_layer_imports_no_forbidden_library("monitor core")
    finally:
        modules.cache_clear()
        imports.cache_clear()
