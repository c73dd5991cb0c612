"""Multi-panel manuscript figures, assembled from the workflow's tables.

One style for all figures (:data:`STYLE`: 7-pt sans-serif text, TrueType fonts
embedded in the PDF as Type 42, 300-dpi PNG), a fixed width in millimetres
(``manuscript.width_mm``, at most a 180-mm journal page) and bold panel letters.
Every panel reads the tables the per-model and sweep figures read and draws
with the same panel functions (:mod:`tdnms.plots_analysis`); nothing here
recomputes an analysis. ``tables`` arguments are dicts of DataFrames keyed as
documented per figure; ``example`` is the (gamma, seed) of the example network.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import plots
from . import plots_analysis as pa
from .plots import KIND_STYLE, _shade_epochs, plt
from .style import gamma_axis, log_y, type_color, type_order
from .task import TaskSpec

MM = 1 / 25.4
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 7,
    "axes.titlesize": 7,
    "axes.labelsize": 7,
    "xtick.labelsize": 6,
    "ytick.labelsize": 6,
    "legend.fontsize": 6,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.0,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "savefig.dpi": 300,
}


def style():
    """Context manager applying the house style and :data:`STYLE` (wrap figure creation *and* saving)."""
    return plots.style(STYLE)


def new_figure(width_mm: float, height_mm: float):
    if width_mm > 180:
        raise ValueError(f"manuscript.width_mm: {width_mm} mm is wider than a journal page (180 mm)")
    return plt.figure(figsize=(width_mm * MM, height_mm * MM), layout="constrained")


def letter(ax, text: str) -> None:
    """Bold panel letter at the top left, outside the axes."""
    ax.annotate(text, (0, 1), xycoords="axes fraction", xytext=(-5, 3), textcoords="offset points",
                fontsize=9, fontweight="bold", ha="right", va="bottom")


def letters(axes) -> None:
    for ax, text in zip(axes, "abcdefghijklmnop"):
        letter(ax, text)


def type_legend(fig, types) -> None:
    """One trial-type key for the whole figure, above the panels (never over data)."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=type_color(name, list(types)), lw=1.5, label=name) for name in types]
    fig.legend(handles=handles, loc="outside upper center", ncol=len(handles), title=None)


def beside(ax, **kwargs) -> None:
    """The axes' legend to its right, outside the data."""
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), **kwargs)


def task_panel(ax, spec: TaskSpec):
    """Schematic of every trial type: light and odor inputs stacked, go target as a bar."""
    inputs, targets = spec.templates()
    t = np.arange(spec.n_bins)
    for k, name in enumerate(spec.draw):
        y0 = -1.4 * k
        ax.fill_between(t, y0, y0 + 0.45 * inputs[k, :, 0], color="gold", step="post", lw=0)
        ax.fill_between(t, y0 + 0.5, y0 + 0.5 + 0.45 * inputs[k, :, 1], color="0.4", step="post", lw=0)
        ax.plot(t, y0 + 1.0 + 0.3 * targets[k], color=type_color(name), lw=1.2, drawstyle="steps-post")
        ax.text(-4, y0 + 0.5, name, ha="right", va="center", color=type_color(name), fontweight="bold")
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlim(0, spec.n_bins)
    ax.set_xlabel("time bin")
    ax.set_title("inputs (light: yellow, odor: grey) and target (line)", loc="left")


def example_outputs_panel(ax, hidden: pd.DataFrame, spec: TaskSpec):
    """Mean (lines) and 5-95 % range (bands) of the noise-free output per trial type, threshold dotted."""
    for name in spec.draw:
        sub = hidden[hidden["trial_type"] == name].groupby("time_bin")["output"]
        color = type_color(name)
        ax.fill_between(sub.mean().index, sub.quantile(0.05), sub.quantile(0.95), color=color, alpha=0.25, lw=0)
        ax.plot(sub.mean().index, sub.mean().values, color=color, label=name)
    ax.axvspan(*spec.response_window, color="tab:green", alpha=0.12, lw=0)
    ax.axhline(0.5, color="0.4", ls=":", lw=0.7)
    ax.set_xlabel("time bin")
    ax.set_ylabel("output")


