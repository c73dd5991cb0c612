"""Rule pca: principal components of one network's hidden states."""

from tdnms import analysis, tables, workflow


def main(smk):
    frame = tables.read_frame(smk.input.hidden, kind="hidden_states")
    source = tables.table_metadata(smk.input.hidden)
    n_components = smk.params.pca["n_components"]
    projections, explained, components = analysis.fit_pca(frame, n_components)
    meta = tables.provenance("pca", config=smk.params.pca, seed=source.get("seed"), source=smk.input.hidden)
    tables.write_frame(projections, smk.output.projections, meta)
    tables.write_frame(explained, smk.output.explained, meta)
    tables.write_frame(components, smk.output.components, meta)
    print(explained.to_string(index=False), flush=True)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
