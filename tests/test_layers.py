"""Layers import downward only: corpus → extractors → index → queries → pipeline.

A module may import its own layer and the layers before it, never a later one — read from
the source (every ``import`` and ``from … import``, at the top or inside a function), so a
lazy import cannot hide an upward dependency.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("corpus", "extractors", "index", "queries", "pipeline")
RANK = {name: i for i, name in enumerate(LAYERS)}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
    return out


def upward_imports(layer: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in RANK and RANK[top] > RANK[layer]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return bad


def test_the_checker_sees_function_level_imports(tmp_path, monkeypatch):
    pkg = tmp_path / "corpus"
    pkg.mkdir()
    (pkg / "x.py").write_text("def f():\n    from queries.targets import query_targets\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert upward_imports("corpus") == ["corpus/x.py:2 imports queries.targets"]


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_imports_only_downward(layer):
    assert upward_imports(layer) == []


def test_the_cli_lives_in_pipeline():
    """Query verbs are pipeline/cmd_*.py modules; queries/ holds no command line or HTTP code."""
    for path in (ROOT / "queries").rglob("*.py"):
        modules = {m.split(".")[0] for _, m in _imports(path)}
        assert not modules & {"typer", "fastapi", "uvicorn"}, path
