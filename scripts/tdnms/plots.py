"""Figures: per-model output traces and PCA trajectories, sweep summaries.

Every figure is saved as PNG and PDF by :func:`save_figure`, with the
provenance document in the file metadata (PNG text chunk "tdnms", PDF
"Subject"), and without timestamps so reruns give identical files; it runs the
layout check (:mod:`tdnms.figure_check`) first.

Importing this module changes no global state (backend, ``rcParams``): the
house style is :func:`style`, a context manager the figure-making scripts wrap
figure creation and saving in, and the scripts choose the headless backend.
"""

from __future__ import annotations

import copy
import json
import os
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import figure_check, tables
from .style import gamma_axis, log_y, type_color, type_order
from .task import TaskSpec

HOUSE_STYLE = {
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 10,
        "legend.frameon": False,
}
# Legends sit beside the panels, never over the data.
BESIDE = {"loc": "center left", "bbox_to_anchor": (1.02, 0.5)}


def style(extra: dict | None = None):
    """Context manager applying the house style (and ``extra`` rcParams on top).

    Wrap figure creation *and* saving in it; nothing outside changes.
    """
    return plt.rc_context({**HOUSE_STYLE, **(extra or {})})


def save_figure(fig, paths: dict[str, str], meta: dict, tight: bool = True) -> None:
    """Check ``fig`` (:func:`tdnms.figure_check.enforce`), then save it to each path with provenance metadata.

    The format comes from each path's suffix. ``tight`` crops to the drawn
    content; ``False`` keeps the figure's own size (figures laid out to an exact
    page width). Layout problems are warnings in the job's log, or an error when
    ``TDNMS_FIGURE_CHECK=error``.
    """
    try:
        figure_check.enforce(fig, str(next(iter(paths.values()), "figure")), tight=tight)
    except figure_check.FigureCheckError:
        plt.close(fig)
        raise
    text = json.dumps(meta, sort_keys=True, default=str)
    for path in paths.values():
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fmt = path.suffix.lstrip(".")
        if fmt == "png":
            metadata = {"Software": f"tdnms {meta.get('versions', {}).get('tdnms', '')}", "tdnms": text}
        elif fmt == "pdf":
            metadata = {"Creator": "tdnms", "Subject": text, "CreationDate": None, "ModDate": None}
        else:
            metadata = None
        tmp = tables.atomic_path(path).with_suffix(path.suffix)
        fig.savefig(tmp, format=fmt, metadata=metadata, bbox_inches="tight" if tight else None)
        os.replace(tmp, path)
    plt.close(fig)


def _shade_epochs(ax, spec: TaskSpec, trial_type: str, n_trials: int) -> None:
    t = spec.trial_type(trial_type)
    for k in range(n_trials):
        off = k * spec.n_bins
        for start, stop in t.odor_windows:
            ax.axvspan(off + start, off + stop, color="k", alpha=0.12, lw=0)
        ax.axvspan(off + spec.start_cue[0], off + spec.start_cue[1], color="gold", alpha=0.5, lw=0)
        ax.axvspan(off + spec.response_window[0], off + spec.response_window[1], color="tab:green", alpha=0.12, lw=0)


def output_traces(outputs: np.ndarray, trials, n_examples: int = 3):
    """One panel per trial type: outputs of a few test sequences, target dashed."""
    spec = trials.spec
    first = trials.trial_types[:, 0]
    types = list(spec.draw)
    fig, axes = plt.subplots(len(types), 1, figsize=(7, 1.7 * len(types)), sharex=True, squeeze=False)
    time = np.arange(outputs.shape[1])
    for ax, name in zip(axes[:, 0], types):
        idx = np.flatnonzero(first == name)[:n_examples]
        _shade_epochs(ax, spec, name, spec.trials_per_sequence)
        for j, i in enumerate(idx):
            ax.plot(time, outputs[i], color=type_color(name, types), lw=1.2, alpha=1.0 - 0.25 * j)
        if len(idx):
            ax.plot(time, trials.targets[idx[0], :, 0], color="k", ls="--", lw=0.9, label="target")
        ax.set_ylabel(f"{name}\noutput")
        ax.set_ylim(-0.3, 1.3)
        ax.axhline(0.5, color="0.6", lw=0.6, ls=":")
    axes[-1, 0].set_xlabel("time bin")
    axes[0, 0].legend(**BESIDE)
    fig.tight_layout()
    return fig


