"""Rule shortcut_check: does a single time bin's input tell go from no-go in a data set?"""

from tdnms import shortcut, tables, task, workflow


def main(smk):
    spec = task.TaskSpec.from_config(smk.params.task)
    trials = task.read_trials(smk.input.data, spec, split="train", data_seed=int(smk.wildcards.data_seed))
    cfg = smk.params.shortcut
    check = shortcut.shortcut_check(trials, n_folds=int(cfg["folds"]), seed=int(cfg["seed"]))
    verdict = shortcut.summarise(check, float(cfg["threshold"]))
    meta = tables.provenance("shortcut_check", config={"task": spec.to_dict(), "shortcut": cfg}, data=smk.input.data)
    tables.write_frame(check, smk.output.table, meta)
    tables.write_json(verdict, smk.output.json, meta)
    for channel, result in verdict["channels"].items():
        print(
            f"{channel}: best bin {result['best_bin']} balanced accuracy {result['max_balanced_accuracy']:.3f}; "
            f"{len(result['shortcut_bins'])} bin(s) above {verdict['threshold']}",
            flush=True,
        )


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
