"""Rule fixed_points: fixed and slow points of one network under each input condition."""

from tdnms import tables, workflow
from tdnms.fixed_points import conditions
from tdnms.parameters import read_parameters


def main(smk):
    options = dict(smk.params.options)
    params = read_parameters(smk.input.model)
    hidden = tables.read_frame(smk.input.hidden, kind="hidden_states")
    points, eigen, diagnostics = conditions.fixed_points_from_config(params, hidden, options)
    meta = tables.provenance("fixed_points", config={**options, "gamma": params["gamma"]}, seed=int(smk.wildcards.seed))
    tables.write_frame(points, smk.output.points, meta)
    tables.write_frame(eigen, smk.output.eigenvalues, meta)
    tables.write_frame(diagnostics, smk.output.diagnostics, meta)
    print(conditions.count_by_kind(points).to_string(index=False), flush=True)
    print(diagnostics.to_string(index=False), flush=True)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
