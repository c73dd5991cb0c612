"""Rule aggregate_scores: one score table for the whole sweep, with each network's training outcome."""

from tdnms import layout, score, tables, workflow


def main(smk):
    gammas, seeds = smk.params.gammas, smk.params.seeds
    flags = tables.read_table(smk.input.status, kind="training_status")[0].to_pandas()
    table = score.aggregate(layout.by_model(smk.input.summaries, gammas, seeds), flags)
    meta = tables.provenance("sweep_scores", config={"gamma": gammas, "seed": seeds})
    tables.write_frame(table, smk.output.table, meta)
    print(table.to_string(index=False), flush=True)


workflow.run(main, snakemake)  # noqa: F821