def pca_trajectories(projections: pd.DataFrame, explained: pd.DataFrame, spec: TaskSpec, overlay=None):
    """PC1-PC2 and PC1-PC3 panels: mean trajectory per trial type over faint single trials.

    ``overlay(ax, pcs)`` may draw more on each panel (fixed points), ``pcs`` being
    the pair of component indices of that panel.
    """
    ratio = dict(zip(explained["component"], explained["explained_variance_ratio"]))
    pairs = [(0, 1), (0, 2)] if "PC3" in ratio else [(0, 1)]
    fig, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs), 3.8), squeeze=False)
    first_trial = projections[projections["trial"] == 0]
    types = list(spec.draw)
    pcs = [f"PC{i + 1}" for i in range(3)]
    for ax, (a, b) in zip(axes[0], pairs):
        for name in types:
            sub = first_trial[first_trial["trial_type"] == name]
            color = type_color(name, types)
            for _, seq in list(sub.groupby("sequence"))[:8]:
                ax.plot(seq[pcs[a]], seq[pcs[b]], color=color, lw=0.4, alpha=0.25)
            mean = sub.groupby("time_bin")[[pcs[a], pcs[b]]].mean()
            ax.plot(mean[pcs[a]], mean[pcs[b]], color=color, lw=1.8, label=name)
            # Markers unlike the fixed-point ones (circle, square, triangle, cross).
            ax.plot(*mean.iloc[0].to_numpy(), "*", color=color, ms=8)
            resp = spec.response_window[0]
            if resp in mean.index:
                ax.plot(*mean.loc[resp].to_numpy(), "d", color=color, ms=7, mec="k", mew=0.6)
        if overlay is not None:
            overlay(ax, (a, b))
        ax.set_xlabel(f"{pcs[a]} ({100 * ratio[pcs[a]]:.0f}% var)")
        ax.set_ylabel(f"{pcs[b]} ({100 * ratio[pcs[b]]:.0f}% var)")
        ax.set_aspect("equal", adjustable="datalim")
    from matplotlib.lines import Line2D

    handles, _ = axes[0, 0].get_legend_handles_labels()
    handles += [
        Line2D([], [], ls="", marker="*", color="k", ms=8, label="trial start"),
        Line2D([], [], ls="", marker="d", color="0.6", mec="k", mew=0.6, ms=7, label="response window opens"),
    ]
    axes[0, -1].legend(handles=handles, fontsize=8, **BESIDE)
    fig.tight_layout()
    return fig


UNCONVERGED_STYLE = {"marker": "x", "color": "tab:red", "s": 22, "zorder": 3}


def add_note(fig, text: str) -> None:
    """A line of text under the axes (e.g. which networks a sweep figure leaves out)."""
    if not text:
        return
    constrained = fig.get_layout_engine() is not None and "Constrained" in type(fig.get_layout_engine()).__name__
    size = 6 if constrained else 7
    # Wrapped to the figure's width (a DejaVu Sans character is about 0.6 font sizes wide).
    text = textwrap.fill(text, width=max(40, int(0.95 * fig.get_figwidth() * 72 / (0.6 * size))))
    if constrained:
        # A figure saved at its exact size (manuscript): the layout makes room for the lines.
        fig.supxlabel(text, x=0.01, ha="left", fontsize=size, color="tab:red")
    else:
        fig.text(0.01, -0.01, text, ha="left", va="top", fontsize=size, color="tab:red")


NO_NETWORK = "No network reached the training criterion."


def figure_paths(output, name: str) -> dict[str, str]:
    """``{"png": ..., "pdf": ...}`` of figure ``name`` among a rule's outputs (``<name>_png``, ``<name>_pdf``)."""
    return {"png": output[f"{name}_png"], "pdf": output[f"{name}_pdf"]}


def save_sweep_figure(make, n_rows: int, note: str, paths: dict[str, str], meta: dict, tight: bool = True) -> None:
    """A figure across the sweep: ``make()`` if it has ``n_rows`` > 0 rows to draw, else a figure
    saying that no network reached the criterion; ``note`` (networks left out or marked) under
    it; checked and saved as :func:`save_figure` does."""
    fig = make() if n_rows else empty_figure(NO_NETWORK)
    add_note(fig, note)
    save_figure(fig, paths, meta, tight=tight)


def empty_figure(text: str):
    """A small figure that only says why it is empty (e.g. every network was left out)."""
    fig, ax = plt.subplots(figsize=(4.8, 1.2), layout="constrained")
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=9, wrap=True)
    return fig


