"""Reproducibility report: does run B say what run A says?

    python -m tdnms.compare A/results B/results
    python -m tdnms.compare results reference/manuscript_networks.csv

Every table (Parquet, JSON, CSV) present in either results folder is classed as

* ``byte-identical``;
* ``equal within tolerance``: same columns and rows, numbers equal within ``rtol``/``atol``;
* ``statistically consistent``: beyond tolerance (e.g. other weights), but no headline conclusion differs;
* ``different``: missing in one run, other columns, or a headline conclusion differs.

Headline conclusions come from the per-network summaries (:mod:`tdnms.summary`):

* per gamma and headline metric, the seeds of A and B are compared by a two-sided
  Mann-Whitney U test (converged networks; the share that reached the criterion is
  one more metric over all networks), Holm-corrected over all (metric, gamma) tests;
  a corrected p below ``alpha`` is a difference;
* per metric, the trend over gamma (:func:`tdnms.trends.trends`) must agree:
  significant in both with the same sign, or in neither.

B may be a per-network summary CSV (e.g. the committed reference); tables are then
not compared. The exit status is 1 when a headline conclusion differs, else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import summary, trends

TABLE_SUFFIXES = (".parquet", ".json", ".csv")
SKIPPED = ("logs", "benchmarks", "checkpoints", "figures")
RTOL, ATOL, ALPHA = 1e-5, 1e-8, 0.05


@dataclass
class Report:
    """What :func:`compare` found; ``differs`` is True when a headline conclusion differs."""

    tables: pd.DataFrame  # path, status, detail
    per_gamma: pd.DataFrame  # metric, gamma, n_a, n_b, mean_a, mean_b, p_value, p_holm, different
    trends: pd.DataFrame  # metric, rho_a, p_a, significant_a, rho_b, ..., differs
    same_weights: tuple[int, int] = (0, 0)  # networks with equal weight hashes, networks in both
    notes: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.per_gamma["different"].any() or self.trends["differs"].any())


def table_files(folder: Path) -> dict[str, Path]:
    """Tables under a results folder, keyed by their path relative to it (logs, figures etc. left out)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.suffix in TABLE_SUFFIXES and path.is_file() and rel.parts[0] not in SKIPPED:
            out[rel.as_posix()] = path
    return out


def _read(path: Path):
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".csv":
        return pd.read_csv(path)
    doc = json.loads(path.read_text())
    doc.pop("_provenance", None)
    return pd.json_normalize(doc)


def _column_close(a: pd.Series, b: pd.Series, rtol: float, atol: float) -> bool:
    if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
        return bool(np.allclose(a.to_numpy(float), b.to_numpy(float), rtol=rtol, atol=atol, equal_nan=True))
    try:  # columns of arrays or lists (e.g. fixed-point states)
        x, y = np.array(a.tolist(), dtype=float), np.array(b.tolist(), dtype=float)
        return x.shape == y.shape and bool(np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True))
    except (TypeError, ValueError):
        return bool((a.astype(str).to_numpy() == b.astype(str).to_numpy()).all())


def compare_table(a: Path, b: Path, rtol: float = RTOL, atol: float = ATOL) -> tuple[str, str]:
    """(status, detail): status "byte-identical", "equal within tolerance", "beyond tolerance" or "structure"."""
    if a.read_bytes() == b.read_bytes():
        return "byte-identical", ""
    x, y = _read(a), _read(b)
    if list(x.columns) != list(y.columns):
        return "structure", f"columns differ: {sorted(set(x.columns) ^ set(y.columns))}"
    if len(x) != len(y):
        return "beyond tolerance", f"{len(x)} vs {len(y)} rows"
    off = [c for c in x.columns if not _column_close(x[c], y[c], rtol, atol)]
    if not off:
        return "equal within tolerance", ""
    return "beyond tolerance", f"{len(off)} column(s) differ, e.g. {off[:3]}"


def _converged(table: pd.DataFrame, include_unconverged: bool) -> pd.DataFrame:
    return table if include_unconverged else table[table["reached"].astype(bool)]


