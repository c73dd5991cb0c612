"""Equivalent, different or inconclusive: two runs' per-network summaries, metric by metric.

Each conclusion is a difference ``delta`` (run A minus run B) with a standard error ``se``,
degrees of freedom ``df`` and a margin ``m`` (:data:`tdnms.summary.MARGINS`,
:data:`tdnms.summary.TREND_MARGIN`). With ``alpha`` (0.05) and ``k`` conclusions in the family:

* **equivalent**: the (1 - 2 alpha) confidence interval of delta lies inside (-m, m), i.e. both
  one-sided tests of TOST reject at alpha;
* **different**: the (1 - alpha / k) interval lies entirely beyond +-m, i.e. |delta| > m is
  shown at alpha / k (Bonferroni over the family, since one false "different" fails the whole
  comparison). A point estimate past the margin is not enough: with the margin at 1x and a
  looser rule ("beyond m and significantly non-zero"), 4 of 10 splits of the reference's seeds
  were called different (bench/README.md);
* **inconclusive**: anything else. ``seeds_needed`` is then the seeds per gamma at which the
  interval would shrink enough (80% power) if the observed difference were the true one:
  n_now * ((z_{1-alpha} + z_{0.8}) se / (m - |delta|))^2, or, when |delta| > m, the seeds
  at which the interval would clear the margin: n_now * ((z_{1-alpha/2k} + z_{0.8}) se / (|delta| - m))^2.

Levels (per metric, over every gamma): where the runs share (gamma, seed) networks they are
compared in pairs on those networks only (paired t). Otherwise per gamma, A's seeds against B's
(pooled variance), averaged over the gammas both hold, Welch-Satterthwaite df. ``reached`` is
one more metric over all networks; the others count networks that reached the criterion.

Trends (per metric): the difference of Spearman's rho between gamma and the metric. Its
standard error comes from a bootstrap over seeds within gamma (seeds are the replicates; the
same draws for both runs where they hold the same networks), scaled by sqrt(n / (n - 1)) for the
within-gamma bootstrap's known shrinkage. Both runs are cut to the gammas they share; a trend
needs at least :data:`MIN_GAMMAS` gammas with :data:`MIN_SEEDS` seeds each on each side, else
it is inconclusive and says why (a subset cannot show it), unless paired values are identical.

Per-gamma cells (metric x gamma) are screened for "different" only (a change at one gamma must
not hide in an average), Bonferroni over the cells; they never make a comparison equivalent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import summary

EQUIVALENT, DIFFERENT, INCONCLUSIVE = "equivalent", "different", "inconclusive"
ALPHA, POWER = 0.05, 0.8
MIN_SEEDS, MIN_GAMMAS = 3, 3
N_BOOTSTRAP, BOOTSTRAP_SEED = 2000, 0
KEYS = ["gamma", "seed"]


def _quantile(p: float, df: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(p) if not np.isfinite(df) else stats.t.ppf(p, df))


def judge(delta, se, df, margin, k, alpha=ALPHA) -> str:
    """The verdict of one difference (see the module doc); ``k`` conclusions in its family."""
    if not (np.isfinite(delta) and np.isfinite(se) and np.isfinite(margin)) or df <= 0:
        return INCONCLUSIVE
    half = _quantile(1 - alpha, df) * se
    if -margin < delta - half and delta + half < margin:
        return EQUIVALENT
    if abs(delta) - _quantile(1 - alpha / (2 * max(k, 1)), df) * se > margin:
        return DIFFERENT
    return INCONCLUSIVE


def seeds_needed(delta, se, n_now, margin, k, alpha=ALPHA) -> float:
    """Seeds per gamma at which an inconclusive difference would likely be decided (module doc)."""
    if not (np.isfinite(se) and se > 0 and n_now > 0):
        return float("nan")
    z_power = _quantile(POWER, np.inf)
    if abs(delta) < margin:  # equivalence is within reach
        return float(np.ceil(n_now * ((_quantile(1 - alpha, np.inf) + z_power) * se / (margin - abs(delta))) ** 2))
    if abs(delta) == margin:
        return float("inf")
    return float(np.ceil(n_now * ((_quantile(1 - alpha / (2 * max(k, 1)), np.inf) + z_power) * se / (abs(delta) - margin)) ** 2))


def shared(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """The (gamma, seed) networks both runs hold, A's columns suffixed _a and B's _b."""
    return a.merge(b, on=KEYS, suffixes=("_a", "_b"))


def _values(table: pd.DataFrame, metric: str, include_unconverged: bool) -> pd.DataFrame:
    if metric != "reached" and not include_unconverged:
        table = table[table["reached"].astype(bool)]
    out = table[["gamma", metric]].copy()
    out[metric] = out[metric].astype(float)
    return out.dropna()


def _paired(pairs: pd.DataFrame, metric: str) -> dict:
    d = pairs[f"{metric}_a"].to_numpy(float) - pairs[f"{metric}_b"].to_numpy(float)
    n, gammas = len(d), pairs["gamma"].nunique()
    se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else (0.0 if n == 1 and d[0] == 0 else np.nan)
    return {"design": "paired", "n": n, "delta": float(d.mean()) if n else np.nan, "se": se,
            "df": max(n - 1, 1) if n else 0, "n_per_gamma": n / max(gammas, 1)}


def _unpaired(x: pd.DataFrame, y: pd.DataFrame, metric: str) -> dict:
    """Per-gamma mean differences averaged over gammas, pooled variance per gamma."""
    parts = []
    for gamma in sorted(set(x["gamma"]) & set(y["gamma"])):
        xa, yb = x.loc[x["gamma"] == gamma, metric].to_numpy(), y.loc[y["gamma"] == gamma, metric].to_numpy()
        df = len(xa) + len(yb) - 2
        if df < 1:
            continue
        s2 = (((xa - xa.mean()) ** 2).sum() + ((yb - yb.mean()) ** 2).sum()) / df
        parts.append((xa.mean() - yb.mean(), s2 * (1 / len(xa) + 1 / len(yb)), df, min(len(xa), len(yb))))
    if not parts:
        return {"design": "unpaired", "n": 0, "delta": np.nan, "se": np.nan, "df": 0, "n_per_gamma": 0}
    diff, var, df, n = (np.array(v, dtype=float) for v in zip(*parts))
    g = len(parts)
    total = var.sum() / g**2
    dof = total**2 / np.sum((var / g**2) ** 2 / df) if total > 0 else np.inf
    return {"design": "unpaired", "n": int(n.sum()), "delta": float(diff.mean()), "se": float(np.sqrt(total)),
            "df": float(dof), "n_per_gamma": float(n.mean())}


def margins(a: pd.DataFrame, b: pd.DataFrame, metrics, include_unconverged=False) -> dict[str, float]:
    """Each metric's margin, relative ones scaled by both runs' networks."""
    out = {}
    for metric in metrics:
        both = np.r_[_values(a, metric, include_unconverged)[metric], _values(b, metric, include_unconverged)[metric]]
        out[metric] = summary.margin(metric, both)
    return out


def levels(a: pd.DataFrame, b: pd.DataFrame, metrics, alpha=ALPHA, include_unconverged=False, bounds=None):
    """One row per metric: design, n, delta (A - B), se, df, margin, ci_low/high, verdict, seeds_needed.

    ``bounds``: metric -> margin (default :func:`margins` of ``a`` and ``b``).
    """
    bounds = margins(a, b, metrics, include_unconverged) if bounds is None else bounds
    rows = []
    for metric in metrics:
        x, y = _values(a, metric, include_unconverged), _values(b, metric, include_unconverged)
        pairs = shared(a[KEYS].join(x[[metric]], how="inner"), b[KEYS].join(y[[metric]], how="inner"))
        stats = _paired(pairs, metric) if len(shared(a[KEYS], b[KEYS])) else _unpaired(x, y, metric)
        rows.append({"metric": metric, **stats, "margin": bounds[metric]})
    return _finish(pd.DataFrame(rows), alpha)


def _finish(out: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Intervals, verdicts and seeds needed for a family of differences."""
    k = len(out)
    half = [_quantile(1 - alpha, df) * se if df > 0 else np.nan for df, se in zip(out["df"], out["se"])]
    out["ci_low"], out["ci_high"] = out["delta"] - half, out["delta"] + half
    out["verdict"] = [judge(d, s, f, m, k, alpha) for d, s, f, m in zip(out["delta"], out["se"], out["df"], out["margin"])]
    out["seeds_needed"] = [
        seeds_needed(d, s, n, m, k, alpha) if v == INCONCLUSIVE else np.nan
        for d, s, n, m, v in zip(out["delta"], out["se"], out["n_per_gamma"], out["margin"], out["verdict"])
    ]
    return out


