"""The simulate job's network pass: TensorFlow (load_model + runtime.infer) vs NumPy (read_parameters + forward).

    python bench/simulate.py results/models/gamma0.2_seed0/model.keras --n 300 --repeat 3

Each mode runs in fresh interpreters (imports included, as a job pays them); prints the
median CPU and wall seconds and the largest difference of the hidden states between modes.
"""

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

CODE = {
    "tensorflow": (
        "from tdnms.runtime import configure_tensorflow; configure_tensorflow(1); "
        "from tdnms.model import load_model, hidden_states; h, y = hidden_states(load_model(MODEL), x)"
    ),
    "numpy": (
        "from threadpoolctl import threadpool_limits; from tdnms import forward; "
        "from tdnms.parameters import read_parameters\n"
        "with threadpool_limits(limits=1): h, y = forward.forward(read_parameters(MODEL), x)"
    ),
}


def run(mode: str, model: str, n: int, scripts: str, save: str | None) -> tuple[float, float]:
    code = (
        f"import sys, time; sys.path.insert(0, {scripts!r}); import numpy as np; MODEL = {model!r}; "
        f"x = np.random.default_rng(0).random(({n}, 200, 2)).astype('float32'); "
        "t, w = time.process_time(), time.perf_counter()\n"
        f"{CODE[mode]}\n"
        "print(time.process_time() - t, time.perf_counter() - w)\n"
        + (f"np.save({save!r}, h)\n" if save else "")
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[-2]), float(out[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--n", type=int, default=300, help="sequences (the manuscript's test set: 300)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scripts", default=str(Path(__file__).resolve().parents[1] / "scripts"))
    args = parser.parse_args()
    import tempfile

    import numpy as np

    tmp = tempfile.mkdtemp()
    for mode in CODE:
        times = [run(mode, args.model, args.n, args.scripts, f"{tmp}/{mode}.npy" if i == 0 else None) for i in range(args.repeat)]
        cpu, wall = statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)
        print(f"{mode:10s} CPU {cpu:6.2f} s  wall {wall:6.2f} s  (median of {args.repeat}, imports included)", flush=True)
    diff = np.abs(np.load(f"{tmp}/tensorflow.npy") - np.load(f"{tmp}/numpy.npy")).max()
    print(f"max |hidden_tf - hidden_numpy| = {diff:.2e}")


if __name__ == "__main__":
    main()
