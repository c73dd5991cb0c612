"""Rule plot_sweep: training curves, accuracy vs gamma and the summary figure."""

import matplotlib

matplotlib.use("Agg")  # headless jobs: the library leaves the backend to its callers

from tdnms import layout, plots, status, tables, workflow  # noqa: E402


def draw(smk):
    gammas, seeds, mode = smk.params.gammas, smk.params.seeds, smk.params.unconverged
    flags = tables.read_table(smk.input.status, kind="training_status")[0].to_pandas()
    scores = tables.read_table(smk.input.scores, kind="sweep_scores")[0].to_pandas()
    pca = tables.read_table(smk.input.pca, kind="sweep_pca")[0].to_pandas()
    scores, missed = status.for_figures(scores, mode)
    pca, _ = status.for_figures(pca, mode)
    marked = set(missed) if mode == "mark" else set()
    histories = {
        key: tables.read_table(path, kind="history")[0].to_pandas()
        for key, path in layout.by_model(smk.input.histories, gammas, seeds).items()
        if mode == "mark" or key not in missed
    }
    meta = tables.provenance(
        "figure", config={"gamma": gammas, "seed": seeds, "unconverged": mode}, unconverged=status.unconverged(flags)
    )
    criterion = float(smk.params.criterion)
    draw = {
        "training_curves": lambda: plots.training_curves(histories, criterion),
        "accuracy_vs_gamma": lambda: plots.accuracy_vs_gamma(scores, criterion, marked),
        "summary": lambda: plots.sweep_summary(scores, pca, criterion, marked),
    }
    for name, make in draw.items():
        fig = make() if len(scores) else plots.empty_figure("No network reached the training criterion.")
        plots.add_note(fig, status.figure_note(missed, mode))
        plots.save_figure(fig, {"png": smk.output[f"{name}_png"], "pdf": smk.output[f"{name}_pdf"]}, meta)


def main(smk):
    with plots.style():  # the house style for every figure of this job
        draw(smk)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
