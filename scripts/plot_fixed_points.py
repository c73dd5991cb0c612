"""Rule plot_fixed_points: fixed points over the PCA trajectories, and eigenvalue spectra."""

from tdnms import plots, tables, task, workflow


def main(smk):
    spec = task.TaskSpec.from_config(smk.params.task)
    read = lambda path, kind: tables.read_table(path, kind=kind)[0].to_pandas()  # noqa: E731
    points = read(smk.input.points, "fixed_points")
    eigen = read(smk.input.eigenvalues, "fixed_points")
    projections = read(smk.input.projections, "pca")
    explained = read(smk.input.explained, "pca")
    components = read(smk.input.components, "pca")
    meta = tables.provenance(
        "figure", config=tables.table_metadata(smk.input.points).get("config"), seed=int(smk.wildcards.seed)
    )
    title = f"gamma {smk.wildcards.gamma}, seed {smk.wildcards.seed}"
    fig = plots.fixed_points_on_pca(points, eigen, projections, explained, components, spec)
    fig.suptitle(title, y=1.03)
    plots.save_figure(fig, {"png": smk.output.png, "pdf": smk.output.pdf}, meta)
    fig = plots.eigenvalue_spectra(points, eigen)
    fig.suptitle(title, y=1.03)
    plots.save_figure(fig, {"png": smk.output.spectrum_png, "pdf": smk.output.spectrum_pdf}, meta)


workflow.run(main, snakemake)  # noqa: F821
