"""One row per network of a sweep: its training outcome, headline metrics and a hash of its weights.

The table (``results/manuscript/networks.csv``) is what a run is compared on
(:mod:`tdnms.compare`) and what the trends over gamma are computed from
(:mod:`tdnms.trends`). It is built from the sweep's aggregate tables (see
:data:`tdnms.layout.OUTPUTS`), the per-network fixed points and the saved weights.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd

from . import layout, tables

KEYS = ["gamma", "seed"]
WEIGHT_KEYS = ("W_in", "W_rec", "b", "W_out", "b_out")

# Headline metrics: column -> what it measures. Fixed-point columns per input condition are added
# by :func:`fixed_point_metrics` (``fixed_points_<c>``, ``stable_points_<c>``, ``slowest_tau_<c>``).
HEADLINE = {
    "steps": "training steps to the criterion",
    "accuracy": "test accuracy, all trial types (noise-free)",
    "mse": "test MSE, all trial types",
    "premature_rate": "share of trials with a threshold crossing outside the response window",
    "early_rate": "share of trials crossing before the response window",
    "latency": "bins from window opening to the first crossing (trials that crossed)",
    "time_cell_fraction": "share of units that are time cells (any trial type)",
    "ramping_fraction": "share of units that ramp and are not time cells (any trial type)",
    "time_error": "mean elapsed-time decoding error (bins)",
    "type_known_bin": "bin from which the trial type stays decodable",
    "duration_memory_end": "bin at which the first odor's duration stops being decodable",
    "psychometric_threshold": "probe grid: duration difference for a reliable go (bins)",
    "psychometric_pse": "probe grid: point of subjective equality (bins)",
    "grid_accuracy": "probe grid: accuracy",
    "shift_sensitivity": "accuracy lost when standard trials are shifted against the cue",
    "reference_accuracy": "accuracy on the reference task's trials (noise on)",
}
FIXED_POINT_PREFIXES = {
    "fixed_points_": "fixed points (stable, saddle, unstable) under constant input",
    "stable_points_": "stable fixed points under constant input",
    "slowest_tau_": "slowest time constant of a stable fixed point, -1/ln|lambda| (bins)",
}

# Equivalence margins: how far apart two runs may be on a metric and still say the same thing
# (tdnms.compare, tdnms.verdicts). metric or prefix -> (kind, size, why). "abs": in the metric's
# unit; "rel": a fraction of the metric's mean |value| over both runs' networks.
MARGINS = {
    "reached": ("abs", 0.2, "share of networks at the criterion: two networks in ten"),
    "steps": ("rel", 0.2, "training cost; steps move in eval_every steps and spread widely over seeds"),
    "accuracy": ("abs", 0.05, "one test trial in twenty"),
    "mse": ("rel", 0.2, "no natural unit; a fifth of its size"),
    "premature_rate": ("abs", 0.05, "a share of trials, as accuracy"),
    "early_rate": ("abs", 0.05, "a share of trials, as accuracy"),
    "latency": ("abs", 1.0, "one time bin, the task's resolution"),
    "time_cell_fraction": ("abs", 0.1, "a share of units: 13 of 128"),
    "ramping_fraction": ("abs", 0.1, "a share of units: 13 of 128"),
    "time_error": ("abs", 2.0, "2 bins of decoded elapsed time"),
    "type_known_bin": ("abs", 10.0, "10 bins, 5% of a 200-bin sequence"),
    "duration_memory_end": ("abs", 10.0, "10 bins, 5% of a 200-bin sequence"),
    "psychometric_threshold": ("abs", 2.0, "2 bins of duration difference"),
    "psychometric_pse": ("abs", 2.0, "2 bins of duration difference"),
    "grid_accuracy": ("abs", 0.05, "one probe trial in twenty"),
    "shift_sensitivity": ("abs", 0.05, "accuracy lost, as accuracy"),
    "reference_accuracy": ("abs", 0.05, "one trial in twenty"),
    "fixed_points_": ("abs", 1.0, "one fixed point more or less per network"),
    "stable_points_": ("abs", 0.3, "a stable point gained or lost in about a third of the networks"),
    "slowest_tau_": ("rel", 0.25, "a time constant; a quarter of its size"),
}
# Trends over gamma: the largest difference of Spearman's rho between runs that still says the
# same thing (a weak trend against a moderate one is not a changed conclusion; 0.3 against 0.9 is).
TREND_MARGIN = 0.3


def weights_sha256(params: dict) -> str:
    """sha256 over the weight arrays (name, dtype, shape and bytes, in :data:`WEIGHT_KEYS` order)."""
    digest = hashlib.sha256()
    for key in WEIGHT_KEYS:
        arr = np.ascontiguousarray(params[key])
        digest.update(f"{key}:{arr.dtype.str}:{arr.shape}".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()


def slowest_tau(max_abs_eigenvalues) -> float:
    """Slowest time constant -1/ln|lambda| (bins) over stable points' largest moduli; NaN if none."""
    moduli = [m for m in np.asarray(max_abs_eigenvalues, dtype=float) if 0 < m < 1]
    return -1.0 / math.log(max(moduli)) if moduli else float("nan")


