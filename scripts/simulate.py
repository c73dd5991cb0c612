"""Rule simulate: one noise-free pass over the test set; hidden states and behavioural scores."""

from tdnms import analysis, score, tables, task, workflow
from tdnms.model import hidden_states, load_model
from tdnms.train import configure_tensorflow


def main(smk):
    configure_tensorflow(smk.threads)
    spec = task.TaskSpec.from_config(smk.params.task)
    test = task.read_trials(smk.input.test, spec, split="test", data_seed=smk.config["data"]["seed"])
    model = load_model(smk.input.model)
    hidden, outputs = hidden_states(model, test.inputs)
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


workflow.run(main, snakemake)  # noqa: F821
