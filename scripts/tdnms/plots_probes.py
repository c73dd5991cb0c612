"""Figures of the generalisation probes (:mod:`tdnms.probes`).

Per network: psychometric curve, P(go) heatmap over (first, second) durations
and accuracy against time shift. Per sweep: fit parameters, goodness of fit and
shift sensitivity against gamma, one series per training task, and the
comparison of networks trained on different tasks on the same probes.

Poor psychometric fits (:func:`tdnms.psychometric.poor`) are drawn as open
markers and left out of the means; :data:`POOR_NOTE` says what "poor" means.
Gamma axes are categorical (equal steps, every value labelled), so that 8 or more
gammas stay legible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import psychometric
from .plots import plt, type_color

GROUP_COLORS = {"reference": "#1f77b4", "variant": "#d62728"}
FIT = ("pse", "threshold", "slope")
POOR_NOTE = (
    f"Open markers: poor psychometric fit (it explains < {psychometric.POOR_FIT_R2:g} of the null deviance, "
    "pseudo-R²; or P(go) is flat); left out of the means. Fits use only probes within the trained durations."
)


def _fit_of(summary) -> dict:
    """Fit parameters and fit span of one summary row (dict-like); span None when not recorded."""
    theta = [float(summary[f"psychometric_{name}"]) for name in FIT]
    low, high = summary.get("psychometric_min_duration"), summary.get("psychometric_max_duration")
    span = None if low is None or pd.isna(low) else (int(low), int(high))
    return {"theta": theta, "span": span}


def _is_poor(frame: pd.DataFrame) -> np.ndarray:
    if "psychometric_pseudo_r2" not in frame:
        return np.zeros(len(frame), dtype=bool)
    return psychometric.poor(frame["psychometric_pseudo_r2"].to_numpy(dtype=float))


def _psychometric_panel(ax, grid: pd.DataFrame, summary: dict | None, color="k", label=None, dashed=False) -> None:
    """Pooled P(go) per difference (filled: probes the fit used; open: outside its span) and the fit."""
    fit = _fit_of(summary) if summary is not None else {"span": None}
    span = fit["span"]
    within = (
        grid["first"].between(*span) & grid["second"].between(*span) if span else np.ones(len(grid), dtype=bool)
    )
    for part, used in ((grid[within], True), (grid[~within], False)):
        if not len(part):
            continue
        d, k, n = psychometric.pooled(part)
        p = k / n
        ax.errorbar(
            d, p, yerr=np.sqrt(p * (1 - p) / n), fmt="o", ms=3, color=color, mfc=color if used else "none", lw=0.8,
            label=label if used else None,
        )
    if summary is not None:
        used = grid[within] if span else grid
        d = used["second"] - used["first"]
        fine = np.linspace(d.min(), d.max(), 400)
        ax.plot(fine, psychometric.p_go(fine, *fit["theta"]), color=color, lw=1.2, ls="--" if dashed else "-")
        ax.axvline(fit["theta"][0], color=color, ls=":", lw=0.8)
    ax.set_xlabel("second - first duration (bins)")
    ax.set_ylabel("P(go)")
    ax.set_ylim(-0.03, 1.03)


def _heatmap_panel(ax, grid: pd.DataFrame, title: str | None = None):
    table = grid.pivot_table(index="second", columns="first", values="p_go", aggfunc="mean")
    x, y = table.columns.to_numpy(), table.index.to_numpy()
    step = x[1] - x[0] if len(x) > 1 else 1
    image = ax.imshow(
        table.to_numpy(),
        origin="lower",
        extent=[x[0] - step / 2, x[-1] + step / 2, y[0] - step / 2, y[-1] + step / 2],
        vmin=0,
        vmax=1,
        cmap="viridis",
        aspect="equal",
    )
    ax.plot([x[0], x[-1]], [y[0], y[-1]], color="w", lw=0.8, ls="--")
    ax.set_xlabel("first duration (bins)")
    ax.set_ylabel("second duration (bins)")
    if title:
        ax.set_title(title, fontsize=8)
    return image


def _shift_panel(ax, shift: pd.DataFrame) -> None:
    types = list(dict.fromkeys(shift["trial_type"]))
    for name in types:
        rows = shift[shift["trial_type"] == name].sort_values("shift")
        ax.plot(rows["shift"], rows["accuracy"], marker=".", lw=0.9, color=type_color(name, types), label=name)
    mean = shift.groupby("shift")["accuracy"].mean()
    ax.plot(mean.index, mean.values, color="k", lw=1.8, label="mean")
    ax.set_xlabel("shift of odors and response window (bins)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=7)


def _fit_title(summary: dict) -> str:
    text = (
        f"PSE {summary['psychometric_pse']:.1f}, threshold {summary['psychometric_threshold']:.1f} bins, "
        f"slope {summary['psychometric_slope']:.2f}/bin"
    )
    if "psychometric_pseudo_r2" in summary:
        r2 = summary["psychometric_pseudo_r2"]
        verdict = " (poor fit)" if psychometric.poor(r2) else ""
        text += (
            f"\npseudo-R² {r2:.2f}, deviance {summary['psychometric_deviance']:.0f} on "
            f"{summary['psychometric_dof']} dof{verdict}"
        )
    return text


def model_figure(table: pd.DataFrame, summary: dict, title: str = ""):
    """Three panels for one network: psychometric curve, P(go) heatmap, accuracy vs shift."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.8))
    grid = table[table["family"] == "grid"]
    _psychometric_panel(axes[0], grid, summary, dashed=bool(_is_poor(pd.DataFrame([summary]))[0]))
    axes[0].set_title(_fit_title(summary), fontsize=8)
    image = _heatmap_panel(axes[1], grid, "P(go) on the duration grid")
    fig.colorbar(image, ax=axes[1], label="P(go)", fraction=0.046)
    _shift_panel(axes[2], table[table["family"] == "shift"])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    span = _fit_of(summary)["span"]
    used = f" ({span[0]}-{span[1]} bins)" if span else ""
    note = (
        f"Filled points: probes whose durations both lie within the trained durations{used}, the only ones the "
        f"fit uses; open: the others. Dashed curve: a poor fit (pseudo-R² < {psychometric.POOR_FIT_R2:g}, or flat P(go))."
    )
    fig.text(0.01, 0.0, note, fontsize=7, va="top", wrap=True)
    return fig


