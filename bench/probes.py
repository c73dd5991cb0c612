"""Cost of the probe stage on one trained network: import, probe run, fit.

    ./run python bench/probes.py --model results/models/gamma0.2_seed0/model.keras [--config config.yaml]

Prints wall and CPU seconds of loading the network (TensorFlow / Keras import
included), of running every probe x repeat with noise on, and of the
psychometric fit, and the probe and trial counts. The default workflow runs this
once per network (6 networks on 2 cores) plus one aggregate and one plot job.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def timed(label, fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    print(f"{label:<28} wall {time.perf_counter() - wall:6.2f} s   cpu {time.process_time() - cpu:6.2f} s", flush=True)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=REPO / "config.yaml")
    args = parser.parse_args()
    config = yaml.safe_load(args.config.read_text())

    def load():
        from tdnms.model import load_model, network_parameters

        return network_parameters(load_model(args.model))

    params = timed("import + load network", load)
    from tdnms import probes, task

    spec = task.TaskSpec.from_config(config["task"])
    cfg = probes.ProbeConfig.from_config(config["analysis"].get("probes"))
    table = timed("probes (noise on)", lambda: probes.run_probes(params, spec, cfg, seed=0))
    timed("psychometric fit + summary", lambda: probes.summarise(table))
    print(f"{len(table)} probes x {cfg.repeats} repeats = {len(table) * cfg.repeats} noisy trials")


if __name__ == "__main__":
    main()
