"""Rule plot_sweep: training curves, accuracy vs gamma and the summary figure."""

import matplotlib

matplotlib.use("Agg")  # headless jobs: the library leaves the backend to its callers

from tdnms import layout, plots, status, tables, workflow  # noqa: E402


def draw(smk):
    gammas, seeds, mode = smk.params.gammas, smk.params.seeds, smk.params.unconverged
    flags = tables.read_frame(smk.input.status, kind="training_status")
    scores = tables.read_frame(smk.input.scores, kind="sweep_scores")
    pca = tables.read_frame(smk.input.pca, kind="sweep_pca")
    scores, missed = status.for_figures(scores, mode)
    pca, _ = status.for_figures(pca, mode)
    marked = set(missed) if mode == "mark" else set()
    histories = {
        key: tables.read_frame(path, kind="history")
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
        note = status.figure_note(missed, mode)
        plots.save_sweep_figure(make, len(scores), note, plots.figure_paths(smk.output, name), meta)


def main(smk):
    with plots.style():  # the house style for every figure of this job
        draw(smk)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
