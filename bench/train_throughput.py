"""Training throughput: our batched loop vs the reference notebook's loop, in one run.

    ./run python bench/train_throughput.py [--threads 2] [--reference-fits 40]

Prints, for the default network (128 units, noise 0.3, 200-bin trials):
  * ours: median ms per training step at batch 32 (the XLA-compiled step, noise
    drawn inside it), its first call (tracing + XLA compilation), sample-steps per
    second (trials x bins per second of training), and seconds to the default
    criterion including compilation (wall clock of ``train.train``);
  * reference: the notebook's recipe reimplemented (generic keras.layers.RNN cell,
    Adam 1e-5, one ``model.fit`` per 2-trial 400-bin sequence, batch 1, validation
    on 4 sequences each fit): sample-steps per second over ``--reference-fits`` fits.
Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from tdnms import task, train  # noqa: E402


def ours(threads: int):
    import numpy as np
    import yaml

    spec = task.TaskSpec()
    train_set, validation_set = task.generate(spec, 1024, seed=[0, 0]), task.generate(spec, 96, seed=[0, 1])
    defaults = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text())
    network = {**defaults["model"], "gamma": 0.2}
    config = train.TrainConfig.from_config(defaults["training"])  # the workflow's default criterion
    t0 = time.perf_counter()
    model, history, reached = train.train(
        network, config, train_set, validation_set, seed=0, stream=open(os.devnull, "w")
    )
    to_criterion = time.perf_counter() - t0
    # Steady-state step time: the training loop's own step (batch gathering, time-major
    # layout, the compiled step with its in-step noise, forward, backward, Adam), on a
    # fresh network, without the validation scoring. The first call compiles.
    net, opt = train._build(network, config, train_set.inputs.shape[-1], seed=1)
    step = train.make_train_step(net, opt, noisy=True)
    noise = train.NoiseStream(seed=1, shape=(spec.n_bins, 32, network["units"]))

    def run(i):
        idx = train.batch_indices(1, i, train_set.n_sequences, 32)
        batch = train.time_major(train_set.inputs[idx]), train.time_major(train_set.targets[idx])
        return float(step(*batch, noise(i))[0])

    t = time.perf_counter()
    run(0)
    first_call = time.perf_counter() - t
    for i in range(1, 5):
        run(i)
    times = []
    for i in range(5, 105):
        t = time.perf_counter()
        run(i)
        times.append(time.perf_counter() - t)
    ms = float(np.median(times)) * 1000
    return {
        "ms_per_step": ms,
        "first_call_s": first_call,
        "sample_steps_per_s": 32 * spec.n_bins / (ms / 1000),
        "steps_to_criterion": int(history["step"].iloc[-1]),
        "seconds_to_criterion": to_criterion,
        "reached": reached,
    }


def reference(n_fits: int):
    import keras

    from tdnms.model import build_network

    spec = task.TaskSpec.from_config({"trials_per_sequence": 2, "draw": ["SL", "LS"]})
    net = build_network(units=128, gamma=0.2, noise_std=0.3, fused=False, seed=0)
    net.compile(loss="mse", optimizer=keras.optimizers.Adam(1e-5), metrics=["mse"])
    validation = task.generate(spec, 4, seed=1)
    sequences = task.generate(spec, n_fits + 3, seed=2)
    fit = lambda i: net.fit(  # noqa: E731
        sequences.inputs[i : i + 1],
        sequences.targets[i : i + 1],
        validation_data=(validation.inputs, validation.targets),
        epochs=1,
        batch_size=1,
        verbose=0,
    )
    for i in range(3):  # warm-up: graph building
        fit(i)
    t = time.perf_counter()
    for i in range(3, n_fits + 3):
        fit(i)
    seconds = (time.perf_counter() - t) / n_fits
    return {"s_per_fit": seconds, "sample_steps_per_s": spec.sequence_bins / seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reference-fits", type=int, default=40, help="0 skips the reference")
    args = parser.parse_args()
    train.configure_tensorflow(args.threads)
    a = ours(args.threads)
    b = reference(args.reference_fits) if args.reference_fits > 0 else {"sample_steps_per_s": math.nan, "s_per_fit": math.nan}
    print(f"{'':34}{'ours':>14}{'reference':>18}")
    print(f"{'sample-steps per second':34}{a['sample_steps_per_s']:>14,.0f}{b['sample_steps_per_s']:>18,.0f}")
    print(f"{'ms per training step (batch 32)':34}{a['ms_per_step']:>14.1f}{'':>14}")
    print(f"{'first step: trace + compile (s)':34}{a['first_call_s']:>14.1f}{'':>14}")
    print(f"{'s per model.fit (1 x 400 bins)':34}{'':>14}{b['s_per_fit']:>18.3f}")
    print(f"{'steps to criterion':34}{a['steps_to_criterion']:>14}{'never (lr 1e-5)':>18}")
    print(f"{'seconds to criterion (incl. build)':34}{a['seconds_to_criterion']:>14.1f}{'':>14}")
    print(f"speed-up in sample-steps per second: {a['sample_steps_per_s'] / b['sample_steps_per_s']:.0f}x")


if __name__ == "__main__":
    main()
