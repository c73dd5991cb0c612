"""Reproducibility report: does run B say what run A says?

    python -m tdnms.compare A/results B/results
    python -m tdnms.compare results reference/manuscript_networks.csv

Two kinds of check (B may be a per-network summary CSV, e.g. the committed reference; then only
the summaries are compared):

1. **Exact** (:mod:`tdnms.exact`): a network with the same weights (``weights_sha256``) in both
   runs must give the same derived tables, within its stage's documented tolerance; any other
   value is a difference, named by table, column and network. Wall-clock columns are left out
   (:data:`tdnms.exact.TIMING_COLUMNS`).
2. **Statistical** (:mod:`tdnms.verdicts`): per headline metric, its level (A - B over the
   networks, in pairs where both runs hold the same (gamma, seed)) and its trend over gamma
   (difference of Spearman's rho), each judged against a margin
   (:data:`tdnms.summary.MARGINS`, :data:`tdnms.summary.TREND_MARGIN`):

   * equivalent: the 90% confidence interval of the difference lies inside the margin (TOST);
   * different: the difference is beyond the margin and significant (Bonferroni over the family);
   * inconclusive: neither; the report says how many seeds per gamma would likely decide it,
     or why the runs cannot show it (e.g. a subset with fewer than 3 seeds per gamma).

   Per-gamma cells are screened for "different" too; they never count towards "equivalent".

Exit status: 0 every conclusion equivalent and every exact check passed; 1 something is
different (an exact check, a table missing or of other columns, or a statistical verdict);
3 nothing different but some conclusions inconclusive. (2 is argparse's usage error.)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import exact, summary, verdicts

EXIT = {verdicts.EQUIVALENT: 0, verdicts.DIFFERENT: 1, verdicts.INCONCLUSIVE: 3}
ALPHA = verdicts.ALPHA
CLASSES = ("byte-identical", "equal within tolerance", "judged statistically", "different")
FAILURE_COLUMNS = ["table", "column", "gamma", "seed", "detail"]


@dataclass
class Report:
    """What :func:`compare` found; :attr:`outcome` is the verdict, :attr:`exit_code` its status."""

    levels: pd.DataFrame  # per metric: design, n, delta, se, ci_low, ci_high, margin, verdict, seeds_needed
    trends: pd.DataFrame  # per metric: rho_a, rho_b, delta, ci_low, ci_high, margin, verdict, seeds_needed, reason
    cells: pd.DataFrame  # per (metric, gamma): level at that gamma; verdict "different" or "-"
    failures: pd.DataFrame  # exact checks that failed: table, column, gamma, seed, detail
    tables: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["path", "status", "detail"]))
    same_weights: tuple[int, int] = (0, 0)  # networks with equal weight hashes, networks in both
    networks: tuple[int, int] = (0, 0)  # networks in A, in B
    notes: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """"different", "inconclusive" or "equivalent" (module doc)."""
        if len(self.failures) or (self.tables["status"] == "different").any():
            return verdicts.DIFFERENT
        found = pd.concat([self.levels["verdict"], self.trends["verdict"], self.cells["verdict"]])
        for verdict in (verdicts.DIFFERENT, verdicts.INCONCLUSIVE):
            if (found == verdict).any():
                return verdict
        return verdicts.EQUIVALENT

    @property
    def exit_code(self) -> int:
        return EXIT[self.outcome]

    @property
    def differs(self) -> bool:
        return self.outcome == verdicts.DIFFERENT

    def inconclusive(self) -> list[str]:
        """The conclusions that could not be decided, one line each."""
        out = [f"level of {r.metric}" for r in self.levels.itertuples() if r.verdict == verdicts.INCONCLUSIVE]
        return out + [f"trend of {r.metric}" for r in self.trends.itertuples() if r.verdict == verdicts.INCONCLUSIVE]


def compare_networks(a: pd.DataFrame, b: pd.DataFrame, alpha=ALPHA, include_unconverged=False, n_bootstrap=verdicts.N_BOOTSTRAP):
    """The statistical verdicts (levels, trends, per-gamma cells) of two per-network summaries."""
    metrics = [m for m in summary.metric_columns(a) if m in b.columns]
    levels = verdicts.levels(a, b, ["reached", *metrics], alpha, include_unconverged)
    trends = verdicts.trend_verdicts(a, b, metrics, alpha, include_unconverged, n_bootstrap)
    cells = verdicts.per_gamma_screen(a, b, ["reached", *metrics], alpha, include_unconverged)
    return levels, trends, cells


def _source(path: Path) -> tuple[Path | None, pd.DataFrame]:
    """(results folder or None, per-network summary) of a command-line argument."""
    return (path if path.is_dir() else None), summary.read_networks(path)


def compare(a, b, alpha=ALPHA, include_unconverged=False, n_bootstrap=verdicts.N_BOOTSTRAP) -> Report:
    """Compare run ``a`` with ``b`` (results folders, or per-network summary CSVs); see the module doc."""
    folder_a, net_a = _source(Path(a))
    folder_b, net_b = _source(Path(b))
    same = exact.same_networks(net_a, net_b)
    common = len(verdicts.shared(net_a[exact.KEYS], net_b[exact.KEYS]))
    report = Report(
        *compare_networks(net_a, net_b, alpha, include_unconverged, n_bootstrap),
        failures=pd.DataFrame(columns=FAILURE_COLUMNS),
        same_weights=(len(same), common),
        networks=(len(net_a), len(net_b)),
    )
    if common and common < max(len(net_a), len(net_b)):
        report.notes.append(f"levels compared on the {common} networks both runs hold; trends on each run's own")
    if folder_a is None or folder_b is None:
        report.notes.append("one side is a summary CSV: only the per-network summaries are compared")
        report.failures = _failures(exact.summary_failures(net_a, net_b, same), "per-network summary")
        return report
    report.tables, report.failures = compare_tables(folder_a, folder_b, same, len(same) == len(net_a) == len(net_b))
    return report


def _failures(rows: list[dict], table: str) -> pd.DataFrame:
    return pd.DataFrame([{"table": table, **row} for row in rows], columns=FAILURE_COLUMNS)


def compare_tables(folder_a: Path, folder_b: Path, same: set, all_same: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tables with their class and detail, exact-check failures) of two results folders."""
    files_a, files_b = exact.table_files(folder_a), exact.table_files(folder_b)
    rows, failures = [], []
    for rel in sorted(set(files_a) | set(files_b)):
        if rel not in files_a or rel not in files_b:
            rows.append((rel, "different", f"only in {'A' if rel in files_a else 'B'}"))
            continue
        how, found = exact.check_table(rel, files_a[rel], files_b[rel], same, all_same)
        failures.append(_failures(found, rel))
        if found:
            status = "different"
        elif how == "byte-identical":
            status = how
        else:
            status = "judged statistically" if how == "not checked" else "equal within tolerance"
        detail = "" if how != "partly checked" else "networks with equal weights equal; others judged statistically"
        rows.append((rel, status, f"{found[0]['column']}: {found[0]['detail']}" if found else detail))
    failures = pd.concat(failures, ignore_index=True) if failures else pd.DataFrame(columns=FAILURE_COLUMNS)
    return pd.DataFrame(rows, columns=["path", "status", "detail"]), failures


