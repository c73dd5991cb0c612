"""`pip install .` gives a complete library: every subpackage, the schema, declared dependencies.

The wheel is built from a copy of the package and installed (not editable) into a new
virtual environment that borrows the project venv's third-party packages through a path
entry (so nothing is downloaded) but cannot see the source tree or its editable install.
"""

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "scripts" / "tdnms"


def third_party_imports() -> set[str]:
    """Top-level names of every non-stdlib module the package imports, anywhere in its code."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("tdnms", "__future__")}


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {normalised(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def test_every_imported_third_party_package_is_declared():
    dists = importlib.metadata.packages_distributions()
    missing = {}
    for name in sorted(third_party_imports()):
        provided = {normalised(d) for d in dists.get(name, [name])}
        if not provided & declared():
            missing[name] = sorted(provided)
    assert not missing, f"imported by tdnms but not in pyproject.toml's dependencies: {missing}"


def build_wheel(tmp: Path) -> Path:
    """The wheel of a copy of the package (links followed, so the schema is a real file)."""
    src = tmp / "src"
    shutil.copytree(PACKAGE, src / "scripts" / "tdnms", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", src)
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp / "dist"), str(src)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    (wheel,) = (tmp / "dist").glob("tdnms-*.whl")
    return wheel


def clean_venv(tmp: Path, wheel: Path) -> Path:
    """A new venv with the wheel installed; third-party packages reached through a path entry."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    # A plain path line: .pth files in the borrowed folder (the editable install's) are not run.
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)], check=True)
    return python


CHECK = """
import importlib, os, pkgutil, sys
import tdnms
assert os.path.realpath(tdnms.__file__).startswith(os.path.realpath(sys.prefix)), tdnms.__file__
names = [m.name for m in pkgutil.walk_packages(tdnms.__path__, "tdnms.")]
for name in names:
    importlib.import_module(name)
assert "tdnms.fixed_points.solver" in names and "tdnms.validate" in names
from tdnms.config import load_schema, section_defaults
assert section_defaults("task")["n_bins"] == 200 and "properties" in load_schema()
results = tdnms.Results(sys.argv[1])
scores = results.scores()
assert len(scores) == len(results.points) * len(set(scores["trial_type"])) > 0
print("imported", len(names), "modules; scores of", len(results.points), "networks")
"""


@pytest.mark.slow
def test_the_wheel_in_a_clean_venv_imports_everything_and_runs_the_api_and_notebook(tiny_workflow, tmp_path):
    from test_notebook import NOTEBOOK

    workdir, _ = tiny_workflow
    python = clean_venv(tmp_path, build_wheel(tmp_path))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["TDNMS_RESULTS"] = str(workdir / "results")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    proc = subprocess.run([python, "-c", CHECK, str(workdir / "results")], cwd=outside, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "imported" in proc.stdout
    shutil.copy(REPO / NOTEBOOK, outside / "explore.ipynb")
    run_notebook = (
        "import nbformat, tdnms, sys; from nbclient import NotebookClient\n"
        "nb = nbformat.read('explore.ipynb', as_version=4)\n"
        "nb.cells.append(nbformat.v4.new_code_cell('import tdnms; print(tdnms.__file__)'))\n"
        "NotebookClient(nb, timeout=600, kernel_name='python3').execute()\n"
        "print(''.join(o.get('text', '') for o in nb.cells[-1].outputs))\n"
    )
    proc = subprocess.run([python, "-c", run_notebook], cwd=outside, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert os.path.realpath(proc.stdout.split()[-1]).startswith(os.path.realpath(tmp_path / "venv"))
