"""Rule probes: generalisation probes of one trained network (noise on, repeated)."""

import pandas as pd

from tdnms import probes, tables, task, workflow
from tdnms.parameters import read_parameters
from tdnms.provenance import describe


def main(smk):
    spec = task.TaskSpec.from_config(smk.params.task)
    cfg = probes.ProbeConfig.from_config(smk.params.probes)
    seed = int(smk.wildcards.seed)
    params = read_parameters(smk.input.model)  # plain arrays: the probes run in NumPy, no TensorFlow
    # Probe noise: its own stream per network, apart from training's (seed, purpose) streams.
    table = probes.run_probes(params, spec, cfg, seed=[cfg.seed, seed, int(float(smk.wildcards.gamma) * 1e6)])
    # The fit stays within the durations this network was trained on (a compared run's own task).
    trained = task.TaskSpec.from_config(describe(smk.input.model)["config"]["task"])
    summary = probes.summarise(table, probes.trained_durations(trained))
    row = {"gamma": float(smk.wildcards.gamma), "seed": seed, "trained_on": smk.params.trained_on, **summary}
    meta = tables.provenance(
        "probes", config={"task": spec.to_dict(), "probes": smk.params.probes}, seed=seed, model=smk.input.model
    )
    tables.write_frame(table, smk.output.table, meta)
    tables.write_frame(pd.DataFrame([row]), smk.output.summary, meta)
    print(pd.Series(row).to_string(), flush=True)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
