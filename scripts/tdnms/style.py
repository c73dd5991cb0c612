"""What every figure shares: one colour per trial type and one gamma axis.

:data:`TYPE_COLORS` is the only place trial-type colours are defined; the
workflow's figures, the report and the notebook (``tdnms.TYPE_COLORS``) use it.
:func:`gamma_axis` draws every gamma axis: log-spaced, a tick at each swept
gamma, and labels on as many of them as fit side by side at draw time.
Importing this module changes no matplotlib state.
"""

from __future__ import annotations

import numpy as np
from matplotlib import ticker

# Colour-blind-safe (ColorBrewer Dark2); a trial type keeps its colour in every figure.
TYPE_COLORS = {"SL": "#1b9e77", "LS": "#d95f02", "SS": "#7570b3", "LL": "#e7298a"}
# Pooled over trial types ("all" in score tables, "any" in unit fractions).
POOLED_COLOR = "k"
FALLBACK_COLORS = ["#66a61e", "#e6ab02", "#a6761d", "#666666"]


def type_color(name: str, order: list[str] | None = None) -> str:
    """The colour of trial type ``name``; types outside :data:`TYPE_COLORS` by their place in ``order``."""
    if name in TYPE_COLORS:
        return TYPE_COLORS[name]
    if name in ("all", "any"):
        return POOLED_COLOR
    others = [t for t in (order or []) if t not in TYPE_COLORS]
    i = others.index(name) if name in others else 0
    return FALLBACK_COLORS[i % len(FALLBACK_COLORS)]


def type_order(names) -> list[str]:
    """Trial types in the order of :data:`TYPE_COLORS` (SL, LS, SS, LL), others after them, pooled last."""
    names = list(dict.fromkeys(names))
    known = [t for t in TYPE_COLORS if t in names]
    pooled = [t for t in ("all", "any") if t in names]
    return known + sorted(t for t in names if t not in known and t not in pooled) + pooled


class GammaFormatter(ticker.Formatter):
    """Labels the swept gammas, leaving out those whose label would touch a neighbour's.

    Decided when the axis is drawn, from the axes' width then and the tick
    labels' font size: the smallest and largest gamma are always labelled.
    """

    GAP_EM = 0.5  # free space between two labels, in font sizes
    DIGIT_EM, POINT_EM = 0.64, 0.32  # advance widths in DejaVu Sans, in font sizes

    @classmethod
    def width_em(cls, label: str) -> float:
        return sum(cls.POINT_EM if c == "." else cls.DIGIT_EM for c in label)

    def __init__(self, gammas):
        self.gammas = np.asarray(sorted(gammas), dtype=float)
        self.shown: set[float] = set(self.gammas)

    def __call__(self, x, pos=None) -> str:
        return f"{x:g}" if any(np.isclose(x, g) for g in self.shown) else ""

    def format_ticks(self, values):
        self.shown = self._fit([float(v) for v in values])
        return [self(v) for v in values]

    def _fit(self, values) -> set[float]:
        axis = self.axis
        if axis is None or len(values) < 3:
            return set(values)
        ticks = axis.get_major_ticks(len(values))
        size_px = ticks[0].label1.get_fontsize() * axis.figure.dpi / 72 if ticks else 8.0
        x = axis.axes.get_xaxis_transform().transform(np.column_stack([values, np.zeros(len(values))]))[:, 0]
        half = [self.width_em(f"{v:g}") * size_px / 2 for v in values]
        gap = self.GAP_EM * size_px
        keep = [len(values) - 1]  # right to left: the largest gamma (often 1) always labelled
        for i in range(len(values) - 2, -1, -1):
            if x[keep[-1]] - half[keep[-1]] - (x[i] + half[i]) >= gap:
                keep.append(i)
        if 0 not in keep:
            while len(keep) > 1 and x[keep[-1]] - half[keep[-1]] - (x[0] + half[0]) < gap:
                keep.pop()
            keep.append(0)
        return {values[i] for i in keep}


def _has_round_value(low: float, high: float) -> bool:
    """Whether [low, high] holds 1, 2 or 5 times a power of ten (a value log_y labels)."""
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    return any(low <= m * 10.0**k <= high for k in decades for m in (1, 2, 5))


def log_y(ax) -> None:
    """Log-scaled y axis: decades labelled, and 2 and 5 times a decade when the axis spans less than one.

    Matplotlib's own minor labels (2, 3, 4, 6 x 10^k) collide on short panels.
    """
    ax.set_yscale("log")
    low, high = sorted(ax.get_ylim())
    if low > 0 and not _has_round_value(low, high):
        # A range between two round values (13-14 bins) would show no label at all.
        ax.yaxis.set_major_locator(ticker.MaxNLocator(3))
        ax.yaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        return
    sci = ticker.LogFormatterSciNotation(labelOnlyBase=False)
    sci.axis = ax.yaxis

    def minor(y, pos=None):
        low, high = sorted(ax.get_ylim())
        if low <= 0 or y <= 0 or np.log10(high / low) >= 1:
            return ""
        coefficient = y / 10 ** np.floor(np.log10(y) + 1e-9)
        return sci(y) if any(np.isclose(coefficient, c) for c in (2, 5)) else ""

    ax.yaxis.set_minor_formatter(ticker.FuncFormatter(minor))


def gamma_axis(ax, gammas, label: str = "γ (decay factor)") -> None:
    """Log-spaced x axis with a tick at each gamma, labels where they fit, and margins for offsets."""
    gammas = sorted(float(g) for g in gammas)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(ticker.FixedLocator(gammas))
    ax.xaxis.set_major_formatter(GammaFormatter(gammas))
    ax.xaxis.set_minor_locator(ticker.NullLocator())
    low, high = gammas[0], gammas[-1]
    pad = max(np.log10(high / low) * 0.08, 0.06)
    ax.set_xlim(low / 10**pad, high * 10**pad)
    ax.set_xlabel(label)


# How the report's captions name the colours (checked against TYPE_COLORS by the tests).
COLOR_NAMES = {"SL": "green", "LS": "orange", "SS": "purple", "LL": "pink"}
