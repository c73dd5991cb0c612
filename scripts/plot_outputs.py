"""Rule plot_outputs: output traces of one network on example test trials."""

from tdnms import plots, tables, task, workflow


def main(smk):
    test = task.read_trials(smk.input.test)
    hidden, _ = tables.read_table(smk.input.hidden, {"output": "float"}, kind="hidden_states")
    # hidden_states wrote one row per (sequence, trial, time bin), in the test set's order.
    outputs = hidden["output"].to_numpy().reshape(test.n_sequences, -1)
    fig = plots.output_traces(outputs, test)
    fig.suptitle(f"gamma {smk.wildcards.gamma}, seed {smk.wildcards.seed}", y=1.01)
    meta = tables.provenance("figure", config={"task": test.spec.to_dict()}, seed=int(smk.wildcards.seed))
    plots.save_figure(fig, {"png": smk.output.png, "pdf": smk.output.pdf}, meta)


workflow.run(main, snakemake)  # noqa: F821
