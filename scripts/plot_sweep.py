"""Rule plot_sweep: training curves, accuracy vs gamma and the summary figure."""

from tdnms import layout, plots, tables, workflow


def main(smk):
    gammas, seeds = smk.params.gammas, smk.params.seeds
    scores = tables.read_table(smk.input.scores, kind="sweep_scores")[0].to_pandas()
    pca = tables.read_table(smk.input.pca, kind="sweep_pca")[0].to_pandas()
    histories = {
        key: tables.read_table(path, kind="history")[0].to_pandas()
        for key, path in layout.by_model(smk.input.histories, gammas, seeds).items()
    }
    meta = tables.provenance("figure", config={"gamma": gammas, "seed": seeds})
    criterion = float(smk.params.criterion)
    figures = {
        "training_curves": plots.training_curves(histories, criterion),
        "accuracy_vs_gamma": plots.accuracy_vs_gamma(scores, criterion),
        "summary": plots.sweep_summary(scores, pca, criterion),
    }
    for name, fig in figures.items():
        plots.save_figure(fig, {"png": smk.output[f"{name}_png"], "pdf": smk.output[f"{name}_pdf"]}, meta)


workflow.run(main, snakemake)  # noqa: F821