def _p_mann_whitney(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import mannwhitneyu

    if len(x) == 0 or len(y) == 0:
        return float("nan")
    if np.ptp(np.concatenate([x, y])) == 0:
        return 1.0  # every value the same: nothing to tell apart
    p = float(mannwhitneyu(x, y, alternative="two-sided").pvalue)
    return 1.0 if np.isnan(p) else p


def per_gamma_tests(a: pd.DataFrame, b: pd.DataFrame, metrics, alpha=ALPHA, include_unconverged=False) -> pd.DataFrame:
    """Per (metric, gamma): seeds of A vs seeds of B, Mann-Whitney U, Holm-corrected over all tests.

    ``reached`` (share of networks at the criterion) is tested over all networks; the
    metrics over converged ones unless ``include_unconverged``.
    """
    rows = []
    gammas = sorted(set(a["gamma"]) | set(b["gamma"]))
    for metric in ["reached", *metrics]:
        for gamma in gammas:
            sa, sb = a[a["gamma"] == gamma], b[b["gamma"] == gamma]
            if metric != "reached":
                sa, sb = _converged(sa, include_unconverged), _converged(sb, include_unconverged)
            x = sa[metric].astype(float).dropna().to_numpy() if metric in sa else np.array([])
            y = sb[metric].astype(float).dropna().to_numpy() if metric in sb else np.array([])
            rows.append(
                {
                    "metric": metric,
                    "gamma": float(gamma),
                    "n_a": len(x),
                    "n_b": len(y),
                    "mean_a": float(x.mean()) if len(x) else np.nan,
                    "mean_b": float(y.mean()) if len(y) else np.nan,
                    "p_value": _p_mann_whitney(x, y),
                }
            )
    out = pd.DataFrame(rows)
    tested = out["p_value"].notna()
    out["p_holm"] = np.nan
    out.loc[tested, "p_holm"] = trends.holm(out.loc[tested, "p_value"])
    out["different"] = out["p_holm"] < alpha
    return out


def trend_agreement(a, b, metrics, alpha=ALPHA, n_permutations=trends.N_PERMUTATIONS, include_unconverged=False):
    """Per metric, each run's trend over gamma and whether the conclusion (significance, sign) differs."""
    found = []
    for table in (a, b):
        t = trends.trends(_converged(table, include_unconverged), metrics, n_permutations, alpha=alpha)
        found.append(t.set_index("metric")[["rho", "p_holm", "significant"]])
    out = found[0].merge(found[1], left_index=True, right_index=True, suffixes=("_a", "_b")).reset_index()
    sign_differs = np.sign(out["rho_a"]) != np.sign(out["rho_b"])
    out["differs"] = (out["significant_a"] != out["significant_b"]) | (
        out["significant_a"] & out["significant_b"] & sign_differs
    )
    return out


def compare_networks(a: pd.DataFrame, b: pd.DataFrame, **options) -> tuple[pd.DataFrame, pd.DataFrame, tuple[int, int]]:
    """Per-gamma tests, trend agreement and (equal weight hashes, common networks) of two summaries."""
    metrics = [m for m in summary.metric_columns(a) if m in b.columns]
    alpha = options.get("alpha", ALPHA)
    unconverged = options.get("include_unconverged", False)
    tests = per_gamma_tests(a, b, metrics, alpha, unconverged)
    agree = trend_agreement(a, b, metrics, alpha, options.get("n_permutations", trends.N_PERMUTATIONS), unconverged)
    same = (0, 0)
    if "weights_sha256" in a and "weights_sha256" in b:
        both = a.merge(b, on=["gamma", "seed"], suffixes=("_a", "_b"))
        same = (int((both["weights_sha256_a"] == both["weights_sha256_b"]).sum()), len(both))
    return tests, agree, same


def _source(path: Path) -> tuple[Path | None, pd.DataFrame]:
    """(results folder or None, per-network summary) of a command-line argument."""
    return (path if path.is_dir() else None), summary.read_networks(path)


def compare(a, b, rtol=RTOL, atol=ATOL, **options) -> Report:
    """Compare run ``a`` with ``b`` (results folders, or per-network summary CSVs); see the module doc."""
    folder_a, net_a = _source(Path(a))
    folder_b, net_b = _source(Path(b))
    tests, agree, same = compare_networks(net_a, net_b, **options)
    report = Report(pd.DataFrame(columns=["path", "status", "detail"]), tests, agree, same)
    differs = report.differs
    if folder_a is None or folder_b is None:
        report.notes.append("one side is a summary CSV: tables not compared, only the per-network summaries")
        return report
    files_a, files_b = table_files(folder_a), table_files(folder_b)
    rows = []
    for rel in sorted(set(files_a) | set(files_b)):
        if rel not in files_a or rel not in files_b:
            rows.append((rel, "different", f"only in {'A' if rel in files_a else 'B'}"))
            continue
        status, detail = compare_table(files_a[rel], files_b[rel], rtol, atol)
        if status == "structure":
            status = "different"
        elif status == "beyond tolerance":
            status = "different" if differs else "statistically consistent"
        rows.append((rel, status, detail))
    report.tables = pd.DataFrame(rows, columns=["path", "status", "detail"])
    return report


def _fmt(value) -> str:
    return "nan" if not np.isfinite(value) else f"{value:.4g}"


def format_report(report: Report, a: str = "A", b: str = "B") -> str:
    """The report as text: tables by class, per-gamma differences, trend agreement and the verdict."""
    lines = [f"Reproducibility report\n  A: {a}\n  B: {b}", ""]
    if len(report.tables):
        counts = report.tables["status"].value_counts()
        lines.append("Tables: " + ", ".join(f"{counts.get(c, 0)} {c}" for c in CLASSES))
        for status in CLASSES[1:]:
            for row in report.tables[report.tables["status"] == status].itertuples():
                lines.append(f"  {status:26s} {row.path}" + (f"  ({row.detail})" if row.detail else ""))
    lines += [f"Note: {n}" for n in report.notes]
    same, common = report.same_weights
    lines.append(f"Weights: {same} of {common} networks in both runs have identical weights (sha256)")
    tested = report.per_gamma[report.per_gamma["p_value"].notna()]
    lines.append(
        f"\nPer gamma, A vs B (Mann-Whitney U over seeds, Holm over {len(tested)} tests): "
        f"{int(report.per_gamma['different'].sum())} significantly different"
    )
    for row in report.per_gamma[report.per_gamma["different"]].itertuples():
        lines.append(
            f"  DIFFERENT {row.metric} at gamma {row.gamma:g}: A {_fmt(row.mean_a)} (n {row.n_a}) vs "
            f"B {_fmt(row.mean_b)} (n {row.n_b}), p_holm {_fmt(row.p_holm)}"
        )
    lines.append("\nTrends over gamma (Spearman rho, permutation p, Holm over metrics):")
    for row in report.trends.itertuples():
        mark = "DIFFERS" if row.differs else "agrees "
        lines.append(
            f"  {mark} {row.metric:28s} A rho {_fmt(row.rho_a):>7s} p {_fmt(row.p_holm_a):>7s}"
            f"{' *' if row.significant_a else '  '} | B rho {_fmt(row.rho_b):>7s} p {_fmt(row.p_holm_b):>7s}"
            f"{' *' if row.significant_b else ''}"
        )
    verdict = "a headline conclusion DIFFERS" if report.differs else "every headline conclusion agrees"
    lines.append(f"\nVerdict: {verdict}.")
    return "\n".join(lines) + "\n"


CLASSES = ("byte-identical", "equal within tolerance", "statistically consistent", "different")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tdnms.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("a", help="results folder of run A")
    parser.add_argument("b", help="results folder of run B, or a per-network summary CSV (e.g. the reference)")
    parser.add_argument("--rtol", type=float, default=RTOL)
    parser.add_argument("--atol", type=float, default=ATOL)
    parser.add_argument("--alpha", type=float, default=ALPHA)
    parser.add_argument("--permutations", type=int, default=trends.N_PERMUTATIONS)
    parser.add_argument("--include-unconverged", action="store_true", help="test metrics of every network")
    parser.add_argument("--output", help="also write the report to this file")
    args = parser.parse_args(argv)
    report = compare(
        args.a,
        args.b,
        args.rtol,
        args.atol,
        alpha=args.alpha,
        n_permutations=args.permutations,
        include_unconverged=args.include_unconverged,
    )
    text = format_report(report, args.a, args.b)
    print(text, end="")
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text)
    return 1 if report.differs else 0


if __name__ == "__main__":
    sys.exit(main())
