"""Stage-by-stage fingerprints of one training run: where do two machines part?

    python -m tdnms.stages [--threads 1] [--gamma 0.5] [--seed 0] [--config config.yaml]

prints one JSON object: a sha256 (first 16 hex digits) of what each stage of
training produces, in the order the stages run, for the config's network at one
gamma and seed:

``data`` (training and validation sets), ``batch_order`` (the batch indices of
the first 20 steps), ``noise`` (the private noise of step 0, as the compiled
step draws it), ``initial_weights``, ``forward`` (loss, MSE and hidden states of
the first batch with that noise, compiled as the step compiles it),
``gradients`` (of that loss), then the weights and last loss after 1, 2, 5 and
20 training steps (each a fresh :func:`tdnms.train.train` run, as a workflow job).

A stage whose inputs agree but whose output differs between two machines is
the stage that depends on the host: :func:`first_difference` names it. The
golden test (``tests/test_golden.py``) pins these values.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import numpy as np

STEPS = (1, 2, 5, 20)
BATCH_ORDER_STEPS = 20
DIGITS = 16


def digest(*arrays) -> str:
    """sha256 (first :data:`DIGITS` hex digits) of the arrays' little-endian bytes, in order."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(a.astype(a.dtype.newbyteorder("<")).tobytes())
    return h.hexdigest()[:DIGITS]


def order() -> list[str]:
    """The stage names in the order training runs them."""
    return ["data", "batch_order", "noise", "initial_weights", "forward", "gradients"] + [
        f"after_{n}_steps" for n in STEPS
    ]


def first_difference(got: dict, pinned: dict) -> str | None:
    """The first stage (in :func:`order`) whose value differs, or None if all agree."""
    return next((stage for stage in order() if got.get(stage) != pinned.get(stage)), None)


def _sets(config: dict):
    from . import task

    spec = task.TaskSpec.from_config(config["task"])
    seed = config["data"]["seed"]
    return {
        split: task.generate(spec, int(config["data"][f"n_{split}"]), seed=task.split_seed(seed, split))
        for split in ("train", "validation")
    }


def _first_step(model, train_set, training, seed: int) -> dict:
    """Noise, forward and gradients of step 0, computed as the compiled step computes them."""
    import tensorflow as tf

    from . import step as step_lib
    from .model import rnn_layer, training_loss
    from .train import batch_indices, time_major

    batch = min(training.batch_size, train_set.n_sequences)
    idx = batch_indices(seed, 0, train_set.n_sequences, batch)
    x, y = time_major(train_set.inputs[idx]), time_major(train_set.targets[idx])
    units = rnn_layer(model).cell.units
    noise = step_lib.NoiseStream(seed, (x.shape[0], batch, units), 1).sample(0)
    noise = noise * training.noise_scale(0, batch)[None, :, None]
    variables = model.trainable_variables

    @tf.function(jit_compile=True)
    def forward_and_grads(x, y, noise):
        with tf.GradientTape() as tape:
            hidden = rnn_layer(model).time_major(x, noise)
            loss, mse = training_loss(model, x, y, noise)
        return loss, mse, hidden, tape.gradient(loss, variables)

    loss, mse, hidden, grads = forward_and_grads(x, y, tf.constant(noise, tf.float32))
    return {
        "noise": digest(noise),
        "forward": digest(np.float32(loss), np.float32(mse), np.asarray(hidden)),
        "gradients": digest(*[np.asarray(g) for g in grads]),
    }


def fingerprints(config: dict, gamma: float, seed: int, threads: int = 1) -> dict:
    """Every stage's fingerprint (see the module doc); ``loss_after_N_steps`` as floats.

    Call in a fresh process: it configures TensorFlow for ``threads``.
    """
    from . import train

    train.configure_tensorflow(threads)
    sets = _sets(config)
    network = {**config["model"], "gamma": float(gamma)}
    training = train.TrainConfig.from_config(dict(config["training"]))
    n_train, batch = sets["train"].n_sequences, min(training.batch_size, sets["train"].n_sequences)
    out = {
        "data": digest(*(a for s in sets.values() for a in (s.inputs, s.targets))),
        "batch_order": digest(*(train.batch_indices(seed, s, n_train, batch) for s in range(BATCH_ORDER_STEPS))),
    }
    model, _ = train._build(network, training, sets["train"].inputs.shape[-1], seed)
    out.update(_first_step(model, sets["train"], training, seed))
    out["initial_weights"] = digest(*model.get_weights())
    for steps in STEPS:
        short = train.TrainConfig.from_config(dict(config["training"], max_steps=steps, eval_every=steps))
        model, history, _ = train.train(network, short, sets["train"], sets["validation"], seed=seed, stream=sys.stderr)
        out[f"after_{steps}_steps"] = digest(*model.get_weights())
        out[f"loss_after_{steps}_steps"] = float(history["loss"].iloc[-1])
    return {k: out[k] for k in order()} | {k: v for k, v in out.items() if k.startswith("loss_")}


def main(argv=None) -> int:
    import yaml

    parser = argparse.ArgumentParser(prog="python -m tdnms.stages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="config.yaml")
    parser.add_argument("--gamma", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    with open(args.config) as handle:
        config = yaml.safe_load(handle)
    print(json.dumps(fingerprints(config, args.gamma, args.seed, args.threads), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
