import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session", autouse=True)
def _tensorflow_threads():
    # Tests share two cores; one TF pool per process, set before any op runs.
    from tdnms.train import configure_tensorflow

    configure_tensorflow(threads=2)