def gamma_categories(ax, gammas) -> None:
    """Categorical gamma axis: position i for the i-th gamma, every value labelled."""
    ax.set_xticks(range(len(gammas)), [f"{g:g}" for g in gammas], rotation=45 if len(gammas) > 5 else 0)
    ax.set_xlim(-0.6, len(gammas) - 0.4)
    ax.set_xlabel("gamma")


PANELS = [
    ("psychometric_slope", "psychometric slope (1/bin)", True),
    ("psychometric_threshold", "threshold |second - first| (bins)", True),
    ("psychometric_pse", "point of subjective equality (bins)", True),
    ("psychometric_pseudo_r2", "psychometric fit: pseudo-R²\n(below -0.2 drawn at -0.2)", False),
    ("shift_sensitivity", "shift sensitivity\n(accuracy lost when shifted)", False),
    ("p_go_same", "P(go), equal durations", False),
    ("p_go_different", "P(go), durations >= 20 bins apart", False),
    ("grid_accuracy", "accuracy on the duration grid", False),
    ("reference_accuracy", "accuracy on reference trials", False),
]


def _series(ax, rows: pd.DataFrame, column: str, x: np.ndarray, color: str, mark_poor: bool, label: str) -> None:
    """Seeds as dots (open when their fit is poor and ``mark_poor``), the mean of the others as a line."""
    poor = _is_poor(rows) if mark_poor else np.zeros(len(rows), dtype=bool)
    values = rows[column].to_numpy(dtype=float)
    ax.scatter(x[~poor], values[~poor], s=14, color=color, alpha=0.7)
    ax.scatter(x[poor], values[poor], s=14, facecolors="none", edgecolors=color, lw=0.8)
    mean = pd.Series(values[~poor]).groupby(x[~poor]).mean()
    ax.plot(mean.index, mean.values, color=color, lw=1.4, label=label)


