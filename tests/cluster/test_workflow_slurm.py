"""The project's workflow on the single-node SLURM test cluster (issue 5).

* ``test_tiny_sweep_on_slurm_matches_local_run``: the TINY sweep through
  ``snakemake --profile profiles/slurm-test -s Snakefile -d WORKDIR``: every job is its own
  SLURM job (log headers, Snakemake's submissions and squeue agree), and the outputs equal
  those of a local run of the same config (``tiny_workflow``): data bytes, score tables,
  histories, model weights.
* ``test_killed_training_resumes_from_checkpoint_on_slurm``: the training job is scancel-ed
  twice while it runs (once its checkpoint exists, then again after the retry has resumed
  and checkpointed further); Snakemake resubmits it (attempts 1, 2, 3: training gets two
  retries from profiles/slurm-test), the third attempt resumes from the checkpoint and the
  weights equal those of an uninterrupted local run.

Both compare against local runs, so they take minutes (see tests/cluster/README.md).
Run by hand:
    tests/cluster/start_slurm.sh
    TDNMS_SLURM=1 ./run pytest -m cluster tests/cluster -rA
    tests/cluster/stop_slurm.sh
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from slurm_helpers import PARTITION, REPO, SnakemakeRun, attempt_of
from workflow_helpers import TINY, job_counts, snakemake, write_config

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

# Wall time of the TINY sweep on the 2-core test node is ~6 min; fail (and scancel) well after.
SWEEP_TIMEOUT = 1800
FAULT_TIMEOUT = 1200

# Long enough to kill it twice: never reaches the criterion, so it always runs max_steps
# (~20 s of training here), checkpointing every 40 steps.
FAULT = {
    **TINY,
    "training": {
        "max_steps": 600,
        "eval_every": 50,
        "checkpoint_every": 40,
        "batch_size": 16,
        "criterion_accuracy": 1.0,
        "criterion_mse": 1e-12,
    },
    "sweep": {"gamma": [0.5], "seed": [0]},
}
FAULT_MODEL = "gamma0.5_seed0"
FAULT_TRAIN_LOG = "results/logs/train/gamma0.5_seed0.log"
FAULT_TARGET = "results/scores/all.parquet"  # generate_data, train, simulate, aggregate_scores
KILLS = 2

HEADER = re.compile(r"^rule (\w+) \|.*\| SLURM_JOB_ID (\S*)\s*$")
RESUMED = re.compile(r"resumed from checkpoint at step (\d+)")
# Columns that measure time, not results: they differ between any two runs.
TIMING_COLUMNS = {"train_seconds", "wall_seconds"}


def start_workflow(workdir: Path, env: dict[str, str], *args: str) -> SnakemakeRun:
    return SnakemakeRun(workdir, env, "-s", str(REPO / "Snakefile"), "-d", str(workdir), *args)


def log_header(path: Path) -> tuple[str, str] | None:
    """(rule, SLURM job id) from the first line of a rule's log, None without that line."""
    try:
        first = path.read_text().split("\n", 1)[0]
    except FileNotFoundError:
        return None
    m = HEADER.match(first)
    return (m.group(1), m.group(2)) if m else None


def slurm_ids_from_logs(workdir: Path) -> dict[str, tuple[str, str]]:
    """log path (relative) -> (rule, SLURM job id), asserting every log has the header."""
    logs = sorted((workdir / "results" / "logs").rglob("*.log"))
    assert logs, "no logs under results/logs"
    found = {}
    for log in logs:
        name = str(log.relative_to(workdir))
        header = log_header(log)
        assert header is not None, f"{name} has no 'SLURM_JOB_ID <id>' header: did it run outside SLURM?"
        rule, job_id = header
        assert re.fullmatch(r"\d+", job_id), f"{name}: empty or odd SLURM job id {job_id!r}"
        found[name] = (rule, job_id)
    return found


def read_frame(path: Path, drop=TIMING_COLUMNS):
    import pandas as pd

    frame = pd.read_parquet(path)
    return frame.drop(columns=[c for c in frame.columns if c in drop])


