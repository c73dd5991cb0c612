"""Which networks of a sweep reached their training criterion, and how tables and figures say so.

A network that stops at ``max_steps`` without reaching the criterion is still
analysed, but every sweep table carries its ``reached_criterion`` flag and sweep
figures leave it out (``figures.unconverged: exclude``, the default, named under
the figure) or draw it marked (``mark``).
"""

from __future__ import annotations

import pandas as pd

from . import config

STATUS_COLUMNS = ["gamma", "seed", "steps", "train_seconds", "reached_criterion"]


def training_status(histories: dict) -> pd.DataFrame:
    """One row per network: ``STATUS_COLUMNS``.

    Args:
        histories: (gamma, seed) -> path of the network's ``history.parquet``
            (:func:`tdnms.layout.by_model`), in sweep order.
    """
    from . import tables

    rows = []
    for (gamma, seed), path in histories.items():
        history, meta = tables.read_table(path, kind="history")
        last = history.slice(history.num_rows - 1).to_pylist()[0]
        reached = bool(meta.get("reached_criterion", last["reached"]))
        rows.append((float(gamma), int(seed), int(last["step"]), float(last["wall_seconds"]), reached))
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def unconverged(status: pd.DataFrame) -> list[tuple[float, int]]:
    """(gamma, seed) of the networks that did not reach the criterion."""
    rows = status.loc[~status["reached_criterion"].astype(bool), ["gamma", "seed"]]
    return [(float(g), int(s)) for g, s in rows.itertuples(index=False)]


def warning(status: pd.DataFrame) -> str | None:
    """A one-paragraph warning naming every unconverged network, or None."""
    missed = unconverged(status)
    if not missed:
        return None
    steps = status.set_index(["gamma", "seed"])["steps"]
    names = ", ".join(f"gamma {g:g} seed {s} ({int(steps[(g, s)])} steps)" for g, s in missed)
    return (
        f"WARNING: {len(missed)} of {len(status)} networks did not reach the training criterion: {names}. "
        "Their results are flagged (reached_criterion = False) in every sweep table and, by default "
        "(figures.unconverged: exclude), left out of the sweep figures."
    )


def flag(frame: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with gamma and seed columns) plus the networks' ``reached_criterion`` column."""
    flags = status[["gamma", "seed", "reached_criterion"]]
    out = frame.drop(columns=["reached_criterion"], errors="ignore").merge(flags, on=["gamma", "seed"], how="left")
    if out["reached_criterion"].isna().any():
        raise ValueError("some rows have no training status (gamma/seed not in the sweep's status table)")
    out["reached_criterion"] = out["reached_criterion"].astype(bool)
    return out


def for_figures(frame: pd.DataFrame, mode: str) -> tuple[pd.DataFrame, list[tuple[float, int]]]:
    """Rows a sweep figure draws, and the (gamma, seed) it must name as left out or marked.

    Args:
        frame: a flagged sweep table (:func:`flag`).
        mode: ``"exclude"`` drops unconverged networks; ``"mark"`` keeps them.
    """
    modes = config.allowed_values("figures", "unconverged")
    if mode not in modes:
        raise ValueError(f"figures.unconverged: {mode!r} is not one of {modes}")
    bad = ~frame["reached_criterion"].astype(bool)
    missed = sorted({(float(g), int(s)) for g, s in frame.loc[bad, ["gamma", "seed"]].itertuples(index=False)})
    return (frame.loc[~bad] if mode == "exclude" else frame), missed


NBSP = "\u00a0"


def figure_note(missed: list[tuple[float, int]], mode: str) -> str:
    """The line printed under a sweep figure about unconverged networks ('' if none).

    Each network's name is joined by no-break spaces, so a wrapped note never splits one.
    """
    if not missed:
        return ""
    names = ", ".join(f"γ={g:g}{NBSP}seed{NBSP}{s}" for g, s in missed)
    verb = "left out" if mode == "exclude" else "marked ×"
    return f"Did not reach the training criterion ({verb}): {names}"