def probes_vs_gamma(summaries: pd.DataFrame):
    """Fit parameters and goodness, shift sensitivity, P(go) and accuracies against gamma; one series per ``trained_on``."""
    gammas = sorted(summaries["gamma"].unique())
    position = {g: i for i, g in enumerate(gammas)}
    fig, axes = plt.subplots(3, 3, figsize=(11, 8.4))
    groups = list(dict.fromkeys(summaries["trained_on"]))
    offsets = dict(zip(groups, np.linspace(-0.12, 0.12, len(groups)) if len(groups) > 1 else [0.0]))
    for ax, (column, label, mark) in zip(axes.flat, PANELS):
        mark = mark or column == "psychometric_pseudo_r2"
        for group in groups:
            rows = summaries[summaries["trained_on"] == group]
            if column == "psychometric_pseudo_r2":  # a fit worse than the null can be far below 0
                rows = rows.assign(psychometric_pseudo_r2=rows[column].clip(lower=-0.2))
            x = rows["gamma"].map(position).to_numpy(dtype=float) + offsets[group]
            _series(ax, rows, column, x, GROUP_COLORS.get(group, "k"), mark, f"trained on {group}")
        if column == "psychometric_pseudo_r2":
            ax.axhline(psychometric.POOR_FIT_R2, color="0.4", ls="--", lw=0.8)
        gamma_categories(ax, gammas)
        ax.set_ylabel(label)
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="upper center", ncol=len(groups), fontsize=8)
    fig.text(0.01, 0.01, POOR_NOTE, fontsize=7, va="bottom", wrap=True)
    return fig


def comparison_figure(tables: dict[str, pd.DataFrame], summaries: pd.DataFrame):
    """Networks trained on different tasks, same probes: per gamma, mean P(go) heatmaps and psychometric curves.

    ``tables`` maps ``trained_on`` to the stacked probe tables of its networks
    (with ``gamma`` and ``seed`` columns); ``summaries`` holds the per-network fits.
    The curve is the median fit over seeds with a good fit (dashed: over all
    seeds, when every fit is poor), over the durations the fits used.
    """
    groups = list(tables)
    gammas = sorted(summaries["gamma"].unique())
    fig, axes = plt.subplots(
        len(groups) + 1,
        len(gammas),
        figsize=(3.0 * len(gammas) + 1.6, 2.9 * (len(groups) + 1) + 0.6),
        squeeze=False,
        constrained_layout=True,
    )
    for col, gamma in enumerate(gammas):
        counts = []
        for row, group in enumerate(groups):
            frame = tables[group]
            grid = frame[(frame["family"] == "grid") & np.isclose(frame["gamma"], gamma)]
            image = _heatmap_panel(axes[row, col], grid, f"trained on {group}, gamma {gamma:g}")
            fits = summaries[(summaries["trained_on"] == group) & np.isclose(summaries["gamma"], gamma)]
            good = fits[~_is_poor(fits)]
            counts.append(f"{group} {len(fits) - len(good)}/{len(fits)}")
            columns = [f"psychometric_{name}" for name in FIT] + ["psychometric_min_duration", "psychometric_max_duration"]
            median = (good if len(good) else fits)[[c for c in columns if c in fits]].median().to_dict()
            color = GROUP_COLORS.get(group, "k")
            _psychometric_panel(axes[-1, col], grid, median, color=color, label=f"trained on {group}", dashed=not len(good))
        axes[-1, col].set_title(f"gamma {gamma:g}: pooled seeds, median fit\npoor fits: {', '.join(counts)}", fontsize=8)
    fig.colorbar(image, ax=axes[:-1, :].ravel().tolist(), label="P(go), mean over seeds", shrink=0.8)
    # Below the panels: a legend beside the last one widened its column and pushed the colour bar away.
    fig.legend(*axes[-1, -1].get_legend_handles_labels(), loc="outside lower center", ncol=len(groups), fontsize=8)
    fig.suptitle(POOR_NOTE + "\nFilled points: probes inside the fits' span.", fontsize=8)
    return fig
