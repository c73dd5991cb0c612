"""Glue for the thin entry scripts that Snakemake runs (``scripts/*.py``).

:func:`run` sends everything the script prints, including TensorFlow's C++
logging, to the rule's log file, and records the failure there too, so that
``results/logs/...`` always says what happened.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def _redirect_fds(path: str):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "a", buffering=1) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def run(main, smk) -> None:
    """Run ``main(smk)`` with output in ``smk.log[0]`` (if the rule has a log)."""
    log = smk.log[0] if len(smk.log) else None
    if log is None:
        main(smk)
        return
    # Truncate: a rerun's log should describe that run only.
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    Path(log).write_text("")
    with _redirect_fds(log):
        job_id = os.environ.get("SLURM_JOB_ID")
        print(
            f"rule {smk.rule} | wildcards {dict(smk.wildcards.items())} | threads {smk.threads}"
            + (f" | SLURM_JOB_ID {job_id}" if job_id else ""),
            flush=True,
        )
        t0 = time.perf_counter()
        try:
            main(smk)
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
            raise
        print(f"done in {time.perf_counter() - t0:.1f} s", flush=True)


def _library_imports(tree, package: str, current: str | None) -> set[str]:
    """Modules of ``package`` that one module's syntax tree imports (anywhere, lazy imports too)."""
    import ast

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == package and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.split(".")[0] == package:
                parts = node.module.split(".")
            elif node.level == 1 and current is not None:  # relative import inside the package
                parts = [package] + (node.module.split(".") if node.module else [])
            else:
                continue
            if len(parts) > 1:
                found.add(parts[1])
            else:  # "from tdnms import a, b" / "from . import a, b"
                found.update(alias.name for alias in node.names)
    return found


def library_modules(script: str | os.PathLike, package: str = "tdnms") -> list[Path]:
    """Source files of the ``package`` modules ``script`` runs: its imports of the
    package, theirs, and so on to a closed set, plus the package's ``__init__``."""
    import ast

    script = Path(script)
    package_dir = script.parent / package
    todo = _library_imports(ast.parse(script.read_text()), package, None)
    seen = {"__init__"}
    while todo:
        name = todo.pop()
        source = package_dir / f"{name}.py"
        if name in seen or not source.exists():  # a name imported from __init__, not a module
            continue
        seen.add(name)
        todo |= _library_imports(ast.parse(source.read_text()), package, name)
    return [package_dir / f"{name}.py" for name in sorted(seen)]


def library_fingerprint(script: str | os.PathLike, package: str = "tdnms") -> str:
    """A short hash of the library code that ``script`` runs.

    Hashes the code of :func:`library_modules` without comments, docstrings or
    formatting. The workflow passes it to each rule as a param: Snakemake reruns
    a job when its script changes, but not when library code it imports does,
    which would leave stale results looking up to date.
    """
    import hashlib

    digest = hashlib.sha256()
    for source in library_modules(script, package):
        digest.update(source.stem.encode() + b"\0" + _code_only(source).encode() + b"\0")
    return digest.hexdigest()[:16]


def _code_only(path: Path) -> str:
    """The module's syntax tree without docstrings, as text.

    Comments, docstrings, blank lines and formatting do not change what a job
    computes, so editing them must not rerun (and retrain) anything.
    """
    import ast

    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)
