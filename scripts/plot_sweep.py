"""Rule plot_sweep: training curves, accuracy vs gamma and the summary figure."""

from tdnms import plots, tables, workflow


def main(smk):
    scores = tables.read_table(smk.input.scores, kind="sweep_scores")[0].to_pandas()
    pca = tables.read_table(smk.input.pca, kind="sweep_pca")[0].to_pandas()
    histories = {}
    paths = iter(smk.input.histories)
    for gamma in smk.params.gammas:
        for seed in smk.params.seeds:
            histories[(float(gamma), int(seed))] = tables.read_table(next(paths), kind="history")[0].to_pandas()
    meta = tables.provenance("figure", config={"gamma": smk.params.gammas, "seed": smk.params.seeds})
    criterion = float(smk.params.criterion)
    out = smk.output
    plots.save_figure(
        plots.training_curves(histories, criterion), {"png": out.training_png, "pdf": out.training_pdf}, meta
    )
    plots.save_figure(
        plots.accuracy_vs_gamma(scores, criterion), {"png": out.accuracy_png, "pdf": out.accuracy_pdf}, meta
    )
    plots.save_figure(
        plots.sweep_summary(scores, pca, criterion), {"png": out.summary_png, "pdf": out.summary_pdf}, meta
    )


workflow.run(main, snakemake)  # noqa: F821
