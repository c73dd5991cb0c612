"""Rule plot_network: every per-network figure in one process (stage scripts plot_model, plot_analysis)."""

import matplotlib

matplotlib.use("Agg")  # headless jobs: the library leaves the backend to its callers

from tdnms import workflow  # noqa: E402

FIGURES = ("outputs", "pca", "fixed_points", "spectrum", "sequences", "sequences_cross", "decoding", "speed")
# stage -> (its inputs, its outputs), as tdnms.workflow.stage_job takes them
STAGES = {
    "plot_model": (
        {k: k for k in ("hidden", "test", "projections", "explained", "components", "points", "eigenvalues")},
        [f"{name}_{ext}" for name in FIGURES[:4] for ext in ("png", "pdf")],
    ),
    "plot_analysis": (
        {k: k for k in ("tuning", "time_errors", "accuracy", "speed")},
        [f"{name}_{ext}" for name in FIGURES[4:] for ext in ("png", "pdf")],
    ),
}


def main(smk):
    workflow.run_stages(smk, STAGES, workflow.scripts_folder("plot_network.py"))


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
