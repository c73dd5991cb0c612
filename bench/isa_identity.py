"""Are the trained weights the same under every XLA instruction-set cap and thread count?

Trains the default-config network (config.yaml's task, data and model sections;
gamma and seeds from the command line) for a fixed number of steps, or to the
criterion with ``--to-criterion``, once per ``XLA_FLAGS`` setting and thread
count, each in a fresh subprocess (XLA reads its flags once per process), and
prints a Markdown table of steps, final loss and a sha256 of the weights.
Any last-bit difference in a step cascades through the following ones, so a
short run is a sensitive test.

    PYTHONPATH=scripts python bench/isa_identity.py [--steps 40] [--threads 1 2] [--gamma 0.5] [--seeds 0 1]
        [--caps none AVX512 AVX2 AVX SSE4_2] [--units N] [--wrapper "qemu-x86_64 -cpu Haswell"]

``--wrapper`` prefixes the worker's command (e.g. an emulator that reports another
CPU); ``--extra-flags`` adds XLA flags to every setting.

    PYTHONPATH=scripts python bench/isa_identity.py --stages results/models/gamma0.5/seed0.keras

runs the stages after training (NumPy simulation, PCA, fixed points,
decoding, probes, trajectory speed: smaller than the workflow's) once per
environment that makes NumPy and OpenBLAS pick other kernels (``OPENBLAS_CORETYPE``,
``NPY_DISABLE_CPU_FEATURES``) and prints, per output, whether it is identical to
the first environment's or the largest relative difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def weights_hash(model) -> str:
    digest = hashlib.sha256()
    for w in model.get_weights():
        digest.update(w.astype(w.dtype.newbyteorder("<")).tobytes())
    return digest.hexdigest()


def worker(args) -> None:
    """Train each seed for ``args.steps`` steps (or to criterion); one JSON line per seed."""
    import yaml

    from tdnms import task, train

    train.configure_tensorflow(args.threads)
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    spec = task.TaskSpec.from_config(config["task"])
    data_seed = config["data"]["seed"]
    sets = {
        split: task.generate(spec, int(config["data"][f"n_{split}"]), seed=task.split_seed(data_seed, split))
        for split in ("train", "validation")
    }
    network = {**config["model"], "gamma": args.gamma}
    if args.units:
        network["units"] = args.units
    training = dict(config["training"])
    if not args.to_criterion:
        training.update(max_steps=args.steps, eval_every=max(args.steps, 1))
    tconfig = train.TrainConfig.from_config(training)
    for seed in args.seeds:
        t0 = time.perf_counter()
        model, history, reached = train.train(
            network, tconfig, sets["train"], sets["validation"], seed=seed, stream=open(os.devnull, "w")
        )
        row = {
            "seed": seed,
            "steps": int(history["step"].iloc[-1]),
            "reached": bool(reached),
            "loss": float(history["loss"].iloc[-1]),
            "hash": weights_hash(model),
            "seconds": time.perf_counter() - t0,
        }
        print(json.dumps(row), flush=True)


def stages(model_path: str, out: str) -> None:
    """The stages after training for one network, on a small test set; arrays to ``out`` (.npz)."""
    import numpy as np
    import yaml

    from tdnms import analysis, decoding, forward, parameters, probes, task, trajectory_speed
    from tdnms.fixed_points.conditions import fixed_points_from_config

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    spec = task.TaskSpec.from_config(config["task"])
    test = task.generate(spec, 60, seed=task.split_seed(config["data"]["seed"], "test"))
    params = parameters.read_parameters(model_path)
    hidden, outputs = forward.forward(params, test.inputs)  # as the simulate job runs it
    frame = analysis.hidden_frame(hidden, outputs, test)
    projections, explained, _ = analysis.fit_pca(frame, 3)
    fp_options = {**config["analysis"]["fixed_points"], "n_initial_states": 64}
    points = fixed_points_from_config(params, frame, fp_options)[0]
    states, _, trial_types = analysis.trial_tensor(frame)
    time_errors, accuracy, _ = decoding.decode_model(states, trial_types, spec, config["analysis"]["decoding"])
    probe_cfg = probes.ProbeConfig.from_config({**config["analysis"]["probes"], "repeats": 4, "shifts": [0]})
    probe_table = probes.run_probes(params, spec, probe_cfg)
    numeric = lambda df: df.select_dtypes("number").to_numpy(np.float64)  # noqa: E731
    q = trajectory_speed.trajectory_speed(params, states, test.inputs.reshape(len(states), spec.n_bins, -1))
    np.savez(out, hidden=hidden, outputs=outputs, pca=numeric(projections), explained=numeric(explained),
             fixed_points=numeric(points), decoding_time=numeric(time_errors), decoding_accuracy=numeric(accuracy),
             probes=numeric(probe_table), speed=q)


STAGE_ENVIRONMENTS = {
    "(as installed)": {},
    "OPENBLAS_CORETYPE=Zen": {"OPENBLAS_CORETYPE": "Zen"},
    "OPENBLAS_CORETYPE=Sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge"},
    "OPENBLAS_CORETYPE=Nehalem": {"OPENBLAS_CORETYPE": "Nehalem"},
    "NPY_DISABLE_CPU_FEATURES=AVX2 FMA3": {"NPY_DISABLE_CPU_FEATURES": "AVX2 FMA3"},
}


def compare_stages(model_path: str) -> None:
    import tempfile

    import numpy as np

    outputs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, extra in STAGE_ENVIRONMENTS.items():
            env = {**os.environ, **extra, "PYTHONPATH": str(REPO / "scripts")}
            out = f"{tmp}/{len(outputs)}.npz"
            cmd = [sys.executable, __file__, "--stages-worker", model_path, out]
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if proc.returncode:
                raise RuntimeError(f"{label} failed:\n{proc.stderr[-3000:]}")
            outputs[label] = dict(np.load(out))
    reference = outputs[next(iter(outputs))]
    print("| environment | " + " | ".join(reference) + " |\n|---|" + "---|" * len(reference))
    for label, arrays in outputs.items():
        cells = []
        for name, ref in reference.items():
            got = arrays[name]
            if got.shape != ref.shape:
                cells.append(f"shape {got.shape}")
            elif np.array_equal(got, ref, equal_nan=True):
                cells.append("=")
            else:
                scale = np.nanmax(np.abs(ref)) or 1.0
                cells.append(f"{np.nanmax(np.abs(got - ref)) / scale:.1e}")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


def run_setting(args, cap: str, threads: int) -> list[dict]:
    flags = [] if cap == "none" else [f"--xla_cpu_max_isa={cap}"]
    flags += shlex.split(args.extra_flags)
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    if flags:
        env["XLA_FLAGS"] = " ".join(flags)
    env["PYTHONPATH"] = str(REPO / "scripts")
    cmd = shlex.split(args.wrapper) + [sys.executable, __file__, "--worker", "--threads", str(threads)]
    cmd += ["--steps", str(args.steps), "--gamma", str(args.gamma), "--units", str(args.units or 0)]
    cmd += ["--seeds", *map(str, args.seeds)] + (["--to-criterion"] if args.to_criterion else [])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{cmd} failed:\n{proc.stderr[-3000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--to-criterion", action="store_true", help="train to the criterion (config max_steps)")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--gamma", type=float, default=0.5)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--units", type=int, default=0, help="0: config.yaml's")
    p.add_argument("--caps", nargs="+", default=["none", "AVX512", "AVX2", "AVX", "SSE4_2"])
    p.add_argument("--extra-flags", default="")
    p.add_argument("--wrapper", default="")
    p.add_argument("--stages", metavar="MODEL", help="compare the stages after training across NumPy/BLAS kernels")
    p.add_argument("--stages-worker", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.stages_worker:
        return stages(*args.stages_worker)
    if args.stages:
        return compare_stages(args.stages)
    if args.worker:
        args.threads = args.threads[0]
        return worker(args)
    seeds = " | ".join(f"steps, loss, weights (seed {s})" for s in args.seeds)
    print(f"| threads | XLA_FLAGS | {seeds} | s |\n|---|---|" + "---|" * (len(args.seeds) + 1), flush=True)
    for threads in args.threads:
        for cap in args.caps:
            rows = run_setting(args, cap, threads)
            for row in rows:  # the full hashes, for golden values
                print(json.dumps({"threads": threads, "cap": cap, **row}), file=sys.stderr, flush=True)
            flag = "(none)" if cap == "none" else f"`--xla_cpu_max_isa={cap}`"
            cells = " | ".join(f"{r['steps']}, {r['loss']:.9g}, {r['hash'][:12]}" for r in rows)
            print(f"| {threads} | {flag} | {cells} | {sum(r['seconds'] for r in rows):.0f} |", flush=True)


if __name__ == "__main__":
    main()
