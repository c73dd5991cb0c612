"""Importing a tdnms module changes no global state: matplotlib's backend and rcParams, the environment."""

import json
import os
import subprocess
import sys

import pytest

# One fresh interpreter imports every module (TensorFlow included): seconds, so not in the fast loop.
pytestmark = pytest.mark.slow

# Run in a fresh interpreter: this test process has long since imported everything.
PROBE = r"""
import importlib, json, os, pkgutil, sys
import matplotlib

def state():
    rc = {k: repr(dict.__getitem__(matplotlib.rcParams, k)) for k in dict.keys(matplotlib.rcParams)}
    return {"rc": rc, "env": dict(os.environ)}

# TensorFlow, Keras and h5py set variables of their own when imported (TF2_BEHAVIOR,
# HDF5_PLUGIN_PATH, KMP_*...): theirs, not ours. Import them first; tdnms must add nothing.
import h5py, keras, tensorflow
before = state()
import tdnms
names = sorted(m.name for m in pkgutil.walk_packages(tdnms.__path__, "tdnms."))
for name in names:
    importlib.import_module(name)
after = state()
changed_rc = sorted(k for k in before["rc"] if before["rc"][k] != after["rc"].get(k))
env_keys = set(before["env"]) | set(after["env"])
changed_env = sorted(k for k in env_keys if before["env"].get(k) != after["env"].get(k))
print(json.dumps({"modules": names, "rc": changed_rc, "env": changed_env, "pyplot": "matplotlib.pyplot" in sys.modules}))
"""


@pytest.fixture(scope="module")
def changes(repo):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "MPL"))}
    env["PYTHONPATH"] = os.pathsep.join([str(repo / "scripts"), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=repo)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_module_was_imported(changes):
    assert {"tdnms.plots", "tdnms.manuscript", "tdnms.plots_analysis", "tdnms.figure_check"} <= set(changes["modules"])


def test_importing_tdnms_modules_leaves_backend_and_rcparams_alone(changes):
    # The backend is an rcParam ("backend"): still unresolved, as before the imports.
    assert changes["rc"] == [], changes["rc"]


def test_importing_tdnms_modules_leaves_the_environment_alone(changes):
    assert changes["env"] == [], changes["env"]
