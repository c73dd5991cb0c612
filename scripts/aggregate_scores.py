"""Rule aggregate_scores: one score table for the whole sweep, with each network's training outcome."""

from tdnms import layout, score, tables, workflow


def main(smk):
    gammas, seeds = smk.params.gammas, smk.params.seeds
    flags = tables.read_frame(smk.input.status, kind="training_status")
    table = score.aggregate(layout.by_model(smk.input.summaries, gammas, seeds), flags)
    meta = tables.provenance("sweep_scores", config={"gamma": gammas, "seed": seeds})
    tables.write_frame(table, smk.output.table, meta)
    print(table.to_string(index=False), flush=True)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
