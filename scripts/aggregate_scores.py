"""Rule aggregate_scores: one score table for the whole sweep."""

from tdnms import layout, score, tables, workflow


def main(smk):
    gammas, seeds = smk.params.gammas, smk.params.seeds
    table = score.aggregate(
        layout.by_model(smk.input.summaries, gammas, seeds), layout.by_model(smk.input.histories, gammas, seeds)
    )
    meta = tables.provenance("sweep_scores", config={"gamma": gammas, "seed": seeds})
    tables.write_frame(table, smk.output.table, meta)
    print(table.to_string(index=False), flush=True)


workflow.run(main, snakemake)  # noqa: F821
