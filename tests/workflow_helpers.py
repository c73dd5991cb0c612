"""Running the workflow from tests: a tiny config and a Snakemake CLI wrapper."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

TINY = {
    "task": {},
    "data": {"seed": 0, "n_train": 64, "n_validation": 24, "n_test": 30},
    "model": {"units": 16},
    "training": {"max_steps": 400, "eval_every": 10, "criterion_patience": 2, "batch_size": 16},
    "sweep": {"gamma": [0.2, 0.5], "seed": [0]},
    "analysis": {"pca": {"n_components": 3}, "fixed_points": {"n_initial_states": 256}},
    # 16 units and 400 steps exercise every code path but need not reach the criterion:
    # draw such networks (marked) so every sweep figure has data to show.
    "figures": {"unconverged": "mark"},
}


def snakemake(workdir, *args, check=True):
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2", *args]
    # A figure that fails the layout check (tdnms.figure_check) fails its job.
    env = {**os.environ, "TDNMS_FIGURE_CHECK": "error"}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}")
    return proc


def job_counts(output: str) -> dict[str, int]:
    """Parse the 'Job stats' table of a Snakemake run or dry run."""
    counts, in_table = {}, False
    for line in output.splitlines():
        if line.startswith("job ") and "count" in line:
            in_table = True
            continue
        if in_table:
            m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
            if m:
                if m.group(1) == "total":
                    break
                counts[m.group(1)] = int(m.group(2))
    return counts


_RULE = re.compile(r"^\s*(?:rule|checkpoint)\s+(\w+)\s*:", re.M)


def rule_bodies(repo: Path = REPO, snakefile: bool = False) -> dict[str, str]:
    """Each rule's (and checkpoint's) name and text as written in rules/*.smk (and the Snakefile)."""
    sources = ([repo / "Snakefile"] if snakefile else []) + sorted((repo / "rules").glob("*.smk"))
    parts = _RULE.split("\n".join(path.read_text() for path in sources if path.exists()))
    return dict(zip(parts[1::2], parts[2::2]))


def write_config(workdir: Path, config: dict) -> None:
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
