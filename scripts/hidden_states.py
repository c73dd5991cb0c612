"""Rule hidden_states: noise-free hidden-state trajectories on the test trials."""

from tdnms import analysis, tables, task, workflow
from tdnms.model import hidden_states, load_model
from tdnms.train import configure_tensorflow


def main(smk):
    configure_tensorflow(smk.threads)
    spec = task.TaskSpec.from_config(smk.params.task)
    test = task.read_trials(smk.input.test, spec)
    model = load_model(smk.input.model)
    hidden, outputs = hidden_states(model, test.inputs)
    frame = analysis.hidden_frame(hidden, outputs, test)
    meta = tables.provenance("hidden_states", config={"task": spec.to_dict()}, seed=int(smk.wildcards.seed))
    tables.write_frame(frame, smk.output.hidden, meta)
    print(f"{hidden.shape[0]} sequences x {hidden.shape[1]} bins x {hidden.shape[2]} units", flush=True)


workflow.run(main, snakemake)  # noqa: F821