def assert_same_results(local: Path, cluster: Path, models: list[str]) -> None:
    """Outputs of the cluster run equal those of the local run of the same config."""
    import numpy as np
    import pandas as pd

    from tdnms.model import load_model

    def rel(root, pattern):
        return sorted(str(p.relative_to(root)) for p in root.glob(pattern))

    data = rel(local, "results/data/seed*/*.parquet")
    assert data and rel(cluster, "results/data/seed*/*.parquet") == data
    for name in data:
        assert (local / name).read_bytes() == (cluster / name).read_bytes(), f"{name} differs"

    for name in ["results/scores/all.parquet"] + [f"results/scores/{m}/summary.parquet" for m in models]:
        pd.testing.assert_frame_equal(read_frame(cluster / name), read_frame(local / name), check_exact=True,
                                      obj=name)
    name = "results/models/status.parquet"
    pd.testing.assert_frame_equal(read_frame(cluster / name), read_frame(local / name), check_exact=True, obj=name)
    for model in models:
        name = f"results/models/{model}/history.parquet"
        pd.testing.assert_frame_equal(read_frame(cluster / name), read_frame(local / name), check_exact=True,
                                      obj=name)
        name = f"results/models/{model}/model.keras"
        mine, theirs = load_model(cluster / name).get_weights(), load_model(local / name).get_weights()
        assert len(mine) == len(theirs), name
        for i, (a, b) in enumerate(zip(mine, theirs)):
            assert a.dtype == b.dtype and a.shape == b.shape, (name, i)
            assert np.array_equal(a, b), f"{name}: weight {i} differs (max |diff| {np.abs(a - b).max()})"


def test_tiny_sweep_on_slurm_matches_local_run(slurm_env, tmp_path, request):
    workdir = tmp_path / "slurm"
    workdir.mkdir()
    write_config(workdir, TINY)
    run = start_workflow(workdir, slurm_env)
    log = run.wait(timeout=SWEEP_TIMEOUT)
    print(f"MEASURED tiny sweep through SLURM: {run.seconds:.1f} s wall")
    assert run.returncode == 0, log[-6000:]

    # (a) every job ran as its own SLURM job
    counts = job_counts(log)
    n_jobs = sum(n for rule, n in counts.items() if rule != "all")
    assert n_jobs >= 15, counts
    from_logs = slurm_ids_from_logs(workdir)
    ids = [job_id for _, job_id in from_logs.values()]
    assert len(set(ids)) == len(ids), f"jobs shared a SLURM job id: {from_logs}"
    per_rule = {}
    for rule, _ in from_logs.values():
        per_rule[rule] = per_rule.get(rule, 0) + 1
    assert per_rule == {r: n for r, n in counts.items() if r != "all"}, (per_rule, counts)
    submitted = run.submitted()
    assert sorted(submitted) == sorted(ids), "Snakemake submitted other jobs than the logs name " \
        f"(a retry?): submitted {submitted}, logs {from_logs}"
    assert "Trying to restart job" not in log
    for name, (rule, job_id) in from_logs.items():
        state, partition, job_name, comment = run.jobs.get(job_id, ("unseen",) * 4)
        assert (state, partition, job_name) == ("COMPLETED", PARTITION, run.run_id), (name, job_id, run.jobs.get(job_id))
        assert comment.startswith(f"rule_{rule}"), (name, job_id, comment)

    # (b) same results as a local run of the same config
    t0 = time.monotonic()
    local, _ = request.getfixturevalue("tiny_workflow")
    print(f"MEASURED tiny sweep locally (--cores 2, tiny_workflow fixture): {time.monotonic() - t0:.1f} s wall "
          "(~0 if another test built it first)")
    models = sorted(p.name for p in (local / "results" / "models").iterdir() if p.is_dir())
    assert models == ["gamma0.2_seed0", "gamma0.5_seed0"]
    assert_same_results(local, workdir, models)


class TrainingKiller:
    """Called while Snakemake runs: scancels the running training job, KILLS times.

    Kill 1 once the first checkpoint (state.json) exists; kill k > 1 once the k-th attempt
    has resumed (its log says so) and written a later checkpoint. Records what it did.
    """

    def __init__(self, workdir: Path, env: dict[str, str], kills: int):
        self.env = env
        self.kills = kills
        self.log = workdir / FAULT_TRAIN_LOG
        self.state = workdir / "results" / "checkpoints" / FAULT_MODEL / "state.json"
        self.model = workdir / "results" / "models" / FAULT_MODEL / "model.keras"
        self.killed: list[dict] = []  # job, checkpoint step seen, step resumed from, seconds
        self.missed: str | None = None

    def checkpoint_step(self) -> int | None:
        try:
            return int(json.loads(self.state.read_text())["step"])
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            return None

    def __call__(self, run: SnakemakeRun) -> None:
        if len(self.killed) >= self.kills or self.missed:
            return
        header = log_header(self.log)
        if header is None or not header[1] or header[1] in {k["job"] for k in self.killed}:
            return  # the next attempt has not started yet
        job = header[1]
        resumed = RESUMED.search(self.log.read_text())
        if self.model.exists():
            self.missed = (f"training job {job} finished before kill {len(self.killed) + 1}/{self.kills}: "
                           "raise FAULT max_steps")
            return
        step = self.checkpoint_step()
        if self.killed:  # a retry: it must have resumed and checkpointed again
            if resumed is None or step is None or step <= int(resumed.group(1)):
                return
        elif step is None:
            return
        res = subprocess.run(["scancel", job], env=self.env, capture_output=True, text=True)
        if res.returncode != 0:
            self.missed = f"scancel {job} failed (did it just finish?): {res.stderr.strip()}"
            return
        self.killed.append({
            "job": job, "checkpoint": step, "resumed": int(resumed.group(1)) if resumed else None,
            "at": round(run.seconds, 1),
        })


