"""Golden values: the weights a seed trains are the same on every x86-64 CPU with AVX2.

Each run trains the default config's network (config.yaml) in a fresh process,
as a workflow job does (``configure_tensorflow`` first, so XLA reads the pinned
flags), and compares a sha256 of the weights, the steps and the last loss with
values recorded when they were pinned. They change only when the model or the
training recipe changes on purpose, and the commit that changes them says why.
CI runs on whatever CPU it gets: over time this checks both CPU families
(bench/README.md lists the CPUs on which it passed).
"""

import json
import os
import subprocess
import sys

import pytest

RUN = """
import hashlib, json, sys, yaml
from tdnms import task, train

threads, gamma, seed, max_steps = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
train.configure_tensorflow(threads)
config = yaml.safe_load(open(sys.argv[5]).read())
spec = task.TaskSpec.from_config(config["task"])
sets = {
    split: task.generate(spec, int(config["data"][f"n_{split}"]), seed=task.split_seed(config["data"]["seed"], split))
    for split in ("train", "validation")
}
training = dict(config["training"])
if max_steps:
    training.update(max_steps=max_steps, eval_every=max_steps)
model, history, reached = train.train(
    {**config["model"], "gamma": gamma}, train.TrainConfig.from_config(training), sets["train"], sets["validation"],
    seed=seed, stream=None,
)
digest = hashlib.sha256(b"".join(w.tobytes() for w in model.get_weights())).hexdigest()
print(json.dumps({"steps": int(history["step"].iloc[-1]), "loss": float(history["loss"].iloc[-1]), "hash": digest}))
"""


def trained(repo, threads: int, gamma: float, seed: int, max_steps: int = 0) -> dict:
    """Steps, last loss and weight hash of one run in a fresh process (``max_steps`` 0: to the criterion)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "XLA_"))}
    env["PYTHONPATH"] = str(repo / "scripts")
    args = [str(threads), str(gamma), str(seed), str(max_steps), str(repo / "config.yaml")]
    proc = subprocess.run([sys.executable, "-c", RUN, *args], env=env, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# threads -> (steps, loss, sha256 of the weights) after 20 steps, gamma 0.5, seed 0
SHORT = {
    1: (20, 0.2335219383239746, "5ee62e109407894c2deda960437ef2ac560cb023671e1add0a6ae29ebed9fa9e"),
    2: (20, 0.2271011471748352, "99cb7eda1188121e0875dd96f2a35890d5ff8253c4a306287b8cbaa43430358b"),
}


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
def test_short_run_trains_the_golden_weights(repo, threads):
    steps, loss, digest = SHORT[threads]
    got = trained(repo, threads, 0.5, 0, max_steps=steps)
    assert (got["steps"], got["loss"], got["hash"]) == (steps, loss, digest)


# gamma 0.5, seed 0 of the default config to the criterion, 1 thread (the workflow's default)
TO_CRITERION = (140, 0.16733191907405853, "98c00e38326e4b97dae6a88346107512e555ae4684b855fbc3b1a479b69d30af")


@pytest.mark.slow
def test_default_network_reaches_the_criterion_with_the_golden_weights(repo):
    steps, loss, digest = TO_CRITERION
    got = trained(repo, 1, 0.5, 0)
    assert (got["steps"], got["loss"], got["hash"]) == (steps, loss, digest)
