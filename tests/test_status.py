"""Networks that miss the training criterion: flagged in tables, left out of or marked in figures."""

import pandas as pd
import pytest

from tdnms import status

STATUS = pd.DataFrame(
    {
        "gamma": [0.2, 0.2, 1.0, 1.0],
        "seed": [0, 1, 0, 1],
        "steps": [100, 120, 6000, 900],
        "train_seconds": [5.0, 6.0, 300.0, 40.0],
        "reached_criterion": [True, True, False, True],
    }
)
TABLE = pd.DataFrame({"gamma": [0.2, 0.2, 1.0, 1.0] * 2, "seed": [0, 1, 0, 1] * 2, "value": range(8)})


def test_flag_adds_each_rows_network_outcome():
    flagged = status.flag(TABLE, STATUS)
    assert list(flagged.columns) == ["gamma", "seed", "value", "reached_criterion"]
    assert flagged.loc[(flagged.gamma == 1.0) & (flagged.seed == 0), "reached_criterion"].tolist() == [False, False]
    assert flagged["reached_criterion"].sum() == 6


def test_flag_refuses_rows_of_networks_without_status():
    with pytest.raises(ValueError, match="no training status"):
        status.flag(pd.DataFrame({"gamma": [0.5], "seed": [0], "value": [1]}), STATUS)


def test_exclude_drops_unconverged_rows_and_names_them():
    shown, missed = status.for_figures(status.flag(TABLE, STATUS), "exclude")
    assert missed == [(1.0, 0)]
    assert len(shown) == 6 and shown["reached_criterion"].all()
    assert status.figure_note(missed, "exclude") == "Did not reach the training criterion (left out): γ=1\u00a0seed\u00a00"


def test_mark_keeps_every_row():
    shown, missed = status.for_figures(status.flag(TABLE, STATUS), "mark")
    assert missed == [(1.0, 0)] and len(shown) == 8
    assert "marked" in status.figure_note(missed, "mark")
    with pytest.raises(ValueError, match="figures.unconverged"):
        status.for_figures(status.flag(TABLE, STATUS), "hide")


def test_warning_names_each_unconverged_network_and_its_steps():
    text = status.warning(STATUS)
    assert "1 of 4 networks" in text and "gamma 1 seed 0 (6000 steps)" in text
    assert status.warning(STATUS.assign(reached_criterion=True)) is None


def test_a_wrapped_figure_note_never_splits_a_network_name():
    import matplotlib.pyplot as plt

    from tdnms import plots

    missed = [(g, s) for g in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0) for s in (0, 1)]
    fig = plt.figure(figsize=(7, 4))
    plots.add_note(fig, status.figure_note(missed, "mark"))
    lines = fig.texts[-1].get_text().splitlines()
    plt.close(fig)
    assert len(lines) > 1  # long enough to wrap
    for g, s in missed:  # every name whole on one line
        assert sum(f"γ={g:g}\u00a0seed\u00a0{s}" in line for line in lines) == 1, (g, s, lines)