def test_killed_training_resumes_from_checkpoint_on_slurm(slurm_env, tmp_path):
    workdir = tmp_path / "slurm"
    workdir.mkdir()
    write_config(workdir, FAULT)
    killer = TrainingKiller(workdir, slurm_env, KILLS)
    run = start_workflow(workdir, slurm_env, FAULT_TARGET)
    log = run.wait(timeout=FAULT_TIMEOUT, poll_seconds=0.25, on_poll=killer)
    print(f"MEASURED fault test through SLURM: {run.seconds:.1f} s wall; kills: {killer.killed}")
    assert killer.missed is None, killer.missed
    assert len(killer.killed) == KILLS, f"killed {killer.killed}; log:\n{log[-6000:]}"
    assert run.returncode == 0, log[-6000:]

    killed = [k["job"] for k in killer.killed]
    for job in killed:
        assert f"SLURM-job '{job}' failed, SLURM status is: 'CANCELLED'" in log
    assert log.count("Trying to restart job") == KILLS
    rule, final = log_header(workdir / FAULT_TRAIN_LOG)
    assert rule == "train" and final not in killed
    train_jobs = killed + [final]
    attempts = [attempt_of(slurm_env, job) for job in train_jobs]
    print(f"MEASURED training SLURM jobs {train_jobs}, Snakemake attempts {attempts}")
    assert attempts == list(range(1, KILLS + 2))
    states = [run.jobs.get(job, ("unseen",) * 4) for job in train_jobs]
    assert [s[0] for s in states] == ["CANCELLED"] * KILLS + ["COMPLETED"], states
    assert all(s[3] == "rule_train_wildcards_0.5_0" for s in states), states

    # every retry resumed from the newest checkpoint the killed attempt had written
    train_log = (workdir / FAULT_TRAIN_LOG).read_text()
    resumed = [int(m) for m in RESUMED.findall(train_log)]
    assert len(resumed) == 1, train_log
    resumed_from = [k["resumed"] for k in killer.killed[1:]] + resumed
    print(f"MEASURED checkpoint steps seen at the kills {[k['checkpoint'] for k in killer.killed]}, "
          f"attempts 2..{KILLS + 1} resumed from steps {resumed_from}")
    for k, step in zip(killer.killed, resumed_from):
        assert k["checkpoint"] <= step < FAULT["training"]["max_steps"], (killer.killed, resumed_from)
        assert step % FAULT["training"]["checkpoint_every"] == 0
    assert resumed_from == sorted(resumed_from) and resumed_from[0] < resumed_from[-1]
    assert "done in" in train_log

    # nothing of Snakemake's bookkeeping or of the checkpoint is left behind
    assert not (workdir / "results" / "checkpoints" / FAULT_MODEL).exists()
    assert not [p for p in (workdir / ".snakemake" / "incomplete").rglob("*") if p.is_file()]
    assert not list((workdir / ".snakemake" / "locks").glob("*"))
    dry = snakemake(workdir, "-n", FAULT_TARGET)
    assert "Nothing to be done" in dry.stdout + dry.stderr

    # same results as an uninterrupted local run of the same config
    local = tmp_path / "local"
    local.mkdir()
    write_config(local, FAULT)
    t0 = time.monotonic()
    snakemake(local, FAULT_TARGET)
    print(f"MEASURED fault config locally (uninterrupted, --cores 2): {time.monotonic() - t0:.1f} s wall")
    assert RESUMED.search((local / FAULT_TRAIN_LOG).read_text()) is None
    assert_same_results(local, workdir, [FAULT_MODEL])
