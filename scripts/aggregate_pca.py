"""Rule aggregate_pca: explained variance of every model in one table, flagged by training outcome."""

import pandas as pd

from tdnms import layout, status, tables, workflow


def main(smk):
    gammas, seeds = smk.params.gammas, smk.params.seeds
    parts = []
    for (gamma, seed), path in layout.by_model(smk.input.explained, gammas, seeds).items():
        frame = tables.read_table(path, kind="pca")[0].to_pandas()
        frame.insert(0, "seed", seed)
        frame.insert(0, "gamma", gamma)
        parts.append(frame)
    flags = tables.read_table(smk.input.status, kind="training_status")[0].to_pandas()
    table = status.flag(pd.concat(parts, ignore_index=True), flags)
    meta = tables.provenance("sweep_pca", config={"gamma": gammas, "seed": seeds})
    tables.write_frame(table, smk.output.table, meta)


workflow.run(main, snakemake)  # noqa: F821
