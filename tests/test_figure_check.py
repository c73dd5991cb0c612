"""The figure check: each kind of problem planted in a small figure is caught; a clean figure passes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tdnms import figure_check, plots, style  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def kinds(fig, tight=False):
    return [p.kind for p in figure_check.problems(fig, "planted", tight=tight)]


def clean_figure():
    fig, axes = plt.subplots(1, 2, figsize=(7, 3), layout="constrained")
    x = np.linspace(0, 1, 50)
    axes[0].plot(x, x**2, label="square")
    axes[0].plot(x, x**3, label="cube")
    axes[0].set(title="powers", xlabel="x", ylabel="y")
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes[1].scatter([1, 2, 3], [3, 1, 2])
    axes[1].set(title="points", xlabel="index")
    return fig


def test_a_clean_figure_passes():
    assert figure_check.problems(clean_figure(), "clean") == []


def test_overlapping_tick_labels_are_caught():
    fig, ax = plt.subplots(figsize=(1.2, 1.5))
    ax.plot([0.3, 0.4], [0, 1])
    ax.set_xticks([0.3, 0.31, 0.4], ["0.3000", "0.3100", "0.4000"])
    found = figure_check.problems(fig, "ticks", tight=True)
    assert any(p.kind == "overlap" and "'0.3000'" in p.message and "'0.3100'" in p.message for p in found), found


def test_colliding_titles_and_panel_letter_are_caught():
    fig, axes = plt.subplots(1, 2, figsize=(3, 2))
    for ax, title in zip(axes, ["a long title that runs over", "its neighbour's title"]):
        ax.plot([0, 1], [0, 1])
        ax.set_title(title, loc="left")
    found = figure_check.problems(fig, "titles")
    assert any(p.kind == "overlap" and "title 'a long title" in p.message and "neighbour" in p.message for p in found)


def test_text_and_legend_outside_the_canvas_are_caught():
    fig, ax = plt.subplots(figsize=(3, 2), layout="constrained")
    ax.plot([0, 1], [0, 1], label="a line")
    ax.legend(loc="center left", bbox_to_anchor=(1.2, 0.5))
    fig.text(0.9, 0.5, "a note running off the page")
    found = figure_check.problems(fig, "outside")
    messages = [p.message for p in found if p.kind == "outside"]
    assert any("legend" in m for m in messages) and any("note running off" in m for m in messages), found
    # Saved with bbox_inches="tight", the canvas grows to hold them.
    assert "outside" not in kinds(fig, tight=True)


def test_a_legend_over_lines_markers_scatter_and_errorbars_is_caught():
    x = np.linspace(0, 1, 30)
    drawers = {
        "line": lambda ax: ax.plot(x, 1.0 - 0 * x, label="flat"),
        "markers": lambda ax: ax.plot([0.05, 0.5], [1.0, 0.0], "o", ls="", label="points"),
        "scatter": lambda ax: ax.scatter([0.04], [1.0], label="dot"),
        "errorbar": lambda ax: ax.errorbar([0.02, 0.9], [0.7, 0.1], yerr=0.3, label="bars"),
        # Two vertices far apart: only the segment between them crosses the legend.
        "segment": lambda ax: ax.plot([-1.0, 2.0], [1.0, 1.0], label="long segment"),
    }
    for name, draw in drawers.items():
        fig, ax = plt.subplots(figsize=(3, 2.4), layout="constrained")
        draw(ax)
        ax.plot([0, 1], [0, 0], color="k")  # keeps the lower part of the axes in view
        ax.set_ylim(-0.1, 1.1)
        ax.set_xlim(0, 1)
        ax.legend(loc="upper left", borderaxespad=0.2)
        assert kinds(fig) == ["legend"], name
        plt.close(fig)


def test_a_legend_beside_the_data_passes_and_clipped_data_does_not_count():
    fig, ax = plt.subplots(figsize=(3, 2.4), layout="constrained")
    ax.plot([0, 1], [0, 1], label="diagonal")
    ax.plot([0, 5], [0.5, 0.5], label="runs out of view")  # clipped at the axes edge
    ax.set_xlim(0, 1)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    assert "legend" not in kinds(fig)


def test_an_empty_panel_without_a_note_is_caught_and_a_note_clears_it():
    fig, axes = plt.subplots(1, 2, figsize=(5, 2), layout="constrained")
    axes[0].plot([0, 1], [0, 1])
    axes[1].axhline(0.5)  # a reference line is not data
    axes[1].set_title("nothing here")
    found = figure_check.problems(fig, "empty")
    assert [p.kind for p in found] == ["empty"] and "'nothing here'" in found[0].message
    axes[1].text(0.5, 0.2, "no network had a stable point", transform=axes[1].transAxes, ha="center")
    assert figure_check.problems(fig, "empty") == []


def test_save_figure_warns_by_default_and_raises_when_asked(tmp_path, monkeypatch):
    def planted():
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.set_title("empty")
        return fig

    monkeypatch.delenv(figure_check.ENV, raising=False)
    with pytest.warns(figure_check.FigureCheckWarning, match="empty"):
        plots.save_figure(planted(), {"png": tmp_path / "a.png"}, {})
    assert (tmp_path / "a.png").exists()
    monkeypatch.setenv(figure_check.ENV, "error")
    with pytest.raises(figure_check.FigureCheckError, match="b.png: empty"):
        plots.save_figure(planted(), {"png": tmp_path / "b.png"}, {})
    assert not (tmp_path / "b.png").exists()


def test_gamma_axis_labels_eight_gammas_without_overlap_on_a_narrow_panel():
    gammas = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0]
    with plots.style():
        for width in (1.4, 2.5, 8.0):
            fig, ax = plt.subplots(figsize=(width, 1.8), layout="constrained")
            ax.plot(gammas, np.arange(8))
            style.gamma_axis(ax, gammas)
            assert figure_check.problems(fig, f"width {width}") == []
            shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
            assert shown[0] == "0.05" and shown[-1] == "1", shown
            assert len(shown) == 8 if width == 8.0 else 2 <= len(shown) < 8, (width, shown)
            plt.close(fig)
