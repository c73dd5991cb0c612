"""Rule aggregate_fixed_points: fixed points per kind across the sweep, table and figure."""

import pandas as pd

from tdnms import dynamics, plots, tables, workflow


def main(smk):
    parts = []
    paths = iter(smk.input)
    for gamma in smk.params.gammas:
        for seed in smk.params.seeds:
            points = tables.read_table(next(paths), kind="fixed_points")[0].to_pandas()
            counts = dynamics.count_by_kind(points)
            counts.insert(0, "seed", int(seed))
            counts.insert(0, "gamma", float(gamma))
            parts.append(counts)
    table = pd.concat(parts, ignore_index=True)
    meta = tables.provenance("sweep_fixed_points", config={"gamma": smk.params.gammas, "seed": smk.params.seeds})
    tables.write_frame(table, smk.output.table, meta)
    plots.save_figure(plots.fixed_points_vs_gamma(table), {"png": smk.output.png, "pdf": smk.output.pdf}, meta)
    print(table.to_string(index=False), flush=True)


workflow.run(main, snakemake)  # noqa: F821