def per_gamma_screen(a, b, metrics, alpha=ALPHA, include_unconverged=False) -> pd.DataFrame:
    """Per (metric, gamma): the level comparison at that gamma; only "different" is acted on."""
    rows, bounds = [], margins(a, b, metrics, include_unconverged)
    for gamma in sorted(set(a["gamma"]) & set(b["gamma"])):
        cell = levels(a[a["gamma"] == gamma], b[b["gamma"] == gamma], metrics, alpha, include_unconverged, bounds)
        rows.append(cell.assign(gamma=float(gamma)))
    if not rows:
        return pd.DataFrame(columns=["metric", "gamma", "delta", "se", "margin", "verdict"])
    out = pd.concat(rows, ignore_index=True)
    k = len(out)
    out["verdict"] = [
        DIFFERENT if judge(d, s, f, m, k, alpha) == DIFFERENT else "-"
        for d, s, f, m in zip(out["delta"], out["se"], out["df"], out["margin"])
    ]
    return out


def _strata(gamma: np.ndarray, n_boot: int, rng) -> np.ndarray:
    """(n_boot, n) indices resampling positions with replacement within each gamma."""
    idx = np.empty((n_boot, len(gamma)), dtype=np.intp)
    for g in np.unique(gamma):
        where = np.flatnonzero(gamma == g)
        idx[:, where] = where[rng.integers(0, len(where), (n_boot, len(where)))]
    return idx


