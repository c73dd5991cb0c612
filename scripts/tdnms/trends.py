"""What the seeds say: per-gamma mean +- SEM of each headline metric and its trend over gamma.

Seeds are the replicates. The trend of a metric is Spearman's rho between gamma
and the metric over every network (each (gamma, seed) one observation), with a
two-sided permutation p-value: gamma labels are permuted across networks. The
p-values are then Holm-corrected over the metrics tested together (the family of
headline metrics), and ``significant`` means the corrected p is below ``alpha``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

N_PERMUTATIONS = 10_000
ALPHA = 0.05


def ranks(values) -> np.ndarray:
    """Ranks 1..n of ``values``, ties sharing their mean rank."""
    from scipy.stats import rankdata

    return rankdata(np.asarray(values, dtype=float))


def spearman_permutation(x, y, n_permutations: int = N_PERMUTATIONS, seed: int = 0) -> tuple[float, float]:
    """Spearman's rho of ``x`` and ``y`` and its two-sided permutation p-value.

    ``x`` is permuted ``n_permutations`` times (NumPy's PCG64 seeded with ``seed``);
    p = (1 + #{|rho_perm| >= |rho|}) / (1 + n_permutations). Returns (nan, 1.0)
    when either variable is constant or fewer than 3 pairs are given.
    """
    rx, ry = ranks(x), ranks(y)
    if len(rx) < 3 or np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return float("nan"), 1.0
    rx = (rx - rx.mean()) / np.linalg.norm(rx - rx.mean())
    ry = (ry - ry.mean()) / np.linalg.norm(ry - ry.mean())
    rho = round(float(rx @ ry), 12) + 0.0  # a zero correlation prints as 0, not -1e-17 or -0
    rng = np.random.default_rng(seed)
    exceed = 0
    for start in range(0, n_permutations, 2000):  # blocks bound the memory of the permuted copies
        block = rng.permuted(np.broadcast_to(rx, (min(2000, n_permutations - start), len(rx))), axis=1)
        exceed += int(np.sum(np.abs(block @ ry) >= abs(rho) - 1e-12))
    return rho, (1 + exceed) / (1 + n_permutations)


def holm(p_values) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (same order as given)."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p)
    adjusted = np.minimum(1.0, np.maximum.accumulate(p[order] * (len(p) - np.arange(len(p)))))
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out


def per_gamma(networks: pd.DataFrame, metrics: list[str], gammas=None) -> pd.DataFrame:
    """One row per (metric, gamma): n (networks with a value), mean and SEM (ddof 1) over seeds.

    ``gammas``: the rows to make (default: the gammas of ``networks``); a gamma without
    networks gets n 0 and NaN.
    """
    rows = []
    gammas = sorted(networks["gamma"].unique()) if gammas is None else sorted(gammas)
    for metric in metrics:
        for gamma in gammas:
            values = networks.loc[networks["gamma"] == gamma, metric].astype(float).dropna()
            n = len(values)
            sem = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
            rows.append(
                {"metric": metric, "gamma": float(gamma), "n": n, "mean": float(values.mean()) if n else float("nan"), "sem": sem}
            )
    return pd.DataFrame(rows)


def trends(
    networks: pd.DataFrame, metrics: list[str], n_permutations: int = N_PERMUTATIONS, seed: int = 0, alpha: float = ALPHA
) -> pd.DataFrame:
    """One row per metric: n, rho, p_value, p_holm (over ``metrics``), significant, direction.

    ``networks`` has one row per network with ``gamma`` and the metric columns
    (the caller chooses which networks: the results rule passes converged ones).
    ``direction`` is "increases", "decreases" or "flat" (not significant).
    """
    rows = []
    for i, metric in enumerate(metrics):
        sub = networks[["gamma", metric]].astype(float).dropna()
        rho, p = spearman_permutation(sub["gamma"], sub[metric], n_permutations, seed=seed + i)
        rows.append({"metric": metric, "n": len(sub), "rho": rho, "p_value": p})
    out = pd.DataFrame(rows)
    out["p_holm"] = holm(out["p_value"]) if len(out) else []
    out["significant"] = out["p_holm"] < alpha
    out["direction"] = np.where(~out["significant"], "flat", np.where(out["rho"] > 0, "increases", "decreases"))
    return out


def results_table(networks: pd.DataFrame, metrics: list[str], describe=str, **options) -> pd.DataFrame:
    """Tidy results: one row per (metric, gamma) with mean, sem, n and the metric's trend columns.

    Only networks that reached the criterion count (``reached`` column, if present).
    ``describe`` maps a metric to its description (column ``description``).
    """
    gammas = networks["gamma"].unique()
    if "reached" in networks:
        networks = networks[networks["reached"].astype(bool)]
    table = per_gamma(networks, metrics, gammas).merge(
        trends(networks, metrics, **options).rename(columns={"n": "n_trend"}), on="metric", how="left"
    )
    table.insert(1, "description", table["metric"].map(describe))
    return table


def _number(value: float) -> str:
    if not np.isfinite(value):
        return "–"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def markdown(table: pd.DataFrame) -> str:
    """The results table as Markdown: one row per metric, mean ± SEM per gamma, then rho, p and Holm p."""
    gammas = sorted(table["gamma"].unique())
    head = ["metric", *[f"γ {g:g}" for g in gammas], "ρ", "p", "p (Holm)", "trend"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for metric, sub in table.groupby("metric", sort=False):
        sub = sub.set_index("gamma")
        cells = [f"`{metric}`"]
        for g in gammas:
            mean, sem = sub.loc[g, "mean"], sub.loc[g, "sem"]
            cells.append(_number(mean) + (f" ± {_number(sem)}" if np.isfinite(sem) else ""))
        first = sub.iloc[0]
        mark = "**" if first["significant"] else ""
        cells += [_number(first["rho"]), f"{first['p_value']:.4f}", f"{mark}{first['p_holm']:.4f}{mark}", first["direction"]]
        lines.append("| " + " | ".join(cells) + " |")
    n = table.groupby("gamma")["n"].max()
    lines.append("")
    lines.append(
        "Mean ± SEM over seeds of the networks that reached the criterion (n per γ: "
        + ", ".join(f"{g:g}: {int(n[g])}" for g in gammas)
        + "). ρ: Spearman's rho of the metric with γ over all those networks; p: two-sided permutation p-value "
        "(γ labels permuted across networks); Holm: corrected over the metrics in the table; bold: significant at 0.05."
    )
    return "\n".join(lines) + "\n"
