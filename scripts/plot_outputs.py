"""Rule plot_outputs: output traces of one network on example test trials."""

from tdnms import plots, tables, task, workflow
from tdnms.model import load_model
from tdnms.train import configure_tensorflow, predict


def main(smk):
    configure_tensorflow(smk.threads)
    test = task.read_trials(smk.input.test)
    model = load_model(smk.input.model)
    fig = plots.output_traces(predict(model, test.inputs), test)
    fig.suptitle(f"gamma {smk.wildcards.gamma}, seed {smk.wildcards.seed}", y=1.01)
    meta = tables.provenance("figure", config={"task": test.spec.to_dict()}, seed=int(smk.wildcards.seed))
    plots.save_figure(fig, {"png": smk.output.png, "pdf": smk.output.pdf}, meta)


workflow.run(main, snakemake)  # noqa: F821
