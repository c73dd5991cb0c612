"""The Snakemake workflow: DAG, a tiny end-to-end run, incremental reruns, lint and format."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from workflow_helpers import REPO, SNAKEMAKE, TINY, job_counts, rule_bodies, snakemake, write_config


def test_default_config_dag_has_expected_jobs(tmp_path):
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    proc = snakemake(tmp_path, "-n")
    n_models = 3 * 2  # gammas x seeds of the default config
    expected = {
        "generate_data": 1,
        "train": n_models,
        "analyse_network": n_models,
        "training_status": 1,
        "aggregate_scores": 1,
        "aggregate_pca": 1,
        "plot_network": n_models,
        "plot_sweep": 1,
        "aggregate_fixed_points": 1,
        "aggregate_analysis": 1,
        "manuscript": 1,
        "shortcut_check": 1,
        "aggregate_probes": 1,
        "plot_probes": 1,
        "all": 1,
    }
    counts = job_counts(proc.stdout + proc.stderr)
    for rule, n in expected.items():
        assert counts.get(rule) == n, (rule, counts)


def declared_outputs(workdir: Path) -> list[Path]:
    """Every file the DAG declares, listed by --summary."""
    proc = snakemake(workdir, "--summary")
    lines = proc.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("output_file"))
    return [workdir / line.split("\t")[0] for line in lines[start + 1 :] if line.strip()]


@pytest.mark.slow
def test_tiny_config_runs_end_to_end_and_produces_every_output(tiny_workflow):
    workdir, _ = tiny_workflow
    outputs = declared_outputs(workdir)
    assert len(outputs) > 30
    for path in outputs:
        assert path.exists(), path
        assert path.stat().st_size > 0, path
    for png in (workdir / "results" / "figures").rglob("*.png"):
        assert png.stat().st_size > 10_000, png  # a real picture, not an empty canvas
    scores = pd.read_parquet(workdir / "results/scores/all.parquet")
    assert sorted(scores["gamma"].unique()) == [0.2, 0.5]
    assert set(scores["trial_type"]) == {"SL", "LS", "SS", "all"}
    for log in (workdir / "results/logs").rglob("*.log"):
        assert "done in" in log.read_text(), log
    # generate_data and shortcut_check (data); train, analyse_network, plot_network (per network);
    # 10 sweep jobs (training_status, 4 aggregates, plot_sweep, plot_probes, manuscript, results ...)
    assert len(list((workdir / "results/benchmarks").rglob("*.tsv"))) == 2 + 2 * 3 + 10


@pytest.mark.slow
def test_tiny_run_makes_every_analysis_table_and_manuscript_figure(tiny_workflow):
    from PIL import Image

    from tdnms.tables import table_metadata

    workdir, _ = tiny_workflow
    res = workdir / "results"
    for gamma in ("0.2", "0.5"):
        model = res / "analysis" / f"gamma{gamma}_seed0"
        units = pd.read_parquet(model / "units.parquet")
        assert {"unit", "trial_type", "peak_bin", "width", "statistic", "p_value", "class"} <= set(units.columns)
        assert len(units) == 16 * 3
        for name in ("tuning", "unit_fractions", "decoding_time", "decoding_accuracy", "speed"):
            assert len(pd.read_parquet(model / f"{name}.parquet")), name
        for name in ("sequences", "sequences_cross", "decoding", "speed"):
            assert (res / "figures/models" / f"gamma{gamma}_seed0" / f"{name}.pdf").exists()
    scores = pd.read_parquet(res / "scores/all.parquet")
    assert {"premature_rate", "latency", "peak_output"} <= set(scores.columns)
    meta = table_metadata(res / "analysis/gamma0.2_seed0/units.parquet")
    assert meta["config"]["analysis"]["units"]["n_shuffles"] == 500 and "noise-free" in meta["noise"]
    for name in ("fig1_behaviour", "fig2_sequences", "fig3_decoding", "fig4_dynamics"):
        pdf = (res / "manuscript" / f"{name}.pdf").read_bytes()
        assert b"/FontFile2" in pdf and b"/Type3" not in pdf, name  # TrueType (Type 42) fonts embedded
        with Image.open(res / "manuscript" / f"{name}.png") as png:
            dpi = png.info["dpi"][0]
            assert round(dpi) == 300 and png.width / dpi * 25.4 <= 181, (name, png.width, dpi)


@pytest.mark.slow
def test_second_run_does_nothing(tiny_workflow):
    workdir, _ = tiny_workflow
    proc = snakemake(workdir, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_editing_one_gamma_reruns_only_what_depends_on_it(tiny_workflow):
    workdir, _ = tiny_workflow
    changed = {**TINY, "sweep": {"gamma": [0.2, 0.7], "seed": [0]}}
    write_config(workdir, changed)
    try:
        proc = snakemake(workdir, "-n")
    finally:
        write_config(workdir, TINY)
    text = proc.stdout + proc.stderr
    counts = job_counts(text)
    assert counts.get("train") == 1 and "gamma0.7_seed0" in text
    assert "generate_data" not in counts
    assert not re.search(r"models/gamma0\.2_seed0/model\.keras\s*$", text, re.M)
    for rule in ("analyse_network", "plot_network"):
        assert counts.get(rule) == 1, (rule, counts)


def test_lint_reports_nothing():
    proc = subprocess.run([SNAKEMAKE, "--lint"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr


def test_snakefmt_check_passes():
    snakefmt = str(Path(sys.executable).with_name("snakefmt"))
    proc = subprocess.run([snakefmt, "--check", "."], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_rule_has_log_benchmark_threads_resources_and_conda_env():
    rules = rule_bodies()
    assert len(rules) >= 10
    for name, body in rules.items():
        for directive in ("log:", "benchmark:", "threads:", "resources:", "conda:"):
            assert directive in body, f"rule {name} lacks {directive}"
        env = re.search(r'conda:\s*"\.\./(envs/[\w.]+)"', body).group(1)
        assert (REPO / env).exists(), f"rule {name}: {env} missing"


def _third_party_imports(script: Path) -> set[str]:
    """Top-level modules a script imports (lazy imports included), with the tdnms modules it runs."""
    from tdnms.fingerprint import library_modules

    mods = set()
    for path in [script, *library_modules(script)]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                mods.add(node.module.split(".")[0])
    return mods - {"tdnms"}


PACKAGE_OF = {"sklearn": "scikit-learn", "PIL": "pillow", "yaml": "pyyaml", "tensorflow": "tensorflow-cpu"}
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def test_each_env_names_every_third_party_package_its_script_imports():
    for body in rule_bodies().values():
        env = yaml.safe_load((REPO / re.search(r'conda:\s*"\.\./(envs/[\w.]+)"', body).group(1)).read_text())
        names = set()
        for dep in env["dependencies"]:
            items = dep["pip"] if isinstance(dep, dict) else [dep]
            names |= {re.split(r"[=<>!]", item)[0].strip().lower() for item in items}
        script = REPO / "scripts" / re.search(r'script:\s*"\.\./scripts/([\w.]+)"', body).group(1)
        for mod in _third_party_imports(script) - STDLIB:
            package = PACKAGE_OF.get(mod, mod).lower()
            assert package in names, f"{script.name} imports {mod} but its env lacks {package}"


def test_every_rule_passes_the_fingerprint_of_its_own_library_code():
    for name, body in rule_bodies().items():
        script = re.search(r'script:\s*"\.\./scripts/(\w+)\.py"', body)
        if script:
            # library_code counts the stage scripts a combined script runs (its STAGES) too
            assert f'library=library_code("{script.group(1)}")' in body, name


@pytest.mark.slow
def test_networks_short_of_the_criterion_are_flagged_warned_and_left_out(tmp_path):
    from tdnms import provenance

    config = {
        **TINY,
        "training": {**TINY["training"], "max_steps": 5, "eval_every": 5},
        "sweep": {"gamma": [0.5], "seed": [0, 1]},
        "figures": {"unconverged": "mark"},
    }
    write_config(tmp_path, config)
    summary = "results/figures/summary.png"
    proc = snakemake(tmp_path, "results/scores/all.parquet", "results/pca/all.parquet", summary)
    warning = "2 of 2 networks did not reach the training criterion: gamma 0.5 seed 0 (5 steps), gamma 0.5 seed 1"
    assert warning in proc.stdout + proc.stderr  # at the end of the run's own output
    assert warning in (tmp_path / "results/logs/training_status/all.log").read_text()
    for table in ("models/status.parquet", "scores/all.parquet", "pca/all.parquet"):
        frame = pd.read_parquet(tmp_path / "results" / table)
        assert not frame["reached_criterion"].any(), table
    marked = provenance.describe(tmp_path / summary)
    assert marked["config"]["unconverged"] == "mark" and marked["unconverged"] == [[0.5, 0], [0.5, 1]]
    # The default mode leaves them out and says so under the figure; only the figures rerun.
    write_config(tmp_path, {**config, "figures": {"unconverged": "exclude"}})
    proc = snakemake(tmp_path, summary)
    assert set(job_counts(proc.stdout + proc.stderr)) == {"plot_sweep"}
    assert provenance.describe(tmp_path / summary)["config"]["unconverged"] == "exclude"
