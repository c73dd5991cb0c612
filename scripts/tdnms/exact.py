"""Exact checks: the same network (weights, data, config) must give the same derived tables.

Training is bit-identical by construction, and each stage after it has a documented
tolerance (docs/reproducibility.md, "Same network on any machine"). The trial sets
(``data/``, seeded) must be equal in any two runs. For every network that has the same
``weights_sha256`` in both runs, each table derived from it must match within its stage's
tolerance, :data:`STAGES`: the largest |A - B| of a column at most ``tolerance`` x the
column's largest |value|. A tolerance of 0 means equal values. Anything else is a
difference, named by table, column and network.

Columns that measure wall-clock time differ on every run and are left out: :data:`TIMING_COLUMNS`
(``benchmarks/`` and ``logs/`` are not read at all).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import layout

TABLE_SUFFIXES = (".parquet", ".json", ".csv")
SKIPPED = ("logs", "benchmarks", "checkpoints", "figures")
TIMING_COLUMNS = ("wall_seconds", "train_seconds")  # histories (per step) and status (per network)
# Path prefix under the results folder -> (stage, tolerance relative to the column's largest |value|).
# First match wins. Measured stage differences across OpenBLAS kernel sets (bench/README.md):
# simulation 8.5e-7, PCA 1.5e-8, speed 3.4e-7, fixed points 1.5e-16; decoding, probes identical.
STAGES = (
    ("data/", "data", 0.0),
    ("models/", "training", 0.0),
    ("dynamics/", "simulation", 2e-6),
    ("scores/", "simulation", 2e-6),  # thresholded outputs; mse is a float of the outputs
    ("pca/", "float64 analysis", 1e-6),
    ("fixed_points/", "float64 analysis", 1e-6),
    ("analysis/decoding", "decoding", 0.0),
    ("analysis/", "float64 analysis", 1e-6),
    ("probes/", "probes", 0.0),
    ("manuscript/", "summary", 1e-5),  # the CSV keeps 8 significant digits
)
SUMMARY_TOLERANCE = dict((prefix, tol) for prefix, _, tol in STAGES)["manuscript/"]
KEYS = ["gamma", "seed"]


def stage(rel: str) -> tuple[str, float]:
    """(stage, tolerance) of a table by its path relative to the results folder."""
    return next(((name, tol) for prefix, name, tol in STAGES if rel.startswith(prefix)), ("other", 0.0))


def table_files(folder: Path) -> dict[str, Path]:
    """Tables under a results folder, keyed by their path relative to it (logs, figures etc. left out)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.suffix in TABLE_SUFFIXES and path.is_file() and rel.parts[0] not in SKIPPED:
            out[rel.as_posix()] = path
    return out


def read(path: Path) -> pd.DataFrame:
    """A table's values (Parquet metadata and JSON provenance left out)."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path)
    doc = json.loads(path.read_text())
    doc.pop("_provenance", None)
    return pd.json_normalize(doc)


def _numbers(series: pd.Series) -> np.ndarray | None:
    """The column as a float array (rows x values), or None when it is not numeric."""
    try:
        return np.array(series.tolist(), dtype=float).reshape(len(series), -1)
    except (TypeError, ValueError):
        return None


def differing(x: pd.Series, y: pd.Series, tolerance: float) -> np.ndarray:
    """Per row: does the value differ beyond ``tolerance`` x the column's largest |value|? NaN equals NaN."""
    a, b = _numbers(x), _numbers(y)
    if a is None or b is None or a.shape != b.shape:
        return x.astype(str).to_numpy() != y.astype(str).to_numpy()
    scale = np.nanmax(np.abs(np.r_[a.ravel(), b.ravel(), 0.0]))
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    with np.errstate(invalid="ignore"):
        off = (np.abs(a - b) > tolerance * scale) | (nan_a != nan_b)
    return off.any(axis=1)