def rho_rows(gamma: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Spearman's rho of ``gamma`` with each row of ``values`` (2-D); 0 where a row is constant."""
    from scipy.stats import rankdata

    rx = rankdata(gamma)
    rx = (rx - rx.mean()) / np.linalg.norm(rx - rx.mean())
    ry = rankdata(values, axis=1)
    ry = ry - ry.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(ry, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, (ry @ rx) / np.where(norm > 0, norm, 1), 0.0)


def _too_few(most: int) -> str:
    return f"at most {most} seeds per gamma in both runs; a trend needs {MIN_SEEDS} seeds at {MIN_GAMMAS} gammas: not judged"


def _trend_inputs(a, b, metric, include_unconverged):
    """Both runs' (gamma, value) cut to the gammas both hold with MIN_SEEDS values each; why not, if not."""
    x, y = _values(a, metric, include_unconverged), _values(b, metric, include_unconverged)
    counts = pd.concat([x["gamma"].value_counts(), y["gamma"].value_counts()], axis=1).fillna(0).min(axis=1)
    keep = counts.index[counts >= MIN_SEEDS]
    if len(keep) < MIN_GAMMAS:
        return x, y, _too_few(int(counts.max()) if len(counts) else 0)
    return x[x["gamma"].isin(keep)], y[y["gamma"].isin(keep)], ""


def _paired_trend(a, b, metric, include_unconverged, rng, n_boot) -> dict:
    pairs = shared(a[KEYS].join(_values(a, metric, include_unconverged)[[metric]], how="inner"),
                   b[KEYS].join(_values(b, metric, include_unconverged)[[metric]], how="inner"))
    g, va, vb = pairs["gamma"].to_numpy(float), pairs[f"{metric}_a"].to_numpy(), pairs[f"{metric}_b"].to_numpy()
    row = {"design": "paired", "rho_a": rho_rows(g, va[None])[0] if len(g) > 2 else np.nan}
    row["rho_b"] = rho_rows(g, vb[None])[0] if len(g) > 2 else np.nan
    if len(g) and np.array_equal(va, vb):  # the same values: the same trend, whatever the seeds
        return {**row, "delta": 0.0, "se": 0.0, "n_per_gamma": len(g) / len(np.unique(g)), "reason": "identical values"}
    counts = pd.Series(g).value_counts()
    if (counts >= MIN_SEEDS).sum() < MIN_GAMMAS:
        return {**row, "delta": row["rho_a"] - row["rho_b"], "se": np.nan, "n_per_gamma": counts.mean() if len(g) else 0,
                "reason": _too_few(int(counts.max()) if len(g) else 0)}
    keep = np.isin(g, counts.index[counts >= MIN_SEEDS])
    g, va, vb = g[keep], va[keep], vb[keep]
    idx = _strata(g, n_boot, rng)
    boot = rho_rows(g, va[idx]) - rho_rows(g, vb[idx])
    n = len(g) / len(np.unique(g))
    return {**row, "delta": row["rho_a"] - row["rho_b"], "se": float(boot.std(ddof=1) * np.sqrt(n / (n - 1))),
            "n_per_gamma": n, "reason": ""}


def _unpaired_trend(a, b, metric, include_unconverged, rng, n_boot) -> dict:
    x, y, why = _trend_inputs(a, b, metric, include_unconverged)
    gx, gy = x["gamma"].to_numpy(float), y["gamma"].to_numpy(float)
    vx, vy = x[metric].to_numpy(), y[metric].to_numpy()
    row = {"design": "unpaired", "rho_a": rho_rows(gx, vx[None])[0] if len(gx) > 2 else np.nan,
           "rho_b": rho_rows(gy, vy[None])[0] if len(gy) > 2 else np.nan}
    if why:
        return {**row, "delta": row["rho_a"] - row["rho_b"], "se": np.nan, "n_per_gamma": 0, "reason": why}
    var = 0.0
    for g, v in ((gx, vx), (gy, vy)):
        n = len(g) / len(np.unique(g))
        var += rho_rows(g, v[_strata(g, n_boot, rng)]).var(ddof=1) * n / (n - 1)
    n_min = min(len(gx) / len(np.unique(gx)), len(gy) / len(np.unique(gy)))
    return {**row, "delta": row["rho_a"] - row["rho_b"], "se": float(np.sqrt(var)), "n_per_gamma": n_min, "reason": ""}


def trend_verdicts(a, b, metrics, alpha=ALPHA, include_unconverged=False, n_boot=N_BOOTSTRAP) -> pd.DataFrame:
    """One row per metric: rho_a, rho_b, delta, se, margin, ci, verdict, seeds_needed, reason (module doc)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    # A trend is a conclusion about a run's whole sweep: in pairs only when both hold the same networks.
    paired = len(shared(a[KEYS], b[KEYS])) == len(a) == len(b)
    rows = []
    for metric in metrics:
        compare = _paired_trend if paired else _unpaired_trend
        rows.append({"metric": metric, **compare(a, b, metric, include_unconverged, rng, n_boot)})
    out = pd.DataFrame(rows).assign(margin=summary.TREND_MARGIN, df=np.inf)
    return _finish(out, alpha)
