"""Rule aggregate_pca: explained variance of every model in one table."""

import pandas as pd

from tdnms import layout, tables, workflow


def main(smk):
    gammas, seeds = smk.params.gammas, smk.params.seeds
    parts = []
    for (gamma, seed), path in layout.by_model(smk.input.explained, gammas, seeds).items():
        frame = tables.read_table(path, kind="pca")[0].to_pandas()
        frame.insert(0, "seed", seed)
        frame.insert(0, "gamma", gamma)
        parts.append(frame)
    table = pd.concat(parts, ignore_index=True)
    meta = tables.provenance("sweep_pca", config={"gamma": gammas, "seed": seeds})
    tables.write_frame(table, smk.output.table, meta)


workflow.run(main, snakemake)  # noqa: F821
