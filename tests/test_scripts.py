"""The thin entry scripts: importable without running, everything through params, data files checked."""

import ast
import importlib.util
from pathlib import Path

import pytest

SCRIPTS = sorted((Path(__file__).resolve().parents[1] / "scripts").glob("*.py"))


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_a_script_runs_only_as_main_and_can_be_imported(path):
    module = tree(path)
    # Choosing the headless backend is the one call a figure script makes on import.
    top_calls = [
        n
        for n in module.body
        if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and ast.unparse(n.value) != "matplotlib.use('Agg')"
    ]
    assert not top_calls, f"{path.name}: a call at module level runs on import; guard it with if __name__ == '__main__'"
    guards = [n for n in module.body if isinstance(n, ast.If) and "__name__" in ast.unparse(n.test)]
    assert guards and "workflow.run(main" in ast.unparse(guards[0]), f"{path.name}: no guarded workflow.run(main, snakemake)"
    spec = importlib.util.spec_from_file_location(f"script_{path.stem}", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)  # would raise NameError on `snakemake` if the run call were not guarded
    assert callable(loaded.main)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_a_script_takes_its_settings_through_params(path):
    source = path.read_text()
    assert "smk.config" not in source and "snakemake.config" not in source, (
        f"{path.name} reads the config directly; pass what it needs as a rule param"
    )


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_every_trial_file_a_script_reads_is_checked_for_split_and_data_seed(path):
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("read_trials"):
            keywords = {k.arg for k in node.keywords}
            assert {"split", "data_seed"} <= keywords, f"{path.name}:{node.lineno}: read_trials without split/data_seed"
