"""Rule score: behavioural scoring of one network on the test set."""

from tdnms import score, tables, task, workflow
from tdnms.model import load_model
from tdnms.train import configure_tensorflow, predict


def main(smk):
    configure_tensorflow(smk.threads)
    spec = task.TaskSpec.from_config(smk.params.task)
    test = task.read_trials(smk.input.test, spec)
    model = load_model(smk.input.model)
    scored = score.score_outputs(predict(model, test.inputs), test)
    summary = score.summarise(scored)
    meta = tables.provenance(
        "scores", config={"task": spec.to_dict()}, seed=int(smk.wildcards.seed), model=smk.input.model
    )
    tables.write_frame(scored, smk.output.trials, meta)
    tables.write_frame(summary, smk.output.summary, meta)
    tables.write_json(
        {
            "gamma": float(smk.wildcards.gamma),
            "seed": int(smk.wildcards.seed),
            "accuracy": dict(zip(summary["trial_type"], summary["accuracy"])),
            "mse": dict(zip(summary["trial_type"], summary["mse"])),
        },
        smk.output.json,
        meta,
    )
    print(summary.to_string(index=False), flush=True)


workflow.run(main, snakemake)  # noqa: F821
