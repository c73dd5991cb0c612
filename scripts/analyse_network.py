"""Rule analyse_network: everything measured on one trained network, in one process.

Runs the stage scripts beside this one in order, each on its own inputs, outputs
and params (NumPy only, no TensorFlow): ``simulate`` (noise-free test pass and
scores), ``pca``, ``fixed_points``, ``analyse_model`` (single units, decoding,
trajectory speed) and ``probes``. One process per network instead of five saves
their start-up and imports; the log times each stage.
"""

from threadpoolctl import threadpool_limits

from tdnms import workflow

# stage -> (its inputs: the rule's input, or "out:" one of the rule's outputs; its outputs)
STAGES = {
    "simulate": ({"model": "model", "test": "test"}, ("hidden", "trials", "summary", "summary_json")),
    "pca": ({"hidden": "out:hidden"}, ("projections", "explained", "components")),
    "fixed_points": ({"model": "model", "hidden": "out:hidden"}, ("points", "eigenvalues", "diagnostics")),
    "analyse_model": (
        {"model": "model", "hidden": "out:hidden", "test": "test"},
        ("units", "tuning", "fractions", "time_errors", "accuracy", "decoding_summary", "speed"),
    ),
    "probes": ({"model": "model"}, ("table", "summary")),  # the rule's probes_table, probes_summary
}


def main(smk):
    with threadpool_limits(limits=smk.threads):  # one BLAS pool per job, as many threads as the rule asks for
        workflow.run_stages(smk, STAGES, workflow.scripts_folder("analyse_network.py"))


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