def _fmt(value) -> str:
    return "nan" if not np.isfinite(value) else f"{value:.4g}"


def _network(row) -> str:
    return "" if pd.isna(row.gamma) else f", network gamma {row.gamma:g} seed {int(row.seed)}"


def _exact_lines(report: Report) -> list[str]:
    same, common = report.same_weights
    lines = [
        f"Networks: A {report.networks[0]}, B {report.networks[1]}, {common} in both; "
        f"{same} of {common} have identical weights (sha256)"
    ]
    if len(report.tables):
        counts = report.tables["status"].value_counts()
        lines.append("Tables: " + ", ".join(f"{counts.get(c, 0)} {c}" for c in CLASSES))
        for row in report.tables[report.tables["status"] == "different"].itertuples():
            lines.append(f"  DIFFERENT {row.path}  ({row.detail})")
    lines.append(f"Exact checks (identical weights => identical tables): {len(report.failures)} failed")
    for row in report.failures.itertuples():
        lines.append(f"  DIFFERENT {row.table}, column {row.column}{_network(row)}: {row.detail}")
    return lines


def _needed(row) -> str:
    if row.verdict != verdicts.INCONCLUSIVE:
        return ""
    reason = getattr(row, "reason", "")
    if isinstance(reason, str) and reason:
        return f"  ({reason})"
    return f"  (~{row.seeds_needed:.0f} seeds per gamma needed)" if np.isfinite(row.seeds_needed) else ""


