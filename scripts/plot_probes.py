"""Rule plot_probes: per-network probe figures, probe measures vs gamma, and the training-task comparison."""

import matplotlib

matplotlib.use("Agg")  # headless jobs: the library leaves the backend to its callers

from tdnms import layout, plots, plots_probes, status, tables, workflow  # noqa: E402


def stacked(paths, gammas, seeds):
    """Per-network probe tables with gamma and seed columns, paired with their network by path."""
    return layout.stack(paths, gammas, seeds, lambda p: tables.read_frame(p, kind="probes"))


def draw(smk):
    gammas, seeds, mode = smk.params.gammas, smk.params.seeds, smk.params.unconverged
    summaries = tables.read_frame(smk.input.summaries, kind="sweep_probes")
    meta = tables.provenance("figure", config={"gamma": gammas, "seed": seeds, "unconverged": mode})
    own = stacked(smk.input.tables, gammas, seeds)
    label = smk.params.trained_on
    pngs = layout.by_model(smk.output.model_png, gammas, seeds) if len(smk.output.model_png) else {}
    figures = zip(pngs.items(), smk.output.model_pdf, strict=True)  # none without figures.per_network
    for ((gamma, seed), png), pdf in figures:
        table = own[(own["gamma"] == gamma) & (own["seed"] == seed)]
        row = summaries[
            (summaries["gamma"] == gamma) & (summaries["seed"] == seed) & (summaries["trained_on"] == label)
        ]
        title = f"gamma {gamma:g}, seed {seed} (trained on {label})"
        plots.save_figure(
            plots_probes.model_figure(table, row.iloc[0].to_dict(), title), {"png": png, "pdf": pdf}, meta
        )
    shown, missed = status.for_figures(summaries, mode)
    note = status.figure_note(missed, mode)
    paths = plots.figure_paths(smk.output, "sweep")
    plots.save_sweep_figure(lambda: plots_probes.probes_vs_gamma(shown), len(shown), note, paths, meta)
    if smk.params.compare_label:
        other = stacked(smk.input.compare_tables, gammas, seeds)
        groups = {smk.params.compare_label: other, label: own}
        figure = plots_probes.comparison_figure(dict(sorted(groups.items())), shown)
        plots.add_note(figure, note)
        plots.save_figure(figure, plots.figure_paths(smk.output, "compare"), meta)


def main(smk):
    with plots.style():  # the house style for every figure of this job
        draw(smk)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
