# Config validation and helpers shared by all rules.
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

min_version("9.0")

sys.path.insert(0, str(Path(workflow.basedir) / "scripts"))
from tdnms.config import ConfigError, check_config  # noqa: E402
from tdnms.fingerprint import library_fingerprint  # noqa: E402

# Our own check first: it names every bad field and what is allowed, before any job.
try:
    check_config(config, Path(workflow.basedir) / "schemas" / "config.schema.yaml")
except ConfigError as err:
    raise WorkflowError(str(err)) from None
# Then Snakemake's, which also fills in the schema defaults.
validate(config, "../schemas/config.schema.yaml")


wildcard_constraints:
    gamma=r"\d+(\.\d+)?",
    seed=r"\d+",
    data_seed=r"\d+",
    split="train|validation|test",


def gamma_label(gamma):
    """How a gamma value appears in paths: 0.1 -> '0.1', 1 -> '1'."""
    return f"{float(gamma):g}"


GAMMAS = [gamma_label(g) for g in config["sweep"]["gamma"]]
SEEDS = [int(s) for s in config["sweep"]["seed"]]
DATA_SEED = int(config["data"]["seed"])


def data_file(split):
    return f"results/data/seed{DATA_SEED}/{split}.parquet"


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
    jobs whose code changed.
    """
    return library_fingerprint(Path(workflow.basedir) / "scripts" / f"{script}.py")


def log_path(rule_name, name="{gamma}_{seed}"):
    return f"results/logs/{rule_name}/{name}.log"


def benchmark_path(rule_name, name="{gamma}_{seed}"):
    return f"results/benchmarks/{rule_name}/{name}.tsv"


FIGURE_FORMATS = ["png", "pdf"]


def figure(stem):
    """A figure in every format, as a dict of outputs (png is marked for the report)."""
    return {fmt: f"{stem}.{fmt}" for fmt in FIGURE_FORMATS}


def all_targets():
    targets = [
        f"results/scores/all.parquet",
        f"results/pca/all.parquet",
    ]
    targets += sweep("results/figures/models/gamma{gamma}_seed{seed}/outputs.png")
    targets += sweep("results/figures/models/gamma{gamma}_seed{seed}/pca.png")
    targets += sweep("results/figures/models/gamma{gamma}_seed{seed}/fixed_points.png")
    targets += ["results/fixed_points/all.parquet"]
    for name in ("training_curves", "accuracy_vs_gamma", "summary"):
        targets += [f"results/figures/{name}.{fmt}" for fmt in FIGURE_FORMATS]
    return targets
