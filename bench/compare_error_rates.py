"""Error rates of the comparison report (tdnms.compare) on cases with a known answer.

    ./run python bench/compare_error_rates.py [--splits 10] [--csv reference/manuscript_networks.csv]

From the committed reference (8 gammas x 10 seeds), printed, never asserted:

* false alarms: two halves of the same sweep (seeds 0-4 vs 5-9, then random 5/5 splits of the
  seeds) must not be called different; the share of each outcome is printed;
* misses: a shift of k x the margin added to one half's metric (every gamma), k = 0.5, 1, 2, 4;
  beyond the margin (k > 1) it should be called different, within it (k <= 1) never;
* a subset: seed 0 (8 networks) against the full reference must not be called different;
* the time of one full report (80 against 80 networks).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from tdnms import compare, summary, verdicts  # noqa: E402

SHIFTED = ("time_error", "time_cell_fraction", "grid_accuracy", "duration_memory_end")
FACTORS = (0.5, 1.0, 2.0, 4.0)


def outcome(a: pd.DataFrame, b: pd.DataFrame) -> str:
    return compare.Report(*compare.compare_networks(a, b), failures=pd.DataFrame()).outcome


def splits(table: pd.DataFrame, n: int) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Seeds 0-4 vs 5-9, then n - 1 random 5/5 splits of the seeds (fixed RNG)."""
    rng = np.random.default_rng(1)
    seeds = np.sort(table["seed"].unique())
    picks = [seeds[:5]] + [rng.choice(seeds, 5, replace=False) for _ in range(n - 1)]
    return [(table[table["seed"].isin(p)], table[~table["seed"].isin(p)]) for p in picks]


def false_alarms(parts) -> None:
    found = [outcome(a, b) for a, b in parts]
    print(f"halves (seeds 0-4 vs 5-9): {found[0]}")
    counts = pd.Series(found).value_counts()
    print(f"{len(found)} splits: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in ("equivalent", "inconclusive", "different")))


def misses(table, parts) -> None:
    metrics = ["reached", *summary.metric_columns(table)]
    rows = []
    for metric in SHIFTED:
        for k in FACTORS:
            called = []
            for a, b in parts:
                bounds = verdicts.margins(a, b, metrics)
                b = b.assign(**{metric: b[metric] + k * bounds[metric]})
                level = verdicts.levels(a, b, metrics, bounds=bounds).set_index("metric").loc[metric, "verdict"]
                called.append(level)
            shares = pd.Series(called).value_counts() / len(called)
            rows.append({"metric": metric, "shift / margin": k, **{v: shares.get(v, 0.0) for v in ("different", "inconclusive", "equivalent")}})
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.2f}"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", default="reference/manuscript_networks.csv")
    parser.add_argument("--splits", type=int, default=10)
    args = parser.parse_args()
    table = summary.read_networks(args.csv)
    parts = splits(table, args.splits)
    false_alarms(parts)
    misses(table, parts)
    print(f"seed 0 (8 networks) vs all: {outcome(table[table['seed'] == 0], table)}")
    start = time.perf_counter()
    outcome(table, table.assign(time_error=table["time_error"] + 1.0))
    print(f"one report, 80 vs 80 networks: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
