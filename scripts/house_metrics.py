"""The house's figures: modules and lines per floor, long functions, long parameter lists,
inheritance depth, import contracts. Run from the checkout: ``python scripts/house_metrics.py``.

Issue notes quote these before and after a restructuring; nothing imports this module.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

LONG_FUNCTION = 70
MANY_PARAMETERS = 8


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    args = node.args
    names = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    count = len([a for a in names if a.arg not in ("self", "cls")])
    return count + (args.vararg is not None) + (args.kwarg is not None)


def _classes(trees: dict[str, ast.Module]) -> dict[str, list[str]]:
    """Each class defined in gim, by name, with the names of its bases."""
    bases: dict[str, list[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names = []
                for base in node.bases:
                    if isinstance(base, ast.Name):
                        names.append(base.id)
                    elif isinstance(base, ast.Attribute):
                        names.append(base.attr)
                bases[node.name] = names
    return bases


def _depth(name: str, bases: dict[str, list[str]], seen: frozenset[str] = frozenset()) -> int:
    """How many of gim's own classes stand above ``name`` (0: none)."""
    own = [b for b in bases.get(name, []) if b in bases and b not in seen]
    return max((1 + _depth(b, bases, seen | {name}) for b in own), default=0)


def main(root: Path) -> None:
    """Print the figures for the package under ``root``."""
    trees: dict[str, ast.Module] = {}
    floors: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path in sorted((root / "gim").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        text = path.read_text()
        trees[rel] = ast.parse(text)
        parts = path.relative_to(root / "gim").parts
        floor = parts[0] if len(parts) > 1 else "(top)"
        floors[floor][0] += 1
        floors[floor][1] += text.count("\n")
    print("modules and lines per floor:")
    for floor, (modules, lines) in sorted(floors.items()):
        print(f"  {floor:12} {modules:3} modules {lines:6} lines")
    long_functions, wide_functions = [], []
    for rel, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                where = f"{rel}:{node.lineno} {node.name}"
                if length > LONG_FUNCTION:
                    long_functions.append(f"{where} ({length} lines)")
                if _parameters(node) > MANY_PARAMETERS:
                    wide_functions.append(f"{where} ({_parameters(node)} parameters)")
    print(f"functions over {LONG_FUNCTION} lines: {len(long_functions)}")
    for item in long_functions:
        print(f"  {item}")
    print(f"functions over {MANY_PARAMETERS} parameters: {len(wide_functions)}")
    for item in wide_functions:
        print(f"  {item}")
    bases = _classes(trees)
    depths = sorted(((_depth(n, bases), n) for n in bases), reverse=True)
    deep = [f"{n} ({d})" for d, n in depths if d >= 2]
    print(f"deepest chain of gim's own classes: {depths[0][0] if depths else 0}")
    print(f"  classes with 2+ of gim's own classes above them: {', '.join(deep) or 'none'}")
    names: dict[str, int] = defaultdict(int)
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names[node.name] += 1
    twice = sorted(n for n, c in names.items() if c > 1)
    print(f"class names defined twice or more: {', '.join(twice) or 'none'}")
    shadowing = sorted(n for n in names if n in dir(__builtins__))
    print(f"classes named like a builtin: {', '.join(shadowing) or 'none'}")
    config = tomllib.loads((root / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    print(f"import contracts: {len(contracts)}")
    for contract in contracts:
        print(f"  [{contract['type']}] {contract['name']}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
