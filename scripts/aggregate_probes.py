"""Rule aggregate_probes: one table of probe summaries for the sweep (and any compared networks)."""

import pandas as pd

from tdnms import tables, workflow


def main(smk):
    frame = pd.concat([tables.read_table(p, kind="probes")[0].to_pandas() for p in smk.input.summaries], ignore_index=True)
    meta = tables.provenance("sweep_probes", config={"gamma": smk.params.gammas, "seed": smk.params.seeds})
    tables.write_frame(frame, smk.output.table, meta)
    print(frame.to_string(index=False), flush=True)


workflow.run(main, snakemake)  # noqa: F821
