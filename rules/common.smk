# Config validation and helpers shared by all rules.
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import min_version

min_version("9.0")

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))
from tdnms import layout  # noqa: E402
from tdnms.config import ConfigError, gamma_label  # noqa: E402
from tdnms.fingerprint import (  # noqa: E402
    library_fingerprint,
    stage_scripts,
    stages_fingerprint,
)
from tdnms.validate import check_config, check_files  # noqa: E402

# Before any job: every bad field named with what is allowed. The config is then
# complete (schema defaults filled, integers written as floats converted), so
# rules and scripts index it directly and never carry defaults of their own.
# Snakemake's own YAML reading keeps the last of two equal keys; every config file
# the run read (config.yaml and each --configfile) is read again to reject that.
try:
    check_files(Path(LAUNCH_DIR, f) for f in workflow.configfiles)
    config.update(check_config(config))
except ConfigError as err:
    raise WorkflowError(str(err)) from None


wildcard_constraints:
    # gamma_label writes every gamma positionally (0.1, 1, 0.00001): digits and one point.
    gamma=r"\d+(\.\d+)?",
    seed=r"\d+",
    data_seed=r"\d+",
    split="train|validation|test",


GAMMAS = [gamma_label(g) for g in config["sweep"]["gamma"]]
SEEDS = [int(s) for s in config["sweep"]["seed"]]
DATA_SEED = int(config["data"]["seed"])
MODEL = (
    layout.MODEL_DIR
)  # "gamma{gamma}_seed{seed}": names per-model outputs, logs and benchmarks


def path(name):
    """Path pattern of output ``name`` of the layout table (tdnms.layout.OUTPUTS)."""
    return layout.pattern(name)


def data_file(split):
    return layout.pattern("data").format(data_seed=DATA_SEED, split=split)


def sweep(pattern):
    """``pattern`` expanded over every (gamma, seed) of the sweep."""
    return expand(pattern, gamma=GAMMAS, seed=SEEDS)


def model_section(wildcards):
    """The model config for one sweep point: the shared section plus its gamma."""
    return {**config["model"], "gamma": float(wildcards.gamma)}


def library_code(script):
    """Fingerprint of the library code ``scripts/<script>.py`` runs, passed as a param.

    Snakemake reruns a job when its script changes but not when the library
    modules the script imports do; as a param, an edit there reruns exactly the
    jobs whose code changed. A script that runs stage scripts (its ``STAGES``)
    counts their code and library code too.
    """
    source = Path(workflow.basedir) / "scripts" / f"{script}.py"
    stages = stage_scripts(source)
    return stages_fingerprint(source, stages) if stages else library_fingerprint(source)


def log_path(rule_name, name=MODEL):
    return layout.log(rule_name, name)


def benchmark_path(rule_name, name=MODEL):
    return layout.benchmark(rule_name, name)


def model_figure(name, caption):
    """A per-model figure: the PNG (in the report, under its model) and the PDF."""
    return {
        f"{name}_png": report(
            layout.model_figure(name, "png"),
            category="Per model",
            subcategory="gamma {gamma}, seed {seed}",
            caption=f"../report/{caption}.rst",
        ),
        f"{name}_pdf": layout.model_figure(name, "pdf"),
    }


def sweep_figure(name):
    """A figure across the sweep: the PNG (in the report) and the PDF."""
    return {
        f"{name}_png": report(
            layout.sweep_figure(name, "png"),
            category="Sweep",
            caption=f"../report/{name}.rst",
        ),
        f"{name}_pdf": layout.sweep_figure(name, "pdf"),
    }


MANUSCRIPT = config["manuscript"]
PER_NETWORK = config["figures"]["per_network"]  # figures of every single network
MANUSCRIPT_FIGURES = [
    "fig1_behaviour",
    "fig2_sequences",
    "fig3_decoding",
    "fig4_dynamics",
]


def manuscript_example():
    """(gamma label, seed) of the example network: configured, else the median gamma and first seed."""
    gamma = MANUSCRIPT["example_gamma"]
    seed = MANUSCRIPT["example_seed"]
    ordered = sorted(GAMMAS, key=float)
    gamma = gamma_label(gamma) if gamma is not None else ordered[len(ordered) // 2]
    seed = int(seed) if seed is not None else SEEDS[0]
    if gamma not in GAMMAS or seed not in SEEDS:
        raise WorkflowError(
            f"manuscript.example_gamma / example_seed: ({gamma}, {seed}) is not in the sweep "
            f"(gamma {GAMMAS}, seed {SEEDS})"
        )
    return gamma, seed


EXAMPLE_GAMMA, EXAMPLE_SEED = manuscript_example()


def example(pattern):
    return pattern.format(gamma=EXAMPLE_GAMMA, seed=EXAMPLE_SEED)


def all_targets():
    targets = [path("scores_all"), path("pca_all"), path("fixed_points_all")]
    if PER_NETWORK:
        targets += sweep(list(rules.plot_network.output))
    targets += list(rules.plot_sweep.output)
    targets += list(rules.aggregate_analysis.output) + list(rules.manuscript.output)
    targets += PROBE_TARGETS  # rules/probes.smk
    targets += RESULTS_TARGETS  # rules/results.smk
    return targets


def limited_run():
    """Whether the command line stops short of the full run (``--until``, ``--omit-from``)
    or runs single jobs of a cluster run (``--target-jobs``), so the comparison may be left out.
    """
    flags = {"--until", "-U", "--omit-from", "-O", "--target-jobs"}
    return any(arg.split("=")[0] in flags for arg in sys.argv)


def data_pattern(split):
    """Output pattern of one data split, keeping the {data_seed} wildcard."""
    return path("data").format(data_seed="{data_seed}", split=split)


def warn_unconverged():
    """Name the networks that did not reach the criterion at the end of the run's output."""
    status_file = Path(layout.pattern("status"))
    if status_file.exists():
        from tdnms import status, tables

        message = status.warning(
            tables.read_table(status_file, kind="training_status")[0].to_pandas()
        )
        if message:
            logger.warning(message)
