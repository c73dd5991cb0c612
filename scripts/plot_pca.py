"""Rule plot_pca: PCA trajectories of one network."""

from tdnms import plots, tables, task, workflow


def main(smk):
    spec = task.TaskSpec.from_config(smk.params.task)
    projections, meta_in = tables.read_table(smk.input.projections, kind="pca")
    explained, _ = tables.read_table(smk.input.explained, kind="pca")
    fig = plots.pca_trajectories(projections.to_pandas(), explained.to_pandas(), spec)
    fig.suptitle(f"gamma {smk.wildcards.gamma}, seed {smk.wildcards.seed}", y=1.03)
    meta = tables.provenance("figure", config=meta_in.get("config"), seed=int(smk.wildcards.seed))
    plots.save_figure(fig, {"png": smk.output.png, "pdf": smk.output.pdf}, meta)


workflow.run(main, snakemake)  # noqa: F821
