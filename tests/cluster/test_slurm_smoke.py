"""Smoke tests of the single-node SLURM harness and profiles/slurm-test.

Each test writes a throwaway Snakefile into its tmp_path and runs it with
``snakemake --profile profiles/slurm-test`` (the SLURM executor), so it checks the harness
(tests/cluster/start_slurm.sh) and the profile, not the project's workflow.

Run by hand (see tests/cluster/README.md):
    tests/cluster/start_slurm.sh
    TDNMS_SLURM=1 ./run pytest -m cluster tests/cluster -v
    tests/cluster/stop_slurm.sh

TDNMS_SLURM=1 requires the cluster (a missing cluster fails the tests: use this in CI),
TDNMS_SLURM=0 skips them, unset runs them only if ``sinfo`` shows a usable node in
partition "test" (the ``slurm_env`` fixture in conftest.py).
"""

from __future__ import annotations

import re
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from slurm_helpers import PARTITION, SnakemakeRun, squeue

pytestmark = pytest.mark.cluster


def _write_snakefile(workdir: Path, text: str) -> None:
    (workdir / "Snakefile").write_text(textwrap.dedent(text).lstrip())


def _run(workdir: Path, env: dict[str, str], *args: str) -> tuple[int, str, float]:
    run = SnakemakeRun(workdir, env, *args)
    log = run.wait()
    return run.returncode, log, run.seconds


def _job_id(path: Path) -> str:
    """The SLURM job id a test rule wrote as the first word of its file."""
    text = path.read_text().split()
    assert text and re.fullmatch(r"\d+", text[0]), f"{path.name} has no SLURM job id: {text!r}"
    return text[0]


def _slurm_jobs(env: dict[str, str], ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """job id -> (state, partition, job name), from squeue (finished jobs stay MinJobAge s)."""
    return {job: row[:3] for job, row in squeue(env, ids=ids).items()}


def test_jobs_run_as_distinct_slurm_jobs(slurm_env, tmp_path):
    _write_snakefile(tmp_path, """
        rule all:
            input: "a.txt", "b.txt", "c.txt"

        rule a:
            output: "a.txt"
            shell: 'echo "$SLURM_JOB_ID $SLURM_JOB_PARTITION" > {output}'

        rule b:
            output: "b.txt"
            shell: 'echo "$SLURM_JOB_ID $SLURM_JOB_PARTITION" > {output}'

        rule c:
            input: "a.txt", "b.txt"
            output: "c.txt"
            shell: 'echo "$SLURM_JOB_ID $SLURM_JOB_PARTITION" > {output}'
        """)
    rc, log, seconds = _run(tmp_path, slurm_env)
    print(f"3 jobs (a, b in parallel, then c) through SLURM: {seconds:.1f} s wall")
    assert rc == 0, log[-5000:]
    ids = [_job_id(tmp_path / f"{name}.txt") for name in "abc"]
    assert len(set(ids)) == 3, f"jobs shared a SLURM job id: {ids}"
    for name in "abc":
        assert (tmp_path / f"{name}.txt").read_text().split()[1] == PARTITION
    jobs = _slurm_jobs(slurm_env, ids)
    run_id = re.search(r"SLURM run ID: (\S+)", log).group(1)
    for job_id in ids:
        assert jobs.get(job_id) == ("COMPLETED", PARTITION, run_id), (job_id, jobs)


def test_failed_job_is_resubmitted(slurm_env, tmp_path):
    # Fails on its first attempt (leaving a marker outside Snakemake's outputs), succeeds on
    # the retry that `retries: 2` in the profile asks for; runtime grows with the attempt.
    _write_snakefile(tmp_path, """
        rule flaky:
            output: "flaky.txt"
            resources:
                runtime=lambda wildcards, attempt: 5 * attempt,
            shell:
                '''
                if [ ! -e first-attempt.jobid ]; then
                    echo "$SLURM_JOB_ID" > first-attempt.jobid
                    echo "failing on purpose" >&2
                    exit 1
                fi
                echo "$SLURM_JOB_ID {resources.runtime}" > {output}
                '''
        """)
    rc, log, seconds = _run(tmp_path, slurm_env)
    print(f"failing job + its retry through SLURM: {seconds:.1f} s wall")
    assert rc == 0, log[-5000:]
    first = _job_id(tmp_path / "first-attempt.jobid")
    retry = _job_id(tmp_path / "flaky.txt")
    assert first != retry
    assert (tmp_path / "flaky.txt").read_text().split()[1] == "10"  # runtime of attempt 2
    assert "Trying to restart job" in log
    jobs = _slurm_jobs(slurm_env, [first, retry])
    assert jobs[first][0] == "FAILED" and jobs[retry][0] == "COMPLETED", jobs


def test_scancelled_job_is_resubmitted(slurm_env, tmp_path):
    # What happens to a running job killed with scancel (an admin, a preemption that
    # cancels, a node going away): the plugin sees CANCELLED in squeue, reports the job
    # as failed, and `retries` resubmits it as a new SLURM job.
    _write_snakefile(tmp_path, """
        rule long:
            output: "long.txt"
            resources:
                runtime=lambda wildcards, attempt: 5 * attempt,
            shell:
                '''
                echo "$SLURM_JOB_ID" >> started.jobids
                if [ ! -e cancelled ]; then sleep 240; fi
                echo "$SLURM_JOB_ID {resources.runtime}" > {output}
                '''
        """)
    started = tmp_path / "started.jobids"
    cancel: dict[str, object] = {}

    def cancel_once_started(run: SnakemakeRun) -> None:
        if cancel or not started.exists() or not started.read_text().strip():
            return
        cancel["job"] = _job_id(started)
        (tmp_path / "cancelled").touch()  # so that the resubmitted job finishes at once
        subprocess.run(["scancel", cancel["job"]], env=slurm_env, check=True)
        cancel["t"] = time.monotonic()

    run = SnakemakeRun(tmp_path, slurm_env)
    log = run.wait(poll_seconds=0.5, on_poll=cancel_once_started)
    assert cancel, f"the job never started; log:\n{log[-5000:]}"
    cancelled = cancel["job"]
    print(f"scancel of a running job: workflow done {time.monotonic() - cancel['t']:.1f} s after "
          f"scancel, {run.seconds:.1f} s wall")
    assert run.returncode == 0, log[-5000:]
    assert f"SLURM-job '{cancelled}' failed, SLURM status is: 'CANCELLED'" in log
    assert "Trying to restart job" in log
    retry = _job_id(tmp_path / "long.txt")
    assert retry != cancelled
    assert started.read_text().split() == [cancelled, retry]
    assert (tmp_path / "long.txt").read_text().split()[1] == "10"  # runtime of attempt 2
    jobs = _slurm_jobs(slurm_env, [cancelled, retry])
    assert jobs[cancelled][0] == "CANCELLED" and jobs[retry][0] == "COMPLETED", jobs
