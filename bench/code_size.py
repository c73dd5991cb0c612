"""Module and function sizes of the library and scripts, against the team's limits.

    ./run python bench/code_size.py [--top 10]

A module is its number of lines; a function or method is the lines of its body without
its docstring. Prints the limits, everything over them, and the largest of each.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODULE_LIMIT, FUNCTION_LIMIT = 500, 80


def function_sizes(path: Path):
    """(lines without docstring, "path:line name") of every function and method in ``path``."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                if isinstance(body[0].value.value, str):
                    body = body[1:]
            if body:
                yield body[-1].end_lineno - body[0].lineno + 1, f"{path.relative_to(REPO)}:{node.lineno} {node.name}"


def measure(root: Path = REPO / "scripts"):
    """(module sizes, function sizes), each a list of (lines, name), largest first."""
    files = sorted(root.rglob("*.py"))
    modules = sorted(((len(p.read_text().splitlines()), str(p.relative_to(REPO))) for p in files), reverse=True)
    functions = sorted((size for p in files for size in function_sizes(p)), reverse=True)
    return modules, functions


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    modules, functions = measure()
    over_m = [m for m in modules if m[0] > MODULE_LIMIT]
    over_f = [f for f in functions if f[0] > FUNCTION_LIMIT]
    print(f"{len(modules)} modules, {len(functions)} functions under scripts/")
    print(f"modules over {MODULE_LIMIT} lines: {len(over_m)}  " + "; ".join(f"{n} ({s})" for s, n in over_m))
    print(f"functions over {FUNCTION_LIMIT} lines: {len(over_f)}  " + "; ".join(f"{n} ({s})" for s, n in over_f))
    print("largest modules:   " + "; ".join(f"{n} {s}" for s, n in modules[: args.top]))
    print("largest functions: " + "; ".join(f"{n} {s}" for s, n in functions[: args.top]))


if __name__ == "__main__":
    main()