def figure_behaviour(spec: TaskSpec, tables: dict, example, width_mm: float):
    """Fig. 1. ``tables``: scores (sweep score table), hidden (example hidden-state table)."""
    fig = new_figure(width_mm, 105)
    grid = fig.add_gridspec(2, 3)
    axes = [fig.add_subplot(grid[0, :2]), fig.add_subplot(grid[0, 2])]
    axes += [fig.add_subplot(cell) for cell in grid[1, :].subgridspec(1, 4)]
    task_panel(axes[0], spec)
    example_outputs_panel(axes[1], tables["hidden"], spec)
    axes[1].set_title(f"example network (γ {example[0]:g}, seed {example[1]})", loc="left")
    scores, types = tables["scores"], list(spec.draw)
    pa.metric_vs_gamma(axes[2], scores, "accuracy", "test accuracy", types)
    behaviour_timing_panels(axes[3:], scores, spec)
    type_legend(fig, types)
    letters(axes)
    return fig


def behaviour_timing_panels(axes, scores: pd.DataFrame, spec: TaskSpec):
    """Fig. 1 d-f: premature and late rates (beyond ``analysis.behaviour.grace``) and the first
    crossing of 0.5 relative to the window's opening on go trials, against gamma."""
    types = list(spec.draw)
    grace = int(scores["grace"].max()) if "grace" in scores and scores["grace"].notna().any() else None
    beyond = f" > {grace} bins" if grace is not None else ""
    pa.metric_vs_gamma(axes[0], scores, "premature_rate", f"premature rate\n(≥ 0.5{beyond} early)", types)
    pa.metric_vs_gamma(axes[1], scores, "late_rate", f"late rate\n(≥ 0.5{beyond} late)", types)
    go = [t.name for t in spec.trial_types if t.go and t.name in types]
    pa.crossing_panel(axes[2], scores, go, grace)
    axes[2].set_xlabel("first 0.5 crossing from\nwindow opening (bins)")


def figure_sequences(spec: TaskSpec, tables: dict, example, width_mm: float):
    """Fig. 2. ``tables``: tuning (example), fractions (sweep unit fractions)."""
    types = list(spec.draw)
    fig = new_figure(width_mm, 120)
    grid = fig.add_gridspec(2, len(types) + 1, width_ratios=[1] * len(types) + [0.05])
    axes = [fig.add_subplot(grid[0, i]) for i in range(len(types))]
    for ax, name in zip(axes, types):
        im = pa.sequence_heatmap(ax, tables["tuning"], name, name, spec)
    fig.colorbar(im, cax=fig.add_subplot(grid[0, -1]), label="normalised activity")
    other = types[1] if len(types) > 1 else types[0]
    cross = fig.add_subplot(grid[1, 0])
    pa.sequence_heatmap(cross, tables["tuning"], other, types[0], spec)
    cross.set_title(f"{other}, even trials,\n{types[0]} order")  # two lines: one column is narrow at 4 types
    low = [cross, fig.add_subplot(grid[1, 1]), fig.add_subplot(grid[1, 2])]
    order = type_order(tables["fractions"]["trial_type"].unique())
    pa.metric_vs_gamma(low[1], tables["fractions"], "time_cell_fraction", "fraction of time cells", order)
    pa.metric_vs_gamma(low[2], tables["fractions"], "ramping_fraction", "fraction of ramping cells", order)
    beside(low[2])
    letters(axes + low)
    return fig


def pca_panel(ax, projections: pd.DataFrame, spec: TaskSpec):
    """PC1-PC2 mean trajectory per trial type; circle at the start, diamond where the window opens."""
    for name in spec.draw:
        mean = projections[projections["trial_type"] == name].groupby("time_bin")[["PC1", "PC2"]].mean()
        color = type_color(name)
        ax.plot(mean["PC1"], mean["PC2"], color=color, label=name)
        ax.plot(*mean.iloc[0].to_numpy(), "o", color=color, ms=3)
        if spec.response_window[0] in mean.index:
            ax.plot(*mean.loc[spec.response_window[0]].to_numpy(), "d", color=color, ms=4, mec="k", mew=0.4)
    ax.set_xlabel("PC1")
    ax.set_ylabel("PC2")


