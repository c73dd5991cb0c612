"""Rule train: one network of the sweep, trained to criterion."""

import shutil

from tdnms import curriculum, tables, task, workflow
from tdnms import train as training


def main(smk):
    training.configure_tensorflow(smk.threads)
    spec = task.TaskSpec.from_config(smk.params.task)
    data_seed = smk.params.data["seed"]
    train_set = task.read_trials(smk.input.train, spec, split="train", data_seed=data_seed)
    validation_set = task.read_trials(smk.input.validation, spec, split="validation", data_seed=data_seed)
    config = training.TrainConfig.from_config(smk.params.training)
    seed = int(smk.wildcards.seed)
    stage_steps = None
    if config.curriculum:
        model, history, reached, stage_steps = curriculum.train_with_curriculum(
            smk.params.model, config, train_set, validation_set, seed, smk.params.data, smk.params.checkpoint_dir
        )
    else:
        model, history, reached = training.train(
            smk.params.model, config, train_set, validation_set, seed=seed, checkpoint_dir=smk.params.checkpoint_dir
        )
    if not reached:
        print(
            f"WARNING: gamma={smk.wildcards.gamma} seed={seed} did not reach the criterion in "
            f"{config.max_steps} steps; the model is kept and its scores will show it.",
            flush=True,
        )
    meta = tables.provenance(
        "history",
        config={"model": smk.params.model, "training": smk.params.training, "task": spec.to_dict()},
        seed=seed,
        reached_criterion=reached,
        curriculum_stage_steps=stage_steps,
    )
    training.save_model(model, smk.output.model, meta)
    tables.write_frame(history, smk.output.history, meta)
    shutil.rmtree(smk.params.checkpoint_dir, ignore_errors=True)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
