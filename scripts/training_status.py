"""Rule training_status: which networks reached the criterion; a table, a figure and a warning."""

import matplotlib

matplotlib.use("Agg")  # headless jobs: the library leaves the backend to its callers

from tdnms import layout, plots, status, tables, workflow  # noqa: E402


def draw(smk):
    gammas, seeds = smk.params.gammas, smk.params.seeds
    table = status.training_status(layout.by_model(smk.input.histories, gammas, seeds))
    meta = tables.provenance("training_status", config={"gamma": gammas, "seed": seeds})
    tables.write_frame(table, smk.output.table, meta)
    out = smk.output
    plots.save_figure(
        plots.training_status(table), {"png": out.training_status_png, "pdf": out.training_status_pdf}, meta
    )
    print(table.to_string(index=False), flush=True)
    print(status.warning(table) or "every network reached the criterion", flush=True)


def main(smk):
    with plots.style():  # the house style for every figure of this job
        draw(smk)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
