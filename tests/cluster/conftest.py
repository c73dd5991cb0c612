"""Fixtures of the cluster tests (tests/cluster): the skip logic shared by every test here."""

from __future__ import annotations

import os

import pytest

from slurm_helpers import cluster_problem, slurm_env as _slurm_env

_checked: dict[str, str | None] = {}  # pytest re-runs a fixture that skipped, for every test


@pytest.fixture(scope="session")
def slurm_env() -> dict[str, str]:
    """The environment for SLURM commands, or a skip (a failure with TDNMS_SLURM=1).

    Request it before any expensive fixture (e.g. ``tiny_workflow``, via
    ``request.getfixturevalue`` after it), so that a skipped test costs nothing.
    """
    wanted = os.environ.get("TDNMS_SLURM", "")
    if wanted == "0":
        pytest.skip("TDNMS_SLURM=0")
    env = _slurm_env()
    if "problem" not in _checked:
        # a live local controller answers in milliseconds; be patient only when it is required
        _checked["problem"] = cluster_problem(env, timeout=60 if wanted == "1" else 5)
    problem = _checked["problem"]
    if problem:
        hint = "start it with: tests/cluster/start_slurm.sh (as root)"
        if wanted == "1":
            pytest.fail(f"TDNMS_SLURM=1 but the SLURM test cluster is not usable: {problem}; {hint}")
        pytest.skip(f"no SLURM test cluster ({problem}); {hint}, then set TDNMS_SLURM=1")
    return env
