"""Rule plot_analysis: per-model sequence, decoding and speed figures."""

import matplotlib

matplotlib.use("Agg")  # headless jobs: the library leaves the backend to its callers

from tdnms import plots, plots_analysis, tables, task, workflow  # noqa: E402


def draw(smk):
    spec = task.TaskSpec.from_config(smk.params.task)
    read = lambda path, kind: tables.read_frame(path, kind=kind)  # noqa: E731
    table, source = tables.read_table(smk.input.tuning, kind="tuning")
    tuning = table.to_pandas()
    # The method parameters travel with the figure: those of the analysis that made the tables.
    meta = tables.provenance(
        "figure", config=source.get("config"), seed=int(smk.wildcards.seed), source=smk.input.tuning, noise=source.get("noise")
    )
    out = smk.output
    figures = [
        (plots_analysis.sequences_figure(tuning, spec), out.sequences_png, out.sequences_pdf),
        (plots_analysis.cross_sequences_figure(tuning, spec), out.sequences_cross_png, out.sequences_cross_pdf),
        (
            plots_analysis.decoding_figure(
                read(smk.input.time_errors, "decoding_time"), read(smk.input.accuracy, "decoding_accuracy"), spec
            ),
            out.decoding_png,
            out.decoding_pdf,
        ),
        (plots_analysis.speed_figure(read(smk.input.speed, "trajectory_speed"), spec), out.speed_png, out.speed_pdf),
    ]
    for fig, png, pdf in figures:
        plots.save_figure(fig, {"png": png, "pdf": pdf}, meta)


def main(smk):
    with plots.style():  # the house style for every figure of this job
        draw(smk)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
