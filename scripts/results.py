"""Rule results: the per-network summary (CSV) and the results table over gamma (Parquet, Markdown)."""

from pathlib import Path

from tdnms import layout, summary, tables, trends, workflow


def main(smk):
    gammas, seeds, inp = smk.params.gammas, smk.params.seeds, smk.input
    points = layout.by_model(inp.points, gammas, seeds)
    models = layout.by_model(inp.models, gammas, seeds)
    per_network = {key: {"points": points[key], "model": models[key]} for key in points}
    sweep = {name: getattr(inp, name) for name in ("status", "scores", "fractions", "decoding", "probes")}
    networks = summary.network_table(sweep, per_network)
    Path(smk.output.networks).parent.mkdir(parents=True, exist_ok=True)
    networks.to_csv(smk.output.networks, index=False, float_format="%.8g")
    metrics = summary.metric_columns(networks)
    table = trends.results_table(networks, metrics, describe=summary.describe)
    config = {"gamma": gammas, "seed": seeds, "n_permutations": trends.N_PERMUTATIONS, "alpha": trends.ALPHA}
    tables.write_frame(table, smk.output.table, tables.provenance("results_table", config=config))
    text = trends.markdown(table)
    Path(smk.output.markdown).write_text(text)
    print(text, flush=True)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
