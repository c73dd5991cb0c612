"""Rule pca: principal components of one network's hidden states."""

from tdnms import analysis, tables, workflow


def main(smk):
    frame, source = tables.read_table(smk.input.hidden, kind="hidden_states")
    frame = frame.to_pandas()
    n_components = smk.params.pca["n_components"]
    projections, explained, components = analysis.fit_pca(frame, n_components)
    meta = tables.provenance("pca", config=smk.params.pca, seed=source.get("seed"), source=smk.input.hidden)
    tables.write_frame(projections, smk.output.projections, meta)
    tables.write_frame(explained, smk.output.explained, meta)
    tables.write_frame(components, smk.output.components, meta)
    print(explained.to_string(index=False), flush=True)


workflow.run(main, snakemake)  # noqa: F821