def _verdict_lines(report: Report) -> list[str]:
    lines = ["\nLevels, A - B per metric (90% CI against +-margin; paired where both hold a network):"]
    for row in report.levels.itertuples():
        lines.append(
            f"  {row.verdict:12s} {row.metric:24s} {row.design:8s} n {row.n:<3d} delta {_fmt(row.delta):>8s} "
            f"CI [{_fmt(row.ci_low)}, {_fmt(row.ci_high)}] margin {_fmt(row.margin)}{_needed(row)}"
        )
    flagged = report.cells[report.cells["verdict"] == verdicts.DIFFERENT]
    lines.append(f"\nPer gamma: {len(flagged)} of {len(report.cells)} (metric, gamma) cells different beyond the margin")
    for row in flagged.itertuples():
        lines.append(f"  DIFFERENT {row.metric} at gamma {row.gamma:g}: delta {_fmt(row.delta)} (n {row.n}), margin {_fmt(row.margin)}")
    lines.append(f"\nTrends over gamma, Spearman rho A vs B (90% CI of the difference against +-{summary.TREND_MARGIN}):")
    for row in report.trends.itertuples():
        lines.append(
            f"  {row.verdict:12s} {row.metric:24s} A {_fmt(row.rho_a):>7s} B {_fmt(row.rho_b):>7s} "
            f"diff CI [{_fmt(row.ci_low)}, {_fmt(row.ci_high)}]{_needed(row)}"
        )
    return lines


def format_report(report: Report, a: str = "A", b: str = "B") -> str:
    """The report as text: networks and exact checks, levels, per-gamma cells, trends, the verdict."""
    lines = [f"Reproducibility report\n  A: {a}\n  B: {b}", ""]
    lines += _exact_lines(report) + [f"Note: {n}" for n in report.notes] + _verdict_lines(report)
    outcome = report.outcome
    if outcome == verdicts.DIFFERENT:
        lines.append("\nVerdict: DIFFERENT: a table or a headline conclusion differs (exit 1).")
    elif outcome == verdicts.INCONCLUSIVE:
        undecided = report.inconclusive()
        lines.append(f"\nVerdict: INCONCLUSIVE: nothing differs, but {len(undecided)} conclusion(s) cannot be decided (exit 3):")
        lines += [f"  {item}" for item in undecided]
    else:
        lines.append("\nVerdict: EQUIVALENT: every headline conclusion is equivalent within its margin (exit 0).")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tdnms.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("a", help="results folder of run A")
    parser.add_argument("b", help="results folder of run B, or a per-network summary CSV (e.g. the reference)")
    parser.add_argument("--alpha", type=float, default=ALPHA)
    parser.add_argument("--bootstrap", type=int, default=verdicts.N_BOOTSTRAP, help="resamples for the trends")
    parser.add_argument("--include-unconverged", action="store_true", help="judge metrics over every network")
    parser.add_argument("--output", help="also write the report to this file")
    args = parser.parse_args(argv)
    report = compare(args.a, args.b, args.alpha, args.include_unconverged, args.bootstrap)
    text = format_report(report, args.a, args.b)
    print(text, end="")
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
