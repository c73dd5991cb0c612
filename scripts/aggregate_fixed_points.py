"""Rule aggregate_fixed_points: fixed points per kind across the sweep, table and figure."""

import matplotlib

matplotlib.use("Agg")  # headless jobs: the library leaves the backend to its callers

from tdnms import layout, plots, status, tables, workflow  # noqa: E402
from tdnms.fixed_points.conditions import count_by_kind  # noqa: E402


def draw(smk):
    gammas, seeds, mode = smk.params.gammas, smk.params.seeds, smk.params.unconverged
    counts = layout.stack(
        smk.input.points,
        gammas,
        seeds,
        lambda p: count_by_kind(tables.read_frame(p, kind="fixed_points")),
    )
    flags = tables.read_frame(smk.input.status, kind="training_status")
    table = status.flag(counts, flags)
    meta = tables.provenance("sweep_fixed_points", config={"gamma": gammas, "seed": seeds})
    tables.write_frame(table, smk.output.table, meta)
    shown, missed = status.for_figures(table, mode)
    make = lambda: plots.fixed_points_vs_gamma(shown, set(missed) if mode == "mark" else set())  # noqa: E731
    paths = plots.figure_paths(smk.output, "fixed_points_vs_gamma")
    plots.save_sweep_figure(make, len(shown), status.figure_note(missed, mode), paths, meta)
    print(table.to_string(index=False), flush=True)


def main(smk):
    with plots.style():  # the house style for the figures of this job
        draw(smk)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
