"""Rule fixed_points: fixed and slow points of one network under each input condition."""

from tdnms import dynamics, tables, workflow
from tdnms.model import load_model, network_parameters
from tdnms.train import configure_tensorflow


def main(smk):
    configure_tensorflow(smk.threads)
    options = dict(smk.params.options)
    params = network_parameters(load_model(smk.input.model))
    hidden, _ = tables.read_table(smk.input.hidden, kind="hidden_states")
    initial = dynamics.sample_initial_states(
        hidden.to_pandas(), options["n_initial_states"], options["initial_state_noise"], options["seed"]
    )
    points, eigen = dynamics.fixed_points_by_condition(
        params,
        initial,
        options["conditions"],
        q_tolerance=options["q_tolerance"],
        slow_point_threshold=options["slow_point_threshold"],
        seed=options["seed"],
    )
    meta = tables.provenance(
        "fixed_points", config={**options, "gamma": params["gamma"]}, seed=int(smk.wildcards.seed)
    )
    tables.write_frame(points, smk.output.points, meta)
    tables.write_frame(eigen, smk.output.eigenvalues, meta)
    print(dynamics.count_by_kind(points).to_string(index=False), flush=True)


workflow.run(main, snakemake)  # noqa: F821
