"""Shared by the cluster tests: finding the test cluster, running Snakemake on it, asking SLURM.

The ``slurm_env`` fixture (tests/cluster/conftest.py) decides whether the cluster tests run:
TDNMS_SLURM=1 requires the cluster (a missing cluster fails the tests: use this in CI),
TDNMS_SLURM=0 skips them, unset runs them only if ``sinfo`` shows a usable node in partition
"test". No heavy imports here: collecting the cluster tests must stay cheap when they skip.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[2]
PROFILE = REPO / "profiles" / "slurm-test"
PARTITION = "test"  # as written by start_slurm.sh and used in profiles/slurm-test
# A status-command misconfiguration makes Snakemake wait forever: never wait longer than this.
RUN_TIMEOUT = 300


def slurm_env() -> dict[str, str]:
    """The environment for SLURM commands: finds the harness's slurm.conf if nothing else does."""
    env = os.environ.copy()
    if "SLURM_CONF" not in env and not Path("/etc/slurm/slurm.conf").exists():
        conf = Path(env.get("TDNMS_SLURM_DIR", "/tmp/tdnms-slurm")) / "slurm.conf"
        if conf.exists():
            env["SLURM_CONF"] = str(conf)
    return env


def cluster_problem(env: dict[str, str], timeout: float) -> str | None:
    """Why the test cluster cannot take jobs, or None if it can."""
    if shutil.which("sinfo", path=env.get("PATH")) is None:
        return "sinfo is not installed"
    try:
        res = subprocess.run(
            ["sinfo", "--noheader", "--partition", PARTITION, "--format", "%T"],
            capture_output=True, text=True, timeout=timeout, env=env,
        )
    except subprocess.TimeoutExpired:  # sinfo retries an unreachable controller for ~20 s
        return f"sinfo got no answer within {timeout:g}s"
    if res.returncode != 0:
        return f"sinfo failed: {res.stderr.strip()}"
    states = res.stdout.split()
    if not any(s.rstrip("*~#") in ("idle", "mixed", "allocated", "completing") for s in states):
        return f"partition {PARTITION!r} has no usable node (states: {states or 'none'})"
    return None


class SnakemakeRun:
    """One ``snakemake --profile profiles/slurm-test ...`` in the background, output in a file.

    ``wait()`` polls: every ``poll_seconds`` it calls ``on_poll(self)`` (fault injection), and
    every few seconds it records what squeue says about the run's jobs (``self.jobs``), so a
    job that finished long ago is still known after SLURM forgot it (MinJobAge).
    """

    def __init__(self, workdir: Path, env: dict[str, str], *args: str, out_name: str = "snakemake.out"):
        self.workdir = Path(workdir)
        self.env = env
        self.out = self.workdir / out_name
        self.cmd = [sys.executable, "-m", "snakemake", "--profile", str(PROFILE), *args]
        self.jobs: dict[str, tuple[str, str, str, str]] = {}  # id -> (state, partition, name, comment)
        self.t0 = time.monotonic()
        with open(self.out, "w") as log:
            self.proc = subprocess.Popen(
                self.cmd, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )

    @property
    def log(self) -> str:
        return self.out.read_text()

    @property
    def run_id(self) -> str | None:
        """The plugin names every SLURM job of a run after this id."""
        m = re.search(r"SLURM run ID: (\S+)", self.log)
        return m.group(1) if m else None

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.t0

    def submitted(self) -> list[str]:
        """SLURM job ids in submission order, from Snakemake's output."""
        return re.findall(r"has been submitted with SLURM jobid (\d+)", self.log)

    def record_jobs(self) -> None:
        run_id = self.run_id
        if run_id:
            self.jobs.update(squeue(self.env, name=run_id))

    def wait(self, timeout: float = RUN_TIMEOUT, poll_seconds: float = 3.0,
             on_poll: Callable[[SnakemakeRun], None] | None = None) -> str:
        """Wait for Snakemake to end and return its output; on timeout stop it and its jobs and fail."""
        import pytest

        def interrupted(signum, frame):
            raise KeyboardInterrupt(f"signal {signum}")

        deadline = time.monotonic() + timeout
        last_squeue = 0.0
        # Snakemake runs in its own session (so that stop() can signal it and only it): a Ctrl-C
        # or a SIGTERM (CI cancelling) of pytest would leave it running, so stop it then too.
        old_term = signal.signal(signal.SIGTERM, interrupted)
        try:
            while self.proc.poll() is None:
                if time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"snakemake did not finish within {timeout:g}s; log:\n{self.log[-5000:]}")
                if on_poll is not None:
                    on_poll(self)
                if time.monotonic() - last_squeue >= 3.0:
                    self.record_jobs()
                    last_squeue = time.monotonic()
                time.sleep(poll_seconds)
        except BaseException:
            self.stop()
            raise
        finally:
            signal.signal(signal.SIGTERM, old_term)
        self.record_jobs()
        return self.log

    def stop(self) -> None:
        """Interrupt Snakemake (it scancels its jobs on SIGINT); make sure no job of the run is left."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.run_id:
            subprocess.run(["scancel", "--name", self.run_id], env=self.env, check=False)


def squeue(env: dict[str, str], *, name: str | None = None,
           ids: list[str] | None = None) -> dict[str, tuple[str, str, str, str]]:
    """job id -> (state, partition, job name, comment), finished jobs included (for MinJobAge s)."""
    cmd = ["squeue", "--states=all", "--noheader", "--format=%i|%T|%P|%j|%k"]
    if name:
        cmd += ["--name", name]
    if ids:
        cmd += ["--jobs", ",".join(ids)]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    rows = (line.split("|") for line in res.stdout.splitlines() if line.strip())
    return {r[0]: (r[1], r[2], r[3], r[4].strip()) for r in rows}


def attempt_of(env: dict[str, str], job_id: str) -> int | None:
    """Snakemake's attempt number of a SLURM job, read from its batch script (`--attempt N`)."""
    res = subprocess.run(
        ["scontrol", "write", "batch_script", job_id, "-"],
        capture_output=True, text=True, env=env, check=False,
    )
    m = re.search(r"--attempt (\d+)", res.stdout)
    return int(m.group(1)) if m else None
