"""Fingerprints of the library code that a workflow script runs.

Snakemake reruns a job when its script changes, but not when the library modules
the script imports change, which would leave stale results looking up to date.
Each rule therefore passes :func:`library_fingerprint` of its script as a param.

The fingerprint hashes normalised tokens: comments, docstrings, blank lines and
indentation width are left out, so editing them reruns (and retrains) nothing.
Tokens, unlike ``ast.dump`` text, do not change format between Python versions
(3.12's split f-string tokens are folded back into one string token).
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import tokenize
from pathlib import Path

# Token types that carry no code: layout and comments.
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


def _module_file(package_dir: Path, dotted: str) -> Path | None:
    """The source of module ``dotted`` (relative to the package), or None if there is none."""
    base = package_dir.joinpath(*dotted.split(".")) if dotted else package_dir
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(tree: ast.AST, package: str, current: str) -> set[str]:
    """Dotted names (relative to ``package``) that a module imports, lazy imports included.

    ``current`` is the importing module's dotted name inside the package ("" for a
    script outside it); ``from x import y`` yields both ``x`` and ``x.y`` (y may be
    a submodule or a name; names that are no module are dropped later).
    """
    is_pkg_init = current.endswith("__init__")
    here = current.removesuffix(".__init__").removesuffix("__init__")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name[len(package) + 1 :] for a in node.names if a.name.startswith(package + ".")}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module != package and not (node.module or "").startswith(package + "."):
                    continue
                base = (node.module or "")[len(package) + 1 :]
            else:
                parts = here.split(".") if here else []
                keep = len(parts) - node.level + (1 if is_pkg_init else 0)
                if not current or keep < 0:
                    continue
                base = ".".join(parts[:keep] + ([node.module] if node.module else []))
            found.add(base)
            found |= {f"{base}.{a.name}".lstrip(".") for a in node.names}
    return found


def library_modules(script: str | os.PathLike, package: str = "tdnms") -> list[Path]:
    """Source files of the ``package`` modules ``script`` runs.

    Its imports of the package, theirs, and so on to a closed set, plus the
    ``__init__`` of every (sub)package on the way. Returns sorted paths.
    """
    script = Path(script)
    package_dir = script.parent / package
    todo = _imported_names(ast.parse(script.read_text()), package, "") | {""}
    seen: dict[str, Path] = {}
    while todo:
        name = todo.pop()
        source = _module_file(package_dir, name)
        if source is None or source in seen.values():
            continue
        dotted = ".".join(source.relative_to(package_dir).with_suffix("").parts)
        seen[dotted] = source
        parents = name.split(".")[:-1]
        todo |= {".".join(parents[:i]) for i in range(len(parents) + 1)}
        todo |= _imported_names(ast.parse(source.read_text()), package, dotted)
    return sorted(seen.values())


def _docstring_lines(tree: ast.AST) -> set[int]:
    """First lines of the module, class and function docstrings."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    lines.add(body[0].lineno)
    return lines


def code_tokens(source: str) -> list[str]:
    """The code of ``source`` as normalised tokens: no comments, docstrings or layout."""
    docstrings = _docstring_lines(ast.parse(source))
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    fstring_depth, fstring_start = 0, None
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for i, tok in enumerate(tokens):
        if tok.type == _FSTRING_START:
            fstring_depth += 1
            fstring_start = fstring_start or tok.start
            continue
        if fstring_depth:
            if tok.type == _FSTRING_END:
                fstring_depth -= 1
                if not fstring_depth:
                    out.append(_segment(lines, fstring_start, tok.end))
                    fstring_start = None
            continue
        if tok.type in _SKIPPED:
            continue
        if tok.type == tokenize.STRING and tok.start[0] in docstrings and _statement_start(tokens, i):
            continue
        if tok.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE):
            out.append(tokenize.tok_name[tok.type])
        else:
            out.append(tok.string)
    return _drop_orphan_newlines(out)


def _segment(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    if start[0] == end[0]:
        return lines[start[0] - 1][start[1] : end[1]]
    text = lines[start[0] - 1][start[1] :] + "".join(lines[start[0] : end[0] - 1])
    return text + lines[end[0] - 1][: end[1]]


def _statement_start(tokens, i: int) -> bool:
    """Whether token ``i`` begins a statement (a docstring, not a string inside code)."""
    j = i - 1
    while j >= 0 and tokens[j].type in (tokenize.NL, tokenize.COMMENT, tokenize.ENCODING):
        j -= 1
    return j < 0 or tokens[j].type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)


def _drop_orphan_newlines(tokens: list[str]) -> list[str]:
    """A removed docstring leaves its NEWLINE behind; collapse repeated NEWLINEs."""
    out: list[str] = []
    for t in tokens:
        if t == "NEWLINE" and (not out or out[-1] in ("NEWLINE", "INDENT")):
            continue
        out.append(t)
    return out


def library_fingerprint(script: str | os.PathLike, package: str = "tdnms") -> str:
    """A 16-hex-digit hash of the code (:func:`code_tokens`) of :func:`library_modules`."""
    script = Path(script)
    package_dir = script.parent / package
    digest = hashlib.sha256()
    for source in library_modules(script, package):
        name = source.relative_to(package_dir).as_posix()
        digest.update(name.encode() + b"\0" + "\x1f".join(code_tokens(source.read_text())).encode() + b"\0")
    return digest.hexdigest()[:16]


def stages_fingerprint(script: str | os.PathLike, stages, package: str = "tdnms") -> str:
    """:func:`library_fingerprint` of ``script`` and of each stage script it runs, plus the stage
    scripts' own code: Snakemake watches only the rule's script, not the stages it loads."""
    script = Path(script)
    digest = hashlib.sha256(library_fingerprint(script, package).encode())
    for stage in stages:
        path = script.parent / f"{stage}.py"
        digest.update(library_fingerprint(path, package).encode())
        digest.update("\x1f".join(code_tokens(path.read_text())).encode())
    return digest.hexdigest()[:16]


def stage_scripts(script: str | os.PathLike) -> list[str]:
    """The stage scripts a combined script runs: the keys of its top-level ``STAGES`` dict, if any."""
    for node in ast.parse(Path(script).read_text()).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "STAGES" for t in targets) and isinstance(node.value, ast.Dict):
            return [k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return []
