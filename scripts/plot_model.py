"""Rule plot_model: the per-model figures (outputs, PCA, fixed points, spectra) in one job."""

import matplotlib

matplotlib.use("Agg")  # headless jobs: the library leaves the backend to its callers

from tdnms import plots, tables, task, workflow  # noqa: E402


def read(path, kind):
    return tables.read_frame(path, kind=kind)


def draw(smk):
    inp, out = smk.input, smk.output
    test = task.read_trials(
        inp.test, task.TaskSpec.from_config(smk.params.task), split="test", data_seed=smk.params.data_seed
    )
    spec = test.spec
    hidden = read(inp.hidden, "hidden_states")
    projections, explained = read(inp.projections, "pca"), read(inp.explained, "pca")
    points, eigen = read(inp.points, "fixed_points"), read(inp.eigenvalues, "fixed_points")
    meta = tables.provenance(
        "figure",
        config={"task": spec.to_dict(), "fixed_points": tables.table_metadata(inp.points).get("config")},
        seed=int(smk.wildcards.seed),
    )
    title = f"gamma {smk.wildcards.gamma}, seed {smk.wildcards.seed}"
    # simulate wrote one row per (sequence, trial, time bin), in the test set's order.
    outputs = hidden["output"].to_numpy().reshape(test.n_sequences, -1)
    figures = {
        "outputs": (plots.output_traces(outputs, test), 1.01),
        "pca": (plots.pca_trajectories(projections, explained, spec), 1.03),
        "fixed_points": (
            plots.fixed_points_on_pca(points, eigen, projections, explained, read(inp.components, "pca"), spec),
            1.03,
        ),
        "spectrum": (plots.eigenvalue_spectra(points, eigen), 1.03),
    }
    for name, (fig, y) in figures.items():
        fig.suptitle(title, y=y)
        plots.save_figure(fig, {"png": out[f"{name}_png"], "pdf": out[f"{name}_pdf"]}, meta)


def main(smk):
    with plots.style():  # the house style for every figure of this job
        draw(smk)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
