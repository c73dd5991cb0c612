"""Rule aggregate_scores: one score table for the whole sweep."""

from tdnms import score, tables, workflow


def main(smk):
    table = score.aggregate(smk.input.summaries, smk.input.histories, smk.params.gammas, smk.params.seeds)
    meta = tables.provenance("sweep_scores", config={"gamma": smk.params.gammas, "seed": smk.params.seeds})
    tables.write_frame(table, smk.output.table, meta)
    print(table.to_string(index=False), flush=True)


workflow.run(main, snakemake)  # noqa: F821
