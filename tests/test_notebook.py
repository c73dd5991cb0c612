"""The example notebooks: committed without outputs, public API only, and they run on real outputs."""

import ast
import os
import subprocess
import sys

import nbformat
import pytest

import tdnms

NOTEBOOK = "notebooks/explore.ipynb"


def committed_notebooks(repo):
    """Notebooks tracked by git (every notebook under the repo when git is not available)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--", "*.ipynb"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = [
            str(p.relative_to(repo))
            for p in repo.rglob("*.ipynb")
            if not {".venv", "results", ".ipynb_checkpoints"} & set(p.parts)
        ]
    return sorted(set(listed) | {NOTEBOOK})


def test_committed_notebooks_hold_no_outputs(repo):
    notebooks = committed_notebooks(repo)
    for name in notebooks:
        nb = nbformat.read(repo / name, as_version=4)
        nbformat.validate(nb)
        dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
        assert not dirty, (
            f"{name}: cells {dirty} hold outputs or execution counts; clear them before committing "
            f"(`./run jupyter nbconvert --clear-output --inplace {name}`)"
        )


def code_cells(repo):
    return [c.source for c in nbformat.read(repo / NOTEBOOK, as_version=4).cells if c.cell_type == "code"]


def test_notebook_uses_only_the_public_api_and_one_results_variable(repo):
    cells = code_cells(repo)
    assert "RESULTS = " in cells[0] and "TDNMS_RESULTS" in cells[0], "the results folder is set in the first cell"
    used = set()
    for source in cells:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tdnms"):
                pytest.fail(f"notebook imports from {node.module}; use the names of `import tdnms`")
            if isinstance(node, ast.Import):
                assert all(a.name == "tdnms" or not a.name.startswith("tdnms") for a in node.names)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "tdnms":
                used.add(node.attr)
    assert used and used <= set(tdnms.__all__), used - set(tdnms.__all__)


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_on_the_tiny_workflow(tiny_workflow, repo, monkeypatch):
    from nbclient import NotebookClient

    workdir, _ = tiny_workflow
    nb = nbformat.read(repo / NOTEBOOK, as_version=4)
    # Check that the kernel is this interpreter (the project venv), not some other Python.
    nb.cells.append(nbformat.v4.new_code_cell("import sys, tdnms\nprint(sys.executable)\nprint(tdnms.__file__)"))
    monkeypatch.setenv("TDNMS_RESULTS", str(workdir / "results"))
    # The kernel imports this checkout's package even when the venv's editable install points elsewhere.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(repo / "scripts"), os.environ.get("PYTHONPATH", "")]))
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(repo / "notebooks")}}
    )
    client.execute()  # raises CellExecutionError naming the cell on any error
    lines = "".join(o.get("text", "") for o in nb.cells[-1].outputs).split()
    assert lines[0] == sys.executable
    assert os.path.realpath(lines[1]).startswith(os.path.realpath(repo / "scripts"))
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 5
