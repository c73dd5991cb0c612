"""The rerun fingerprint: which library code a script runs, hashed without docs or layout."""

from tdnms.fingerprint import code_tokens, library_fingerprint, library_modules

SNIPPET = '''"""Module docs."""

import os  # a comment


def f(x):
    """Function docs."""
    y = f"{x!r:>{os.sep}}"
    return (x +
            1), y
'''


def write_package(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_fingerprint_follows_imports_and_only_them(tmp_path):
    write_package(
        tmp_path,
        {
            "tdnms/__init__.py": "",
            "tdnms/a.py": "from . import b\n",
            "tdnms/b.py": "def f():\n    from .c import g  # lazy\n",
            "tdnms/c.py": "X = 1\n",
            "tdnms/unrelated.py": "Y = 1\n",
            "step.py": "from tdnms import a\n",
        },
    )
    script = tmp_path / "step.py"
    before = library_fingerprint(script)
    (tmp_path / "tdnms/unrelated.py").write_text("Y = 2\n")
    assert library_fingerprint(script) == before
    (tmp_path / "tdnms/c.py").write_text('"""Docs."""\n\n# a comment\nX  =  1\n')  # same code, new docs and layout
    assert library_fingerprint(script) == before
    (tmp_path / "tdnms/c.py").write_text("X = 2\n")  # two imports away, lazily
    assert library_fingerprint(script) != before


def test_fingerprint_follows_subpackages_and_their_relative_imports(tmp_path):
    write_package(
        tmp_path,
        {
            "tdnms/__init__.py": "",
            "tdnms/tables.py": "T = 1\n",
            "tdnms/solver/__init__.py": "from .newton import step\n",
            "tdnms/solver/newton.py": "from .. import tables\nfrom .options import Options\n",
            "tdnms/solver/options.py": "A = 1\n",
            "tdnms/solver/unused.py": "B = 1\n",
            "step.py": "from tdnms.solver import step\n",
        },
    )
    script = tmp_path / "step.py"
    names = [p.relative_to(tmp_path / "tdnms").as_posix() for p in library_modules(script)]
    assert names == ["__init__.py", "solver/__init__.py", "solver/newton.py", "solver/options.py", "tables.py"]
    before = library_fingerprint(script)
    (tmp_path / "tdnms/tables.py").write_text("T = 2\n")
    assert library_fingerprint(script) != before


def test_tokens_drop_comments_docstrings_and_layout_but_keep_code():
    tokens = code_tokens(SNIPPET)
    assert "Module docs" not in " ".join(tokens) and "Function docs" not in " ".join(tokens)
    assert "# a comment" not in tokens
    assert 'f"{x!r:>{os.sep}}"' in tokens  # one token on every Python version (3.12 splits f-strings)
    relaid = SNIPPET.replace("    ", "  ").replace("(x +\n            1)", "(x + 1)")
    assert code_tokens(relaid) == tokens
    assert code_tokens(SNIPPET.replace("1), y", "2), y")) != tokens


def test_fingerprint_is_a_stable_function_of_the_code(tmp_path):
    # A fixed package hashes to a fixed value: a change of this value would rerun every
    # job of every existing results folder, so it must come only from a deliberate change.
    write_package(tmp_path, {"tdnms/__init__.py": "", "tdnms/m.py": SNIPPET, "step.py": "from tdnms import m\n"})
    assert library_fingerprint(tmp_path / "step.py") == "4c7106ae589ec539"
