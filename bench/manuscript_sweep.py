"""Steps and seconds to criterion of a reduced sweep: every gamma, chosen seeds, training only.

    ./run python bench/manuscript_sweep.py [--seeds 0 1] [--cores 1] [--configfile config/manuscript.yaml]
    ./run python bench/manuscript_sweep.py --configfile config.yaml          # the default sweep

Writes ``config.yaml`` deep-merged with ``--configfile`` (seeds replaced by
``--seeds``) into a temporary working directory (the repository's results/ is
never touched), runs ``snakemake --until train`` there, then prints per network
whether it reached the criterion, the steps and training seconds to get there
(from its history.parquet), and the train job's time and peak RSS (its
benchmark tsv: s, max_rss); then per gamma the mean job time and the RSS peak.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))


def merged(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def benchmark(path: Path) -> dict:
    with open(path) as f:
        row = next(csv.DictReader(f, delimiter="\t"))
    return {"job_s": float(row["s"]), "max_rss_mb": float(row["max_rss"]) if row["max_rss"] != "NA" else float("nan")}


def network_rows(results: Path) -> list[dict]:
    """One row per trained network: ``results/models/gamma{g}_seed{s}/history.parquet`` and its train benchmark."""
    import re

    import pandas as pd

    rows = []
    for folder in (results / "models").glob("gamma*_seed*"):
        if not (folder / "history.parquet").exists():
            continue  # still training (a --report of a running sweep)
        gamma, seed = re.fullmatch(r"gamma(.+)_seed(\d+)", folder.name).groups()
        history = pd.read_parquet(folder / "history.parquet")
        last = history.iloc[-1]
        tsv = next(
            p
            for p in (results / "benchmarks" / "train" / f"{n}.tsv" for n in (folder.name, f"{gamma}_{seed}"))
            if p.exists()
        )
        rows.append(
            {
                "gamma": float(gamma),
                "seed": int(seed),
                "reached": bool(last["reached"]),
                "steps": int(last["step"]),
                "train_s": float(last["wall_seconds"]),
                "val_mse": float(history["validation_mse"].dropna().iloc[-1]),
                **benchmark(tsv),
            }
        )
    return sorted(rows, key=lambda r: (r["gamma"], r["seed"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", type=Path, default=REPO / "config" / "manuscript.yaml")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--report", type=Path, help="only print the table of an existing working directory")
    args = parser.parse_args()
    if args.report is not None:
        return print_table(network_rows(args.report / "results"))
    base = yaml.safe_load((REPO / "config.yaml").read_text())
    config = merged(base, yaml.safe_load(args.configfile.read_text()) or {})
    config["sweep"]["seed"] = list(args.seeds)
    workdir = Path(tempfile.mkdtemp(prefix="tdnms-sweep-"))
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    print(f"workdir {workdir}; {len(config['sweep']['gamma'])} gammas x seeds {args.seeds}", flush=True)
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    cmd = [snakemake, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", str(args.cores)]
    t0 = time.perf_counter()
    proc = subprocess.run([*cmd, "--until", "train", "--quiet"], cwd=workdir, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        sys.exit(f"workflow failed (workdir kept: {workdir})")
    print_table(network_rows(workdir / "results"))
    print(f"workflow wall time {wall:.0f} s (--cores {args.cores})")
    if args.keep:
        print(f"kept {workdir}")
    else:
        shutil.rmtree(workdir)


def print_table(rows: list[dict]) -> None:
    head = (
        f"{'gamma':>6} {'seed':>4} {'reached':>7} {'steps':>6} {'train s':>8} {'val MSE':>8} {'job s':>7} {'RSS MB':>7}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['gamma']:>6} {r['seed']:>4} {str(r['reached']):>7} {r['steps']:>6} {r['train_s']:>8.1f}"
            f" {r['val_mse']:>8.4f} {r['job_s']:>7.1f} {r['max_rss_mb']:>7.0f}"
        )
    print(f"\n{'gamma':>6} {'reached':>8} {'mean steps':>10} {'mean job s':>10} {'RSS peak MB':>11}")
    for gamma in sorted({r["gamma"] for r in rows}):
        mine = [r for r in rows if r["gamma"] == gamma]
        steps, job = (sum(r[k] for r in mine) / len(mine) for k in ("steps", "job_s"))
        reached = f"{sum(r['reached'] for r in mine)}/{len(mine)}"
        print(f"{gamma:>6} {reached:>8} {steps:>10.0f} {job:>10.1f} {max(r['max_rss_mb'] for r in mine):>11.0f}")
    print(f"\nall {sum(r['reached'] for r in rows)}/{len(rows)} reached")


if __name__ == "__main__":
    main()