def frame_failures(x: pd.DataFrame, y: pd.DataFrame, tolerance: float, networks) -> list[dict]:
    """Columns of two aligned tables that differ: [{column, gamma, seed, detail}] (first row each).

    ``networks``: the (gamma, seed) of each row, or one (gamma, seed) for every row.
    """
    if list(x.columns) != list(y.columns):
        return [{"column": "(columns)", "gamma": np.nan, "seed": np.nan, "detail": f"{sorted(set(x.columns) ^ set(y.columns))}"}]
    if len(x) != len(y):
        return [{"column": "(rows)", "gamma": np.nan, "seed": np.nan, "detail": f"{len(x)} vs {len(y)} rows"}]
    out = []
    for column in [c for c in x.columns if c not in TIMING_COLUMNS]:
        off = np.flatnonzero(differing(x[column], y[column], tolerance))
        if len(off):
            gamma, seed = networks[off[0]] if isinstance(networks, list) else networks
            detail = f"A {x[column].iloc[off[0]]} vs B {y[column].iloc[off[0]]} ({len(off)} row(s) differ)"
            out.append({"column": column, "gamma": gamma, "seed": seed, "detail": detail})
    return out


def keyed_failures(x: pd.DataFrame, y: pd.DataFrame, tolerance: float, same: set) -> list[dict]:
    """Rows of networks in ``same`` (tables with gamma and seed columns), compared network by network."""
    keep = [frame[frame[KEYS].apply(tuple, axis=1).isin(same)].sort_values(KEYS, kind="stable") for frame in (x, y)]
    if len(keep[0]) != len(keep[1]):
        counts = [f[KEYS].value_counts() for f in keep]
        bad = (counts[0] - counts[1]).fillna(1).ne(0).idxmax()
        return [{"column": "(rows)", "gamma": bad[0], "seed": bad[1], "detail": f"{len(keep[0])} vs {len(keep[1])} rows"}]
    networks = list(zip(keep[0]["gamma"].astype(float), keep[0]["seed"].astype(int)))
    return frame_failures(keep[0].reset_index(drop=True), keep[1].reset_index(drop=True), tolerance, networks)


def check_table(rel: str, a: Path, b: Path, same: set, all_same: bool) -> tuple[str, list[dict]]:
    """(how it was checked, failures) of one table present in both runs.

    How: "byte-identical", "checked" (values of networks with equal weights compared; "partly
    checked" when the table also holds networks whose weights differ), or
    "not checked" (no network of this table has equal weights in both runs). Tables of no one
    network and without gamma/seed columns (aggregates) are checked when ``all_same`` (every
    network of both runs has equal weights); ``data/`` tables always.
    """
    if a.read_bytes() == b.read_bytes():
        return "byte-identical", []
    _, tolerance = stage(rel)
    x, y = read(a), read(b)
    try:
        network = layout.model_key(rel)
    except ValueError:
        network = None
    if network is not None:
        return ("checked", frame_failures(x, y, tolerance, network)) if network in same else _unchecked(x, y, tolerance)
    if {"gamma", "seed"} <= set(x.columns) & set(y.columns):
        if not same:
            return _unchecked(x, y, tolerance)
        held = set(zip(pd.concat([x, y])["gamma"].astype(float), pd.concat([x, y])["seed"].astype(int)))
        return ("checked" if held <= same else "partly checked"), keyed_failures(x, y, tolerance, same)
    if all_same or rel.startswith("data/"):
        return "checked", frame_failures(x, y, tolerance, (np.nan, np.nan))
    return _unchecked(x, y, tolerance)


def _unchecked(x: pd.DataFrame, y: pd.DataFrame, tolerance: float) -> tuple[str, list[dict]]:
    """A table of other networks: equal anyway, other columns (a difference) or other values (not checked)."""
    failures = frame_failures(x, y, tolerance, (np.nan, np.nan))
    if not failures or failures[0]["column"] == "(columns)":
        return "checked", failures
    return "not checked", []


def same_networks(a: pd.DataFrame, b: pd.DataFrame) -> set[tuple[float, int]]:
    """(gamma, seed) of the networks with equal ``weights_sha256`` in both summaries."""
    if "weights_sha256" not in a or "weights_sha256" not in b:
        return set()
    both = a.merge(b, on=KEYS, suffixes=("_a", "_b"))
    both = both[both["weights_sha256_a"] == both["weights_sha256_b"]]
    return set(zip(both["gamma"].astype(float), both["seed"].astype(int)))


def summary_failures(a: pd.DataFrame, b: pd.DataFrame, same: set) -> list[dict]:
    """The per-network summaries' rows of networks with equal weights: every column must match."""
    columns = [c for c in a.columns if c in b.columns]
    return keyed_failures(a[columns], b[columns], SUMMARY_TOLERANCE, same)
