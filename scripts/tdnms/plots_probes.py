"""Figures of the generalisation probes (:mod:`tdnms.probes`).

Per network: psychometric curve, P(go) heatmap over (first, second) durations
and accuracy against time shift. Per sweep: fit parameters and shift
sensitivity against gamma, one series per training task, and the comparison of
networks trained on different tasks on the same probes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import psychometric
from .plots import _gamma_axis, plt, type_color

GROUP_COLORS = {"reference": "#1f77b4", "variant": "#d62728"}


def _psychometric_panel(ax, grid: pd.DataFrame, summary: dict | None, color="k", label=None) -> None:
    d, k, n = psychometric.pooled(grid)
    p = k / n
    ax.errorbar(d, p, yerr=np.sqrt(p * (1 - p) / n), fmt="o", ms=3, color=color, lw=0.8, label=label)
    if summary is not None:
        theta = [summary[f"psychometric_{name}"] for name in ("pse", "threshold", "slope")]
        fine = np.linspace(d.min(), d.max(), 400)
        ax.plot(fine, psychometric.p_go(fine, *theta), color=color, lw=1.2)
        ax.axvline(theta[0], color=color, ls=":", lw=0.8)
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
        ax.set_title(title)
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


def model_figure(table: pd.DataFrame, summary: dict, title: str = ""):
    """Three panels for one network: psychometric curve, P(go) heatmap, accuracy vs shift."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    grid = table[table["family"] == "grid"]
    _psychometric_panel(axes[0], grid, summary)
    axes[0].set_title(
        f"PSE {summary['psychometric_pse']:.1f}, threshold {summary['psychometric_threshold']:.1f} bins, "
        f"slope {summary['psychometric_slope']:.2f}/bin",
        fontsize=8,
    )
    image = _heatmap_panel(axes[1], grid, "P(go) on the duration grid")
    fig.colorbar(image, ax=axes[1], label="P(go)", fraction=0.046)
    _shift_panel(axes[2], table[table["family"] == "shift"])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def probes_vs_gamma(summaries: pd.DataFrame):
    """Fit parameters, shift sensitivity, P(go) and accuracies against gamma; one series per ``trained_on``."""
    gammas = sorted(summaries["gamma"].unique())
    panels = [
        ("psychometric_slope", "psychometric slope (1/bin)"),
        ("psychometric_threshold", "threshold |second - first| (bins)"),
        ("psychometric_pse", "point of subjective equality (bins)"),
        ("shift_sensitivity", "shift sensitivity\n(accuracy lost when shifted)"),
        ("p_go_same", "P(go), equal durations"),
        ("p_go_different", "P(go), durations >= 20 bins apart"),
        ("grid_accuracy", "accuracy on the duration grid"),
        ("reference_accuracy", "accuracy on reference trials"),
    ]
    fig, axes = plt.subplots(2, 4, figsize=(13, 5.6))
    groups = list(dict.fromkeys(summaries["trained_on"]))
    offsets = dict(zip(groups, np.linspace(-0.03, 0.03, len(groups))))
    for ax, (column, label) in zip(axes.flat, panels):
        for group in groups:
            rows = summaries[summaries["trained_on"] == group]
            color = GROUP_COLORS.get(group, "k")
            x = rows["gamma"] * (1 + offsets[group])
            ax.scatter(x, rows[column], s=14, color=color, alpha=0.7)
            mean = rows.groupby("gamma")[column].mean()
            ax.plot(mean.index * (1 + offsets[group]), mean.values, color=color, lw=1.4, label=f"trained on {group}")
        _gamma_axis(ax, gammas)
        ax.set_ylabel(label)
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="upper center", ncol=len(groups), fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def comparison_figure(tables: dict[str, pd.DataFrame], summaries: pd.DataFrame):
    """Networks trained on different tasks, same probes: per gamma, mean P(go) heatmaps and psychometric curves.

    ``tables`` maps ``trained_on`` to the stacked probe tables of its networks
    (with ``gamma`` and ``seed`` columns); ``summaries`` holds the per-network fits.
    """
    groups = list(tables)
    gammas = sorted(summaries["gamma"].unique())
    fig, axes = plt.subplots(
        len(groups) + 1,
        len(gammas),
        figsize=(3.6 * len(gammas) + 1.6, 3.2 * (len(groups) + 1)),
        squeeze=False,
        constrained_layout=True,
    )
    for col, gamma in enumerate(gammas):
        for row, group in enumerate(groups):
            frame = tables[group]
            grid = frame[(frame["family"] == "grid") & np.isclose(frame["gamma"], gamma)]
            image = _heatmap_panel(axes[row, col], grid, f"trained on {group}, gamma {gamma:g}")
            ax = axes[-1, col]
            color = GROUP_COLORS.get(group, "k")
            fits = summaries[(summaries["trained_on"] == group) & np.isclose(summaries["gamma"], gamma)]
            mean_fit = fits[["psychometric_pse", "psychometric_threshold", "psychometric_slope"]].median().to_dict()
            _psychometric_panel(ax, grid, mean_fit, color=color, label=f"trained on {group}")
        axes[-1, col].set_title(f"gamma {gamma:g}: pooled seeds, median fit", fontsize=8)
    fig.colorbar(image, ax=axes[:-1, :].ravel().tolist(), label="P(go), mean over seeds", shrink=0.8)
    # Below the panels: a legend beside the last one widened its column and pushed the colour bar away.
    fig.legend(*axes[-1, -1].get_legend_handles_labels(), loc="outside lower center", ncol=len(groups), fontsize=8)
    return fig
