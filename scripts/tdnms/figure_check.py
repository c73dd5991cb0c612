"""Layout check of a drawn figure: what a reader of a journal would object to.

:func:`problems` draws the figure and, from matplotlib's own extents
(``get_window_extent``, ``get_tightbbox``), lists:

- ``overlap``: two visible text elements overlap (tick labels, axis labels,
  titles, panel letters, legend texts, annotations, suptitle, figure notes);
- ``outside``: a text or a legend lies partly outside the saved canvas;
- ``legend``: a legend box covers plotted lines or markers (Line2D segments
  and markers, scatter offsets, errorbar segments) of any axes;
- ``empty``: an axes shows no data and no text saying why.

Each problem names the figure, the axes (its title, panel letter or ylabel)
and the artists. :func:`tdnms.plots.save_figure` runs the check on every
figure the workflow saves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from matplotlib.collections import Collection, LineCollection
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

ENV = "TDNMS_FIGURE_CHECK"
# Extents closer than this (display pixels) still count as apart: glyph boxes carry padding.
TOLERANCE = 1.0


@dataclass(frozen=True)
class Problem:
    kind: str  # overlap | outside | legend | empty
    figure: str
    message: str

    def __str__(self) -> str:
        return f"figure {self.figure}: {self.kind}: {self.message}"


class FigureCheckError(AssertionError):
    """Raised by :func:`enforce` when ``TDNMS_FIGURE_CHECK=error``."""


class FigureCheckWarning(UserWarning):
    """Issued by :func:`enforce` for each problem (the default)."""


def axes_name(ax) -> str:
    """How a reader finds an axes: its title, else its panel letter, else its ylabel or xlabel."""
    for loc in ("left", "center", "right"):
        if ax.get_title(loc):
            return repr(ax.get_title(loc))
    for text in ax.texts:
        s = text.get_text()
        if len(s) == 1 and s.isalpha():
            return f"panel {s}"
    label = ax.get_ylabel() or ax.get_xlabel()
    if label:
        return f"axes with label {label.splitlines()[0]!r}"
    return f"axes {ax.figure.axes.index(ax)}" if ax in ax.figure.axes else "an axes"


def _shown(text: Text) -> bool:
    return text.get_visible() and bool(text.get_text().strip())


def _tick_labels(axis, where: str):
    """(kind, Text) of the tick labels the axis draws (ticks inside the view interval)."""
    lo, hi = sorted(axis.get_view_interval())
    span = (hi - lo) * 1e-9 + 1e-300
    out = []
    for ticks, kind in ((axis.get_major_ticks(len(axis.get_majorticklocs())), "tick label"),
                        (axis.get_minor_ticks(len(axis.get_minorticklocs())), "minor tick label")):
        for tick in ticks:
            if not tick.get_visible() or not (lo - span <= tick.get_loc() <= hi + span):
                continue
            out += [(f"{where} {kind}", t) for t in (tick.label1, tick.label2) if t.get_visible()]
    return out


def _axes_texts(ax):
    """(description, Text) of every text an axes draws."""
    name = axes_name(ax)
    out = []
    if ax.axison:
        for axis, where in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            if not axis.get_visible():
                continue
            out += _tick_labels(axis, where)
            out += [(f"{where} axis label", axis.label), (f"{where} offset text", axis.offsetText)]
    for child in ax.get_children():
        if isinstance(child, Text):
            out.append(("title" if child in (ax.title, ax._left_title, ax._right_title) else "text", child))
    if ax.get_legend() is not None and ax.get_legend().get_visible():
        out += [("legend text", t) for t in ax.get_legend().get_texts()]
        out.append(("legend title", ax.get_legend().get_title()))
    return [(f"{kind} {t.get_text()!r} of {name}", t) for kind, t in out if _shown(t)]


def texts(fig):
    """(description, Text) of every visible, non-empty text of the figure."""
    out = []
    for ax in fig.axes:
        if ax.get_visible():
            out += _axes_texts(ax)
    out += [(f"figure text {t.get_text()[:40]!r}", t) for t in fig.texts if _shown(t)]
    for legend in fig.legends:
        if legend.get_visible():
            out += [(f"figure legend text {t.get_text()!r}", t) for t in legend.get_texts() if _shown(t)]
    return out


def legends(fig):
    """(description, Legend) of every visible legend, the axes' ones and the figure's."""
    out = [(f"legend of {axes_name(ax)}", ax.get_legend()) for ax in fig.axes
           if ax.get_visible() and isinstance(ax.get_legend(), Legend) and ax.get_legend().get_visible()]
    return out + [("figure legend", leg) for leg in fig.legends if leg.get_visible()]


def _overlap(a: Bbox, b: Bbox) -> bool:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w > TOLERANCE and h > TOLERANCE


def overlapping_texts(fig, renderer, figure: str) -> list[Problem]:
    items = [(d, t.get_window_extent(renderer)) for d, t in texts(fig)]
    found = []
    for i, (da, a) in enumerate(items):
        for db, b in items[i + 1 :]:
            if _overlap(a, b):
                found.append(Problem("overlap", figure, f"{da} overlaps {db}"))
    return found


def outside_canvas(fig, renderer, canvas: Bbox, figure: str) -> list[Problem]:
    items = [(d, t.get_window_extent(renderer)) for d, t in texts(fig)]
    items += [(d, leg.get_window_extent(renderer)) for d, leg in legends(fig)]
    found = []
    for desc, box in items:
        if (box.x0 < canvas.x0 - TOLERANCE or box.y0 < canvas.y0 - TOLERANCE
                or box.x1 > canvas.x1 + TOLERANCE or box.y1 > canvas.y1 + TOLERANCE):
            found.append(Problem("outside", figure, f"{desc} lies partly outside the canvas"))
    return found


def _segments(artist):
    """(n, 2, 2) display-coordinate segments and (m, 2) points an artist draws, NaNs dropped."""
    empty = np.zeros((0, 2, 2)), np.zeros((0, 2))
    if isinstance(artist, Line2D):
        xy = artist.get_transform().transform(np.asarray(artist.get_xydata(), dtype=float))
        points = xy if artist.get_marker() not in (None, "", " ", "None", "none") else np.zeros((0, 2))
        segs = np.stack([xy[:-1], xy[1:]], axis=1) if artist.get_linestyle() not in ("None", "", " ") else empty[0]
        return segs, points
    if isinstance(artist, LineCollection):
        segs = [artist.get_transform().transform(np.asarray(s, dtype=float)) for s in artist.get_segments()]
        segs = [np.stack([s[:-1], s[1:]], axis=1) for s in segs if len(s) > 1]
        return (np.concatenate(segs) if segs else empty[0]), empty[1]
    if isinstance(artist, Collection):
        offsets = np.asarray(artist.get_offsets(), dtype=float)
        if len(offsets) and len(artist.get_paths()):
            return empty[0], artist.get_offset_transform().transform(offsets)
    return empty


def _hits(box: Bbox, segs: np.ndarray, points: np.ndarray) -> bool:
    """Whether any point lies in ``box`` or any segment crosses it (Liang-Barsky clipping)."""
    inside = (points[:, 0] >= box.x0) & (points[:, 0] <= box.x1) & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)
    if np.any(inside[np.isfinite(points).all(axis=1)]):
        return True
    segs = segs[np.isfinite(segs).all(axis=(1, 2))]
    if not len(segs):
        return False
    p0, d = segs[:, 0], segs[:, 1] - segs[:, 0]
    t0, t1 = np.zeros(len(segs)), np.ones(len(segs))
    for p, q in ((-d[:, 0], p0[:, 0] - box.x0), (d[:, 0], box.x1 - p0[:, 0]),
                 (-d[:, 1], p0[:, 1] - box.y0), (d[:, 1], box.y1 - p0[:, 1])):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = q / p
        t0 = np.where(p < 0, np.maximum(t0, r), t0)
        t1 = np.where(p > 0, np.minimum(t1, r), t1)
        t1 = np.where((p == 0) & (q < 0), -1.0, t1)
    return bool(np.any(t0 <= t1))


def _data_artists(ax):
    return [a for a in [*ax.lines, *ax.collections] if a.get_visible()]


def _artist_name(artist) -> str:
    label = artist.get_label()
    kind = "line" if isinstance(artist, Line2D) else type(artist).__name__
    return f"{kind} {label!r}" if label and not label.startswith("_") else kind


def legends_over_data(fig, renderer, figure: str) -> list[Problem]:
    found = []
    for desc, legend in legends(fig):
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            for artist in _data_artists(ax):
                # Parts of a clipped artist outside its axes are not drawn.
                clip = Bbox.intersection(box, ax.bbox) if artist.get_clip_on() else box
                if clip is None or clip.width <= 0 or clip.height <= 0:
                    continue
                if _hits(clip, *_segments(artist)):
                    found.append(Problem("legend", figure, f"{desc} covers {_artist_name(artist)} of {axes_name(ax)}"))
                    break
    return found


def _has_data(ax) -> bool:
    for artist in [*ax.lines, *ax.collections, *ax.images, *ax.patches]:
        if not artist.get_visible():
            continue
        if isinstance(artist, AxesImage):
            return True
        if isinstance(artist, Line2D) and not artist.get_transform().contains_branch(ax.transData):
            continue  # axhline / axvline: a reference, not data
        segs, points = _segments(artist)
        if np.isfinite(points).all(axis=1).any() or np.isfinite(segs).all(axis=(1, 2)).any():
            return True
        if isinstance(artist, Collection) and not isinstance(artist, LineCollection) and len(artist.get_paths()):
            return True  # fill_between bands, meshes (colour bars)
    return False


def empty_axes(fig, figure: str) -> list[Problem]:
    found = []
    for ax in fig.axes:
        if ax.get_visible() and not _has_data(ax) and not any(_shown(t) and t not in (ax.title, ax._left_title, ax._right_title)
                                                             and not (len(t.get_text()) == 1) for t in ax.texts):
            found.append(Problem("empty", figure, f"{axes_name(ax)} shows no data and no note saying why"))
    return found


def saved_canvas(fig, renderer, tight: bool) -> Bbox:
    """Display-coordinate box of what ``savefig`` writes (``bbox_inches='tight'`` if ``tight``)."""
    if not tight:
        return fig.bbox
    pad = fig.dpi * 0.1  # savefig.pad_inches
    box = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)
    return Bbox.from_extents(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)


def problems(fig, figure: str = "figure", tight: bool = False) -> list[Problem]:
    """Draw ``fig`` and list its layout problems (module docstring).

    Args:
        fig: a matplotlib figure on an Agg-capable canvas.
        figure: the name used in the messages (e.g. the output file).
        tight: the figure will be saved with ``bbox_inches="tight"`` (the canvas is its tight box).
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [
        *overlapping_texts(fig, renderer, figure),
        *outside_canvas(fig, renderer, saved_canvas(fig, renderer, tight), figure),
        *legends_over_data(fig, renderer, figure),
        *empty_axes(fig, figure),
    ]


def enforce(fig, figure: str, tight: bool = False) -> list[Problem]:
    """Check ``fig``: warn per problem, or raise when ``TDNMS_FIGURE_CHECK=error``; ``off`` skips."""
    import warnings

    mode = os.environ.get(ENV, "warn").strip().lower()
    if mode == "off":
        return []
    found = problems(fig, figure, tight)
    if found and mode == "error":
        raise FigureCheckError("\n".join(map(str, found)))
    for problem in found:
        warnings.warn(str(problem), FigureCheckWarning, stacklevel=2)
    return found
