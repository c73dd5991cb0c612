import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Figures saved by tests fail on a layout problem (tdnms.figure_check) instead of warning.
os.environ.setdefault("TDNMS_FIGURE_CHECK", "error")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def tensorflow_threads():
    # Tests share two cores; one TF pool per process, set before any op runs.
    from tdnms.train import configure_tensorflow

    configure_tensorflow(threads=2)


_tiny_failure: list[str] = []


@pytest.fixture(scope="session")
def tiny_workflow(tmp_path_factory):
    """A complete run of the workflow on the tiny config (shared; copy it before changing it)."""
    from workflow_helpers import TINY, snakemake, write_config

    # pytest retries a failed session fixture for every test that asks for it;
    # a failed workflow run would then be repeated many times over.
    if _tiny_failure:
        pytest.fail(f"the tiny workflow run failed earlier:\n{_tiny_failure[0]}")
    workdir = tmp_path_factory.mktemp("tiny")
    write_config(workdir, TINY)
    try:
        proc = snakemake(workdir)
    except AssertionError as err:
        _tiny_failure.append(str(err))
        raise
    return workdir, proc


# What the fast loop (`pytest -m "not slow"`) leaves out besides the tests marked slow by
# hand: any test that starts Snakemake or another process, or trains a network. Each costs
# seconds of start-up; together they are most of the suite's time.
_HEAVY = ("snakemake(", "SNAKEMAKE", "subprocess.", "train.train(", "train_with_curriculum(")


def xdist_group(item) -> str:
    """The worker group of a test (``--dist loadgroup``, set in pyproject.toml): a group runs on one
    worker, so a session or module fixture is built once. Every test on the shared tiny run goes
    to one worker, the cluster tests to one (they share one small SLURM), the rest by module."""
    if item.get_closest_marker("cluster"):
        return "cluster"
    if "tiny_workflow" in getattr(item, "fixturenames", ()):
        return "tiny_workflow"
    return Path(item.nodeid.split("::")[0]).stem


@pytest.hookimpl(wrapper=True)  # marks first: before `-m` deselects and xdist reads the groups
def pytest_collection_modifyitems(config, items):
    import inspect

    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group(item)))
        function = getattr(item, "function", None)
        try:
            source = inspect.getsource(function) if function else ""
        except (OSError, TypeError):
            source = ""
        # Cluster tests wait for sinfo even when they end up skipped.
        if any(marker in source for marker in _HEAVY) or item.get_closest_marker("cluster"):
            item.add_marker(pytest.mark.slow)
    result = yield
    if getattr(config.option, "loadgroup", False):  # set on xdist's workers only
        _suffix_groups(items)
    return result


def _suffix_groups(items) -> None:
    """Append ``@group`` to each node id, which ``--dist loadgroup`` schedules by.

    pytest-xdist 3.8 does this by setting ``item._nodeid``, which pytest 9 no longer reads (node
    ids live in ``item._id``), so every group would be spread over the workers.
    """
    from _pytest.nodeid import coerce_node_id

    for item in items:
        if "@" not in item.nodeid:
            item._id = coerce_node_id(f"{item.nodeid}@{item.get_closest_marker('xdist_group').args[0]}")
