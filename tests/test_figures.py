"""Every figure the workflow makes passes the figure check, at one network and at eight gammas x two seeds.

The workflow runs with ``TDNMS_FIGURE_CHECK=error`` (set by ``workflow_helpers.snakemake``), so a
figure with overlapping text, text off the canvas, a legend over data or an unexplained empty panel
fails its job.
"""

import shutil
from pathlib import Path

import matplotlib
import pytest

from workflow_helpers import REPO, TINY, job_counts, snakemake, write_config

GAMMAS_8 = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0]  # those of config/manuscript.yaml


def tiny(gammas, seeds):
    training = {**TINY["training"], "max_steps": 100}
    return {**TINY, "training": training, "sweep": {"gamma": gammas, "seed": seeds}}


def run_and_collect(workdir: Path, config: dict) -> list[Path]:
    write_config(workdir, config)
    snakemake(workdir)  # raises, with the failing job's log, when a figure fails the check
    return collect(workdir)


def collect(workdir: Path) -> list[Path]:
    """Every figure of a finished run; no job's log may report a layout problem."""
    pngs = sorted((workdir / "results").rglob("*.png"))
    logs = "\n".join(p.read_text() for p in (workdir / "results/logs").rglob("*.log"))
    assert "FigureCheck" not in logs
    return pngs


EXPECTED = {
    "outputs", "pca", "fixed_points", "spectrum", "sequences", "sequences_cross", "decoding", "speed",
    "training_curves", "accuracy_vs_gamma", "summary", "training_status", "units_vs_gamma",
    "decoding_vs_gamma", "behaviour_vs_gamma", "fixed_points_vs_gamma", "probes_vs_gamma",
    "fig1_behaviour", "fig2_sequences", "fig3_decoding", "fig4_dynamics", "probes",
}


PER_NETWORK = {"outputs", "pca", "fixed_points", "spectrum", "sequences", "sequences_cross", "decoding", "speed", "probes"}


@pytest.mark.slow
def test_every_figure_of_a_one_network_run_passes_the_check(tiny_workflow, tmp_path):
    """The tiny run cut to its gamma-0.5 network: the sweep and manuscript figures of a one-network
    sweep are drawn afresh; the network's own figures were checked when the tiny run drew them."""
    source, _ = tiny_workflow
    workdir = tmp_path / "one"
    shutil.copytree(source, workdir, symlinks=True)  # keeps the outputs' times: nothing per network reruns
    write_config(workdir, {**TINY, "sweep": {"gamma": [0.5], "seed": [0]}})
    proc = snakemake(workdir)
    assert not {"train", "analyse_network", "plot_network"} & set(job_counts(proc.stdout + proc.stderr))
    pngs = collect(workdir)
    stems = {p.stem for p in pngs}
    assert EXPECTED <= stems, EXPECTED - stems


@pytest.mark.slow
def test_every_figure_of_an_eight_gamma_two_seed_run_passes_the_check(tmp_path):
    """Sweep and manuscript figures at the manuscript's 8 gammas, 2 seeds each; the smallest networks
    (16 units, 100 steps) and no per-network figures, which the tiny and one-network runs check."""
    config = tiny(GAMMAS_8, [0, 1])
    pngs = run_and_collect(tmp_path, {**config, "figures": {**config["figures"], "per_network": False}})
    stems = {p.stem for p in pngs}
    assert EXPECTED - PER_NETWORK <= stems, EXPECTED - PER_NETWORK - stems
    assert not PER_NETWORK & stems  # figures.per_network: false leaves every one of them out


def test_report_captions_name_the_library_colours(repo):
    from matplotlib.colors import to_rgb

    from tdnms import style

    # The names the captions use describe the colours: hue of each hex colour.
    hue = {name: matplotlib.colors.rgb_to_hsv(to_rgb(c))[0] * 360 for name, c in style.TYPE_COLORS.items()}
    ranges = {"green": (90, 180), "orange": (15, 45), "purple": (230, 290), "pink": (300, 345)}
    for name, colour in style.COLOR_NAMES.items():
        low, high = ranges[colour]
        assert low <= hue[name] <= high, (name, colour, hue[name])
    key = ", ".join(f"{name} {colour}" for name, colour in style.COLOR_NAMES.items())
    keyed = [p.name for p in (REPO / "report").glob("*.rst") if "Trial-type colours" in p.read_text()]
    assert {"outputs.rst", "fig1_behaviour.rst", "behaviour_vs_gamma.rst"} <= set(keyed)
    for name in keyed:
        assert key in (REPO / "report" / name).read_text(), name


def test_notebook_takes_its_colours_from_the_library(repo):
    import nbformat

    code = "\n".join(c.source for c in nbformat.read(repo / "notebooks/explore.ipynb", as_version=4).cells
                     if c.cell_type == "code")
    assert "tdnms.type_color" in code and "Dark2" not in code and "#1b9e77" not in code
