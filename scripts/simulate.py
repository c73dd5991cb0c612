"""Rule simulate: one noise-free pass over the test set; hidden states and behavioural scores.

The network runs in NumPy from its saved parameters (tdnms.forward): no TensorFlow.
"""

from threadpoolctl import threadpool_limits

from tdnms import analysis, forward, score, tables, task, workflow
from tdnms.parameters import read_parameters


def main(smk):
    spec = task.TaskSpec.from_config(smk.params.task)
    test = task.read_trials(smk.input.test, spec, split="test", data_seed=smk.params.data_seed)
    with threadpool_limits(limits=smk.threads):  # one BLAS pool per job, as many threads as the rule asks for
        hidden, outputs = forward.forward(read_parameters(smk.input.model), test.inputs)
    seed = int(smk.wildcards.seed)

    meta = tables.provenance("hidden_states", config={"task": spec.to_dict()}, seed=seed)
    tables.write_frame(analysis.hidden_frame(hidden, outputs, test), smk.output.hidden, meta)
    print(f"{hidden.shape[0]} sequences x {hidden.shape[1]} bins x {hidden.shape[2]} units", flush=True)

    behaviour = dict(smk.params.behaviour)
    scored = score.score_outputs(outputs, test, grace=int(behaviour["grace"]))
    summary = score.summarise(scored)
    config = {"task": spec.to_dict(), "behaviour": behaviour}
    meta = tables.provenance("scores", config=config, seed=seed, model=smk.input.model)
    tables.write_frame(scored, smk.output.trials, meta)
    tables.write_frame(summary, smk.output.summary, meta)
    tables.write_json(score.summary_record(summary, float(smk.wildcards.gamma), seed), smk.output.summary_json, meta)
    print(summary.to_string(index=False), flush=True)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
