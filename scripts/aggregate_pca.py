"""Rule aggregate_pca: explained variance of every model in one table, flagged by training outcome."""

from tdnms import layout, status, tables, workflow


def main(smk):
    gammas, seeds = smk.params.gammas, smk.params.seeds
    read = lambda path: tables.read_table(path, kind="pca")[0].to_pandas()  # noqa: E731
    frame = layout.stack(smk.input.explained, gammas, seeds, read)
    flags = tables.read_table(smk.input.status, kind="training_status")[0].to_pandas()
    table = status.flag(frame, flags)
    meta = tables.provenance("sweep_pca", config={"gamma": gammas, "seed": seeds})
    tables.write_frame(table, smk.output.table, meta)


workflow.run(main, snakemake)  # noqa: F821
