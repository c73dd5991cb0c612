"""Rule aggregate_pca: explained variance of every model in one table."""

import pandas as pd

from tdnms import tables, workflow


def main(smk):
    parts = []
    paths = iter(smk.input)
    for gamma in smk.params.gammas:
        for seed in smk.params.seeds:
            table, _ = tables.read_table(next(paths), kind="pca")
            frame = table.to_pandas()
            frame.insert(0, "seed", int(seed))
            frame.insert(0, "gamma", float(gamma))
            parts.append(frame)
    table = pd.concat(parts, ignore_index=True)
    meta = tables.provenance("sweep_pca", config={"gamma": smk.params.gammas, "seed": smk.params.seeds})
    tables.write_frame(table, smk.output[0], meta)


workflow.run(main, snakemake)  # noqa: F821
