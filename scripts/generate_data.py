"""Rule generate_data: train / validation / test trial sets for one data seed."""

from tdnms import task, workflow

SPLITS = ("train", "validation", "test")


def main(smk):
    spec = task.TaskSpec.from_config(smk.params.task)
    data_seed = int(smk.wildcards.data_seed)
    for index, split in enumerate(SPLITS):
        n = int(smk.params.data[f"n_{split}"])
        # Each split gets its own stream: (data seed, split index).
        trials = task.generate(spec, n, seed=[data_seed, index])
        task.write_trials(trials, smk.output[split], split=split)
        print(f"{split}: {n} sequences of {spec.sequence_bins} bins -> {smk.output[split]}", flush=True)


workflow.run(main, snakemake)  # noqa: F821
