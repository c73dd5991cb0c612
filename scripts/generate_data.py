"""Rule generate_data: train / validation / test trial sets for one data seed."""

from tdnms import task, workflow


def main(smk):
    spec = task.TaskSpec.from_config(smk.params.task)
    data_seed = int(smk.wildcards.data_seed)
    for split in task.SPLITS:
        n = int(smk.params.data[f"n_{split}"])
        trials = task.generate(spec, n, seed=task.split_seed(data_seed, split))
        task.write_trials(trials, smk.output[split], split=split)
        print(f"{split}: {n} sequences of {spec.sequence_bins} bins -> {smk.output[split]}", flush=True)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
