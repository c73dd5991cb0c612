"""Rule aggregate_pca: explained variance of every model in one table, flagged by training outcome."""

from tdnms import layout, status, tables, workflow


def main(smk):
    gammas, seeds = smk.params.gammas, smk.params.seeds
    frame = layout.stack(smk.input.explained, gammas, seeds, lambda path: tables.read_frame(path, kind="pca"))
    flags = tables.read_frame(smk.input.status, kind="training_status")
    table = status.flag(frame, flags)
    meta = tables.provenance("sweep_pca", config={"gamma": gammas, "seed": seeds})
    tables.write_frame(table, smk.output.table, meta)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