def fixed_point_metrics(points: pd.DataFrame) -> dict:
    """Per condition: fixed-point count, stable count and slowest stable time constant."""
    out = {}
    for condition, sub in points.groupby("condition", sort=True):
        fixed = sub[sub["is_fixed_point"].astype(bool)]
        stable = fixed[fixed["kind"] == "stable"]
        out[f"fixed_points_{condition}"] = int(len(fixed))
        out[f"stable_points_{condition}"] = int(len(stable))
        out[f"slowest_tau_{condition}"] = slowest_tau(stable["max_abs_eigenvalue"])
    return out


def _read(path, kind=None) -> pd.DataFrame:
    return tables.read_table(path, kind=kind)[0].to_pandas()


def _pick(frame: pd.DataFrame, row_filter: dict, columns: list[str]) -> pd.DataFrame:
    """``columns`` of the rows matching ``row_filter``, one row per (gamma, seed)."""
    for column, value in row_filter.items():
        frame = frame[frame[column] == value]
    return frame.drop_duplicates(KEYS, keep="first")[KEYS + [c for c in columns if c in frame]]


def network_table(inputs: dict, per_network: dict) -> pd.DataFrame:
    """The per-network table, sorted by gamma and seed.

    Args:
        inputs: paths of the sweep tables, keys ``status``, ``scores``, ``fractions``,
            ``decoding``, ``probes`` (layout names ``status``, ``scores_all``,
            ``unit_fractions_all``, ``decoding_all``, ``probes_all``).
        per_network: (gamma, seed) -> {"points": fixed-point table path, "model": .keras path}.
    Returns:
        Columns gamma, seed, steps, reached, the headline metrics and ``weights_sha256``.
    """
    from .parameters import read_parameters

    status = _read(inputs["status"]).rename(columns={"reached_criterion": "reached"})
    table = status[KEYS + ["steps", "reached"]]
    parts = [
        _pick(_read(inputs["scores"]), {"trial_type": "all"}, ["accuracy", "mse", "premature_rate", "early_rate", "latency"]),
        _pick(_read(inputs["fractions"]), {"trial_type": "any"}, ["time_cell_fraction", "ramping_fraction"]),
        _pick(_read(inputs["decoding"]), {}, ["time_error", "type_known_bin", "duration_memory_end"]),
        _pick(_read(inputs["probes"]), {}, [k for k in HEADLINE if k.startswith(("psych", "grid", "shift", "ref"))]),
    ]
    rows = []
    for (gamma, seed), paths in per_network.items():
        row = {"gamma": float(gamma), "seed": int(seed), **fixed_point_metrics(_read(paths["points"]))}
        row["weights_sha256"] = weights_sha256(read_parameters(paths["model"]))
        rows.append(row)
    for part in [*parts, pd.DataFrame(rows)]:
        table = table.merge(part, on=KEYS, how="left", validate="1:1")
    table["reached"] = table["reached"].astype(bool)
    return table.sort_values(KEYS, ignore_index=True)


def metric_columns(table: pd.DataFrame) -> list[str]:
    """The headline metric columns present in ``table``, in :data:`HEADLINE` order, fixed points last."""
    fixed = [c for c in table.columns if c.startswith(tuple(FIXED_POINT_PREFIXES))]
    return [c for c in HEADLINE if c in table.columns] + sorted(fixed, key=lambda c: (c.split("_")[-1], c))


def describe(metric: str) -> str:
    """What a headline metric column measures."""
    if metric in HEADLINE:
        return HEADLINE[metric]
    for prefix, text in FIXED_POINT_PREFIXES.items():
        if metric.startswith(prefix):
            return f"{text} ({metric[len(prefix):]})"
    return metric


def margin(metric: str, values=()) -> float:
    """The equivalence margin of ``metric`` (:data:`MARGINS`), relative ones scaled by mean |values|."""
    key = metric if metric in MARGINS else next((p for p in MARGINS if p.endswith("_") and metric.startswith(p)), None)
    if key is None:
        raise KeyError(f"{metric}: no equivalence margin in tdnms.summary.MARGINS")
    kind, size, _ = MARGINS[key]
    if kind == "abs":
        return size
    values = np.abs(np.asarray(values, dtype=float))
    values = values[np.isfinite(values)]
    return size * float(values.mean()) if len(values) else float("nan")


def read_networks(path: str | Path) -> pd.DataFrame:
    """A per-network table written by the workflow (CSV), or computed from a results folder."""
    path = Path(path)
    if path.is_dir():
        csv = path / layout.OUTPUTS["networks"].pattern
        if not csv.exists():
            raise FileNotFoundError(f"{path}: no {layout.OUTPUTS['networks'].pattern}; run the `results` rule first")
        path = csv
    table = pd.read_csv(path)
    missing = {"gamma", "seed", "reached"} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: not a per-network summary (lacks {sorted(missing)})")
    table["reached"] = table["reached"].astype(bool)
    return table
