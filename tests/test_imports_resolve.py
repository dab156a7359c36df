"""Every ``from vvai.x import name`` in the project resolves, the ones inside functions too.

A lazy import of a name that was moved only fails when its code path runs: ``api/state.py``
kept importing ``models_root`` from a module that no longer had it, and ``/api/v1/models``
answered 500 until a browser test reached it. This reads every import from the AST (src, tests,
bench) and checks each name against the imported module.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from tests.test_import_contract import absolute

ROOT = Path(__file__).resolve().parents[1]


def _package_of(path: Path) -> str | None:
    try:
        parts = list(path.relative_to(ROOT / "src").with_suffix("").parts)
    except ValueError:
        return None
    return ".".join(parts[:-1])  # vvai/api/state.py and vvai/api/__init__.py: both resolve from vvai.api


def unresolved(files: list[Path]) -> list[str]:
    bad = []
    for path in files:
        pkg = _package_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [(a.name, None) for a in node.names if a.name.split(".")[0] == "vvai"]
            elif isinstance(node, ast.ImportFrom):
                if node.level and pkg is None:
                    continue
                base = absolute(node, pkg or "")
                if base.split(".")[0] != "vvai":
                    continue
                targets = [(base, a.name) for a in node.names]
            else:
                continue
            for mod, name in targets:
                where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{node.lineno}"
                try:
                    m = importlib.import_module(mod)
                except ImportError as e:
                    bad.append(f"{where} imports {mod}: {e}")
                    continue
                if name is None or name == "*" or hasattr(m, name):
                    continue
                try:
                    importlib.import_module(f"{mod}.{name}")
                except ImportError:
                    bad.append(f"{where} imports {name} from {mod}, which has no such name")
    return bad


def test_every_vvai_import_resolves() -> None:
    files = sorted(p for d in ("src", "tests", "bench") for p in (ROOT / d).rglob("*.py"))
    assert len(files) > 100
    assert unresolved(files) == []


def test_a_moved_name_is_caught(tmp_path: Path) -> None:
    f = tmp_path / "lazy.py"
    f.write_text("def f():\n    from vvai.monitor.config import models_root, no_such_helper\n"
                 "    import vvai.no_such_package\n")
    assert unresolved([f]) == [
        f"{f}:2 imports no_such_helper from vvai.monitor.config, which has no such name",
        f"{f}:3 imports vvai.no_such_package: No module named 'vvai.no_such_package'",
    ]