def accuracy_by_gamma_panel(ax, accuracy: pd.DataFrame, target: str, spec: TaskSpec):
    """Decoding accuracy against time, mean over seeds, one line per gamma."""
    sub = accuracy[accuracy["target"] == target]
    gammas = sorted(sub["gamma"].unique())
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(gammas)))
    for gamma, color in zip(gammas, colors):
        mean = sub[sub["gamma"] == gamma].groupby("time_bin")["accuracy"].mean()
        ax.plot(mean.index, mean.values, color=color, label=f"γ {gamma:g}")
    ax.axhline(float(sub["chance"].iloc[0]), color="0.5", ls="--", lw=0.7)
    ax.axvspan(*spec.response_window, color="tab:green", alpha=0.12, lw=0)
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("time bin")
    ax.set_ylabel(("trial type" if target == "trial_type" else "first-odor duration") + "\ndecoding (bal. acc.)")


def figure_decoding(spec: TaskSpec, tables: dict, example, width_mm: float):
    """Fig. 3. ``tables``: projections, explained, time_errors (example); accuracy, decoding (sweep)."""
    fig = new_figure(width_mm, 110)
    grid = fig.add_gridspec(2, 3)
    axes = [fig.add_subplot(grid[r, c]) for r in range(2) for c in range(3)]
    pca_panel(axes[0], tables["projections"], spec)
    axes[0].set_title(f"γ {example[0]:g}, seed {example[1]}", loc="left")
    pa.time_error_panel(axes[1], tables["time_errors"], spec)
    accuracy_by_gamma_panel(axes[2], tables["accuracy"], "trial_type", spec)
    beside(axes[2], ncol=1 + len(set(tables["accuracy"]["gamma"])) // 9)
    accuracy_by_gamma_panel(axes[3], tables["accuracy"], "first_odor_duration", spec)
    pa.metric_vs_gamma(axes[4], tables["decoding"], "time_error", "time decoding error (bins)")
    pa.metric_vs_gamma(axes[5], tables["decoding"], "duration_memory_end", "first-odor duration\ndecodable until bin")
    type_legend(fig, list(spec.draw))
    letters(axes)
    return fig


def leading_timescales(eigen: pd.DataFrame, points: pd.DataFrame, condition: str) -> float:
    """Slowest time constant (bins) -1/ln|lambda| over the stable points of ``condition`` (NaN if none)."""
    stable = points[(points["condition"] == condition) & (points["kind"] == "stable")]["point_id"]
    lam = eigen[eigen["point_id"].isin(stable) & (eigen["condition"] == condition)]["abs"]
    lam = lam[(lam > 0) & (lam < 1)]
    return float(-1.0 / np.log(lam.max())) if len(lam) else float("nan")


def timescale_panel(ax, tables: dict, condition: str, gammas) -> None:
    """Slowest time constant of the stable points per network; the title says how many networks have one."""
    rows = [
        {"gamma": g, "seed": s, "tau": leading_timescales(tables["eigen"][(g, s)], tables["points"][(g, s)], condition)}
        for (g, s) in tables["eigen"]
    ]
    frame = pd.DataFrame(rows, columns=["gamma", "seed", "tau"])
    found = frame.dropna()
    label = "slowest time constant\nof stable points (bins)"
    verb = "has" if len(found) == 1 else "have"
    ax.set_title(f"{len(found)} of {len(frame)} networks\n{verb} a stable point", loc="left")
    if len(found):
        pa.metric_vs_gamma(ax, found, "tau", label)
        log_y(ax)
        return
    gamma_axis(ax, gammas)
    ax.set_ylabel(label)
    ax.text(0.5, 0.5, f"no stable point\n({condition} input)", transform=ax.transAxes, ha="center", va="center")


def figure_dynamics(spec: TaskSpec, tables: dict, example, width_mm: float):
    """Fig. 4. ``tables``: speed (sweep), counts (fixed points per kind), eigen {(gamma, seed): table},
    points {(gamma, seed): table}, optionally example_speed (the example's rows of speed, kept when
    unconverged networks leave the sweep tables); spectra of the example seed, condition ``delay`` (or the first)."""
    types = list(spec.draw)
    gammas = sorted(tables["speed"]["gamma"].unique())
    fig = new_figure(width_mm, 125)
    grid = fig.add_gridspec(3, 4)
    speed_axes = [fig.add_subplot(grid[i, :2]) for i in range(len(types[:3]))]
    example_speed = tables.get("example_speed")
    if example_speed is None:
        speed = tables["speed"]
        example_speed = speed[(speed["gamma"] == example[0]) & (speed["seed"] == example[1])]
    for ax, name in zip(speed_axes, types):
        pa.speed_panel(ax, example_speed, name, spec)
        if not len(example_speed):
            ax.text(0.5, 0.5, "no speed table for the example network", transform=ax.transAxes, ha="center")
    speed_axes[-1].set_xlabel("time bin")
    speed_axes[0].set_title(f"speed q along trajectories, γ {example[0]:g}, seed {example[1]}", loc="left")
    by_gamma = fig.add_subplot(grid[0, 2:])
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(gammas)))
    for gamma, color in zip(gammas, colors):
        sub = tables["speed"][(tables["speed"]["gamma"] == gamma) & (tables["speed"]["trial_type"] == types[0])]
        # F(h) - h = gamma (tanh(z) - h): dividing q by gamma^2 compares distances, not step sizes.
        mean = sub.groupby("time_bin")["mean_log10_q"].mean() - 2 * np.log10(gamma)
        by_gamma.plot(mean.index, mean.values, color=color, label=f"γ {gamma:g}")
    _shade_epochs(by_gamma, spec, types[0], 1)
    by_gamma.set_ylabel(f"mean log10 (q / γ²)\n{types[0]} trials")
    # Above the panel in rows of four: beside it, the key took the width of panels c-f.
    by_gamma.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(4, len(gammas)), borderaxespad=0.2)
    counts = fig.add_subplot(grid[1, 2])
    condition = "delay" if "delay" in set(tables["counts"]["condition"]) else tables["counts"]["condition"].iloc[0]
    sub = tables["counts"][tables["counts"]["condition"] == condition]
    for kind in ("stable", "saddle"):
        stats = pa.seed_mean_sem(sub[sub["kind"] == kind], "count", ["gamma"])
        counts.errorbar(stats["gamma"], stats["mean"], yerr=stats["sem"], color=KIND_STYLE[kind]["color"], label=kind, capsize=2)
    gamma_axis(counts, gammas)
    counts.set_ylabel(f"fixed points ({condition})")
    counts.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=1, borderaxespad=0.2)
    tau = fig.add_subplot(grid[1, 3])
    timescale_panel(tau, tables, condition, gammas)
    spectra = [fig.add_subplot(grid[2, 2 + i]) for i in range(2)]
    shown = sorted({gammas[0], gammas[-1]})
    if len(shown) == 1:
        spectra[1].set_visible(False)  # one gamma: one spectrum
    theta = np.linspace(0, 2 * np.pi, 200)
    for ax, gamma in zip(spectra, shown):
        # the example's seed, else the first seed of that gamma that is shown (reached the criterion)
        seeds = sorted(s for g, s in tables["eigen"] if g == gamma)
        seed = example[1] if example[1] in seeds or not seeds else seeds[0]
        eigen = tables["eigen"].get((gamma, seed))
        ax.plot(np.cos(theta), np.sin(theta), color="0.5", lw=0.6, ls="--")
        if eigen is not None:
            sub = eigen[eigen["condition"] == condition]
            ax.scatter(sub["real"], sub["imag"], s=2, color="k", lw=0, alpha=0.5)
        else:
            ax.text(0.5, 0.5, "no network\nleft to show", transform=ax.transAxes, ha="center", va="center")
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_title(f"Jacobian, γ {gamma:g}" + ("" if seed == example[1] else f", seed {seed}"), loc="left")
        ax.set_xlabel("Re λ")
    spectra[0].set_ylabel("Im λ")
    letters(speed_axes[:1] + [by_gamma, counts, tau] + spectra)
    return fig