def _split_marked(frame: pd.DataFrame, marked) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of converged networks, and rows of the ``marked`` (gamma, seed) networks."""
    if not marked:
        return frame, frame.iloc[:0]
    is_marked = [(float(g), int(s)) in marked for g, s in zip(frame["gamma"], frame["seed"])]
    is_marked = np.asarray(is_marked, dtype=bool)
    return frame.loc[~is_marked], frame.loc[is_marked]


def training_curves(histories: dict[tuple[float, int], pd.DataFrame], criterion: float, per_row: int = 4):
    """Loss (upper) and worst-type validation accuracy (lower panel) per gamma, one line per seed.

    Gammas fill rows of at most ``per_row`` panel pairs, so a long sweep stays page-shaped.
    """
    gammas = sorted({g for g, _ in histories})
    ncol = min(per_row, len(gammas))
    blocks = -(-len(gammas) // ncol)
    fig, axes = plt.subplots(2 * blocks, ncol, figsize=(3.0 * ncol + 1.0, 4.4 * blocks), squeeze=False)
    for k in range(blocks * ncol):
        loss_ax, acc_ax = axes[2 * (k // ncol), k % ncol], axes[2 * (k // ncol) + 1, k % ncol]
        if k >= len(gammas):
            loss_ax.set_visible(False)
            acc_ax.set_visible(False)
            continue
        for (gamma, seed), h in sorted(histories.items()):
            if gamma != gammas[k]:
                continue
            color = f"C{sorted({s for _, s in histories}).index(seed) % 10}"
            loss_ax.plot(h["step"], h["loss"], lw=0.8, color=color, label=str(seed))
            acc_cols = [c for c in h.columns if c.startswith("accuracy_")]
            ev = h.dropna(subset=acc_cols)
            acc_ax.plot(ev["step"], ev[acc_cols].min(axis=1), lw=1, marker=".", ms=3, color=color)
        loss_ax.set_title(f"γ {gammas[k]:g}")
        log_y(loss_ax)
        acc_ax.axhline(criterion, color="k", ls="--", lw=0.7)
        acc_ax.set_xlabel("training step")
        acc_ax.set_ylim(0, 1.05)
        if k % ncol == 0:
            loss_ax.set_ylabel("training loss")
            acc_ax.set_ylabel("worst trial type\nvalidation accuracy")
    axes[0, -1].legend(title="model seed", ncol=1 + len({s for _, s in histories}) // 12, **BESIDE)
    fig.tight_layout()
    return fig


def accuracy_vs_gamma(scores: pd.DataFrame, criterion: float, marked=frozenset()):
    """Test accuracy per trial type vs gamma; seeds as points, means joined.

    ``marked`` (gamma, seed) networks (did not reach the criterion) are drawn as red
    crosses and left out of the means.
    """
    types = type_order(t for t in scores["trial_type"].unique() if t != "all")
    gammas = sorted(scores["gamma"].unique())
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    offsets = np.linspace(-0.04, 0.04, len(types))
    for off, name in zip(offsets, types):
        sub, bad = _split_marked(scores[scores["trial_type"] == name], marked)
        color = type_color(name, types)
        ax.scatter(sub["gamma"] * (1 + off), sub["accuracy"], s=14, color=color, alpha=0.7)
        ax.scatter(bad["gamma"] * (1 + off), bad["accuracy"], **UNCONVERGED_STYLE)
        mean = sub.groupby("gamma")["accuracy"].mean()
        ax.plot(mean.index * (1 + off), mean.values, color=color, lw=1.4, label=name)
    ax.axhline(criterion, color="k", ls="--", lw=0.7, label="criterion")
    gamma_axis(ax, gammas)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(min(0.5, scores["accuracy"].min() - 0.05), 1.02)
    ax.legend(**BESIDE)
    fig.tight_layout()
    return fig


def sweep_summary(scores: pd.DataFrame, pca: pd.DataFrame, criterion: float, marked=frozenset()):
    """Four panels against gamma: accuracy, MSE, steps to criterion, variance explained by PCs.

    ``marked`` networks are drawn as red crosses and left out of the means.
    """
    overall, bad = _split_marked(scores[scores["trial_type"] == "all"], marked)
    pca, pca_bad = _split_marked(pca, marked)
    gammas = sorted(set(overall["gamma"]) | set(bad["gamma"]))
    fig, axes = plt.subplots(2, 2, figsize=(7.5, 5.6))
    panels = [
        (axes[0, 0], "accuracy", "test accuracy (all types)"),
        (axes[0, 1], "mse", "test MSE"),
        (axes[1, 0], "steps", "steps to criterion"),
    ]
    for ax, column, label in panels:
        ax.scatter(overall["gamma"], overall[column], s=16, color="0.3")
        ax.scatter(bad["gamma"], bad[column], **UNCONVERGED_STYLE)
        mean = overall.groupby("gamma")[column].mean()
        ax.plot(mean.index, mean.values, color="k", lw=1.2)
        gamma_axis(ax, gammas)
        ax.set_ylabel(label)
    axes[0, 0].axhline(criterion, color="k", ls="--", lw=0.7)
    ax = axes[1, 1]
    for k, comp in enumerate(sorted(set(pca["component"]) | set(pca_bad["component"]))):
        color = f"C{k}"
        mean = pca[pca["component"] == comp].groupby("gamma")["explained_variance_ratio"].mean()
        ax.plot(mean.index, mean.values, marker="o", ms=3, color=color, label=comp)
        # Marked networks: crosses in their component's colour (red would hide which component).
        bad_comp = pca_bad[pca_bad["component"] == comp]
        ax.scatter(bad_comp["gamma"], bad_comp["explained_variance_ratio"], marker="x", s=22, color=color)
    gamma_axis(ax, gammas)
    ax.set_ylabel("explained variance ratio")
    ax.legend(**BESIDE)
    fig.tight_layout()
    return fig


CONDITION_MARKERS = ["o", "s", "^", "D", "v", "P"]
# Marker style per point kind; the kinds themselves are tdnms.fixed_points.kinds.KINDS.
KIND_STYLE = {
    "stable": {"filled": True, "color": "k"},
    "saddle": {"filled": False, "color": "tab:red"},
    "unstable": {"filled": False, "color": "tab:purple"},
    "slow": {"filled": False, "color": "0.5"},
}


def fixed_points_on_pca(points, eigen, projections, explained, components, spec: TaskSpec):
    """PCA trajectories with the fixed points of each input condition projected on top.

    Stable points filled, saddles and unstable points open, slow points small
    grey crosses; unstable modes drawn as short lines through their point.
    """
    from matplotlib.lines import Line2D

    from .analysis import projector
    from .fixed_points import mode_segments

    project = projector(components)
    conditions = list(dict.fromkeys(points["condition"]))
    marker = {c: CONDITION_MARKERS[i % len(CONDITION_MARKERS)] for i, c in enumerate(conditions)}
    pc = project(np.vstack(points["state"].to_numpy())) if len(points) else np.zeros((0, 3))
    segments = mode_segments(points, eigen, scale=0.15) if len(points) else None
    seg_start = project(np.vstack(segments["start"].to_numpy())) if segments is not None and len(segments) else None
    seg_end = project(np.vstack(segments["end"].to_numpy())) if seg_start is not None else None

    def overlay(ax, pair):
        a, b = pair
        if seg_start is not None:
            for s, e in zip(seg_start, seg_end):
                ax.plot([s[a], e[a]], [s[b], e[b]], color="tab:red", lw=1.2, zorder=4)
        for i, row in enumerate(points.itertuples()):
            style = KIND_STYLE.get(row.kind, KIND_STYLE["slow"])
            if row.kind == "slow":
                ax.plot(pc[i, a], pc[i, b], "x", color=style["color"], ms=4, zorder=5)
                continue
            ax.plot(
                pc[i, a],
                pc[i, b],
                marker[row.condition],
                ms=7,
                mec=style["color"],
                mfc=style["color"] if style["filled"] else "white",
                mew=1.4,
                zorder=5,
            )

    fig = pca_trajectories(projections, explained, spec, overlay=overlay)
    last = fig.axes[-1]
    # One legend beside the panels: the trajectories' entries, then the points'.
    old = last.get_legend()
    handles = [copy.copy(h) for h in old.legend_handles]
    for handle, text in zip(handles, old.get_texts()):
        handle.set_label(text.get_text())
    handles += [Line2D([], [], ls="", marker=marker[c], color="k", mfc="white", label=c) for c in conditions]
    handles += [
        Line2D([], [], ls="", marker="o", color="k", label="stable"),
        Line2D([], [], ls="", marker="o", mec="tab:red", mfc="white", label="saddle (unstable modes: lines)"),
        Line2D([], [], ls="", marker="x", color="0.5", label="slow point"),
    ]
    last.legend(handles=handles, fontsize=8, **BESIDE)
    fig.tight_layout()
    return fig


def eigenvalue_spectra(points, eigen):
    """Eigenvalues of the Jacobian at every fixed point, one panel per condition, unit circle drawn."""
    from .fixed_points.kinds import KINDS

    conditions = list(dict.fromkeys(points["condition"])) or ["(none)"]
    fig, axes = plt.subplots(1, len(conditions), figsize=(3.3 * len(conditions), 3.4), squeeze=False)
    theta = np.linspace(0, 2 * np.pi, 400)
    kind_of = dict(zip(points["point_id"], points["kind"]))
    for ax, condition in zip(axes[0], conditions):
        ax.plot(np.cos(theta), np.sin(theta), color="0.4", lw=0.8, ls="--")
        sub = eigen[eigen["condition"] == condition]
        for kind in KINDS:
            style = KIND_STYLE[kind]
            rows = sub[sub["point_id"].map(kind_of) == kind]
            if len(rows):
                ax.scatter(rows["real"], rows["imag"], s=6, color=style["color"], alpha=0.6, label=kind)
        n = int((points["condition"] == condition).sum())
        ax.set_title(f"{condition} ({n} points)")
        ax.set_xlabel("Re λ")
        ax.set_aspect("equal", adjustable="datalim")
    axes[0, 0].set_ylabel("Im λ")
    axes[0, -1].legend(fontsize=7, **BESIDE)
    fig.tight_layout()
    return fig


def fixed_points_vs_gamma(counts: pd.DataFrame, marked=frozenset()):
    """Number of points of each kind against gamma, one panel per condition; seeds as points.

    ``marked`` networks are drawn as red crosses and left out of the means.
    """
    from .fixed_points.kinds import KINDS

    conditions = list(dict.fromkeys(counts["condition"]))
    gammas = sorted(counts["gamma"].unique())
    fig, axes = plt.subplots(1, len(conditions), figsize=(3.3 * len(conditions), 3.2), sharey=True, squeeze=False)
    for ax, condition in zip(axes[0], conditions):
        sub = counts[counts["condition"] == condition]
        for kind in KINDS:
            style = KIND_STYLE[kind]
            rows, bad = _split_marked(sub[sub["kind"] == kind], marked)
            ax.scatter(rows["gamma"], rows["count"], s=12, color=style["color"], alpha=0.6)
            ax.scatter(bad["gamma"], bad["count"], **UNCONVERGED_STYLE)
            mean = rows.groupby("gamma")["count"].mean()
            ax.plot(mean.index, mean.values, color=style["color"], lw=1.2, label=kind)
        ax.set_title(condition)
        gamma_axis(ax, gammas)
    axes[0, 0].set_ylabel("number of points")
    axes[0, -1].legend(fontsize=7, **BESIDE)
    fig.tight_layout()
    return fig


def training_status(status: pd.DataFrame):
    """Steps trained per (seed, gamma) as a heat map; networks short of the criterion outlined in red."""
    from matplotlib.patches import Rectangle

    grid = status.pivot(index="seed", columns="gamma", values="steps")
    reached = status.pivot(index="seed", columns="gamma", values="reached_criterion").astype(bool)
    steps = grid.to_numpy(dtype=float)
    fig, ax = plt.subplots(
        figsize=(max(3.6, 1.6 + 0.55 * grid.shape[1]), max(2.2, 1.2 + 0.32 * grid.shape[0])), layout="constrained"
    )
    # A light map: black numbers stay readable on every cell.
    image = ax.imshow(steps, cmap="Blues", aspect="auto", vmin=0, vmax=1.6 * max(np.nanmax(steps), 1))
    for (i, j), value in np.ndenumerate(steps):
        ok = bool(reached.iloc[i, j])
        ax.text(j, i, f"{int(value)}", ha="center", va="center", fontsize=7, color="k" if ok else "tab:red")
        if not ok:
            ax.add_patch(Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, ec="tab:red", lw=1.2))
    ax.set_xticks(range(grid.shape[1]), [f"{g:g}" for g in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [str(s) for s in grid.index])
    ax.set_xlabel("γ (decay factor)")
    ax.set_ylabel("model seed")
    ax.set_title("training steps\n(red: criterion not reached)", fontsize=9)
    fig.colorbar(image, ax=ax, label="steps", fraction=0.05, pad=0.03)
    return fig
