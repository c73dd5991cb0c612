"""Where the workflow writes each output, and which rule writes it.

One table serves the rules (``rules/*.smk`` take their output paths from it),
the Python API (:class:`tdnms.Results`) and the tests. Patterns are relative to
the results folder and use the workflow's wildcards: ``{data_seed}``, ``{split}``,
``{gamma}``, ``{seed}``. The table lists the tables and models; the functions
below give every other path the workflow writes: figures, logs, benchmarks and
training checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

RESULTS = "results"
MODEL_DIR = "gamma{gamma}_seed{seed}"


@dataclass(frozen=True)
class Output:
    """One output of the workflow.

    Attributes:
        pattern: path relative to the results folder, with wildcards.
        rule: the Snakemake rule that writes it.
        description: what it holds, for error messages and docs.
        only_if: the config setting without which the workflow does not make it
            (None: every run makes it).
    """

    pattern: str
    rule: str
    description: str
    only_if: str | None = None

    @property
    def per_model(self) -> bool:
        return "{gamma}" in self.pattern


def _model(stage: str, name: str, rule: str, description: str) -> Output:
    return Output(f"{stage}/{MODEL_DIR}/{name}", rule, description)


COMPARE = "analysis.probes.compare_with"

OUTPUTS: dict[str, Output] = {
    "data": Output("data/seed{data_seed}/{split}.parquet", "generate_data", "trial set (tidy rows)"),
    "model": _model("models", "model.keras", "train", "trained network"),
    "history": _model("models", "history.parquet", "train", "per-step training history"),
    "hidden": _model("dynamics", "hidden.parquet", "analyse_network", "noise-free hidden states and output"),
    "trials": _model("scores", "trials.parquet", "analyse_network", "per-trial scores"),
    "summary": _model("scores", "summary.parquet", "analyse_network", "scores per trial type"),
    "summary_json": _model("scores", "summary.json", "analyse_network", "scores per trial type (JSON)"),
    "projections": _model("pca", "projections.parquet", "analyse_network", "PCA projections"),
    "explained": _model("pca", "explained_variance.parquet", "analyse_network", "PCA explained variance"),
    "components": _model("pca", "components.parquet", "analyse_network", "PCA components"),
    "points": _model("fixed_points", "points.parquet", "analyse_network", "fixed and slow points"),
    "eigenvalues": _model("fixed_points", "eigenvalues.parquet", "analyse_network", "Jacobian spectra"),
    "fixed_point_diagnostics": _model(
        "fixed_points", "diagnostics.parquet", "analyse_network", "fixed-point finder counts per condition"
    ),
    "status": Output("models/status.parquet", "training_status", "training outcome per network"),
    "shortcut": Output("data/seed{data_seed}/shortcut.parquet", "shortcut_check", "per-bin shortcut check"),
    "shortcut_json": Output("data/seed{data_seed}/shortcut.json", "shortcut_check", "shortcut check summary"),
    "probes": _model("probes", "probes.parquet", "analyse_network", "P(go) per generalisation probe"),
    "probe_summary": _model("probes", "summary.parquet", "analyse_network", "psychometric fit and shift sensitivity"),
    "probes_compared": Output(
        f"probes/compared/{MODEL_DIR}/probes.parquet", "probes_compared", "probes, compare_with run", COMPARE
    ),
    "probe_summary_compared": Output(
        f"probes/compared/{MODEL_DIR}/summary.parquet", "probes_compared", "probe summary, compare_with run", COMPARE
    ),
    "probes_all": Output("probes/all.parquet", "aggregate_probes", "probe summaries of the sweep"),
    "scores_all": Output("scores/all.parquet", "aggregate_scores", "scores of the sweep"),
    "pca_all": Output("pca/all.parquet", "aggregate_pca", "explained variance of the sweep"),
    "fixed_points_all": Output("fixed_points/all.parquet", "aggregate_fixed_points", "fixed points per kind"),
    # Neuroscience analyses of the noise-free test trials (rules/analysis.smk).
    "units": _model("analysis", "units.parquet", "analyse_network", "per-unit tuning, statistics and class"),
    "tuning": _model("analysis", "tuning.parquet", "analyse_network", "trial-averaged activity (all/odd/even)"),
    "unit_fractions": _model("analysis", "unit_fractions.parquet", "analyse_network", "time/ramping cell fractions"),
    "decoding_time": _model("analysis", "decoding_time.parquet", "analyse_network", "elapsed-time decoding error"),
    "decoding_accuracy": _model("analysis", "decoding_accuracy.parquet", "analyse_network", "label decoding vs time"),
    "decoding_summary": _model("analysis", "decoding_summary.json", "analyse_network", "decoding summary numbers"),
    "speed": _model("analysis", "speed.parquet", "analyse_network", "speed q along the trajectories"),
    "unit_fractions_all": Output(
        "analysis/unit_fractions.parquet", "aggregate_analysis", "unit fractions of the sweep"
    ),
    "decoding_all": Output("analysis/decoding.parquet", "aggregate_analysis", "decoding summaries of the sweep"),
    "decoding_accuracy_all": Output(
        "analysis/decoding_accuracy.parquet", "aggregate_analysis", "label decoding vs time, whole sweep"
    ),
    "speed_all": Output("analysis/speed.parquet", "aggregate_analysis", "trajectory speed of the sweep"),
    # What the seeds say (rules/results.smk).
    "networks": Output("manuscript/networks.csv", "results", "per network: outcome, headline metrics, weight hash"),
    "results_table": Output(
        "manuscript/results_table.parquet", "results", "headline metrics per gamma (mean, SEM) and trends"
    ),
    "results_markdown": Output("manuscript/results_table.md", "results", "the results table in Markdown"),
    "comparison": Output("manuscript/comparison.txt", "compare_to_reference", "reproducibility report", "compare_to"),
}


def pattern(name: str, results: str = RESULTS) -> str:
    """The path pattern of output ``name`` under ``results`` (wildcards left in)."""
    return f"{results}/{OUTPUTS[name].pattern}"


def model_figure(name: str, fmt: str, results: str = RESULTS) -> str:
    """Path pattern of a per-model figure, e.g. ``model_figure("pca", "png")``."""
    return f"{results}/figures/models/{MODEL_DIR}/{name}.{fmt}"


def sweep_figure(name: str, fmt: str, results: str = RESULTS) -> str:
    """Path pattern of a figure across the sweep."""
    return f"{results}/figures/{name}.{fmt}"


def manuscript_figure(name: str, fmt: str, results: str = RESULTS) -> str:
    """Path of a multi-panel manuscript figure."""
    return f"{results}/manuscript/{name}.{fmt}"


def log(rule: str, name: str = MODEL_DIR, results: str = RESULTS) -> str:
    """Log file of one job of ``rule`` (``name``: the model folder pattern, or e.g. ``all``)."""
    return f"{results}/logs/{rule}/{name}.log"


def benchmark(rule: str, name: str = MODEL_DIR, results: str = RESULTS) -> str:
    """Snakemake benchmark table of one job of ``rule``."""
    return f"{results}/benchmarks/{rule}/{name}.tsv"


def checkpoints(results: str = RESULTS) -> str:
    """Folder of one network's training checkpoints (outside every output, so they survive a failed job)."""
    return f"{results}/checkpoints/{MODEL_DIR}"


def model_key(path) -> tuple[float, int]:
    """The (gamma, seed) of a per-model output path, read from its ``gamma{g}_seed{s}`` part."""
    import re

    match = re.search(r"gamma(\d+(?:\.\d+)?)_seed(\d+)", str(path))
    if match is None:
        raise ValueError(f"{path}: not a per-model output (no gamma<g>_seed<s> in the path)")
    return float(match.group(1)), int(match.group(2))


def by_model(paths, gammas, seeds) -> dict[tuple[float, int], str]:
    """Per-model ``paths`` keyed by their (gamma, seed), in sweep order.

    Raises ValueError unless the paths cover every (gamma, seed) of the sweep once.
    """
    keyed = {model_key(p): str(p) for p in paths}
    wanted = [(float(g), int(s)) for g in gammas for s in seeds]
    if len(keyed) != len(list(paths)) or sorted(keyed) != sorted(wanted):
        raise ValueError(f"inputs {sorted(keyed)} do not match the sweep {sorted(wanted)} one to one")
    return {key: keyed[key] for key in wanted}


def stack(paths, gammas, seeds, read) -> "pd.DataFrame":
    """Per-model tables stacked in sweep order, with ``gamma`` and ``seed`` columns in front.

    Args:
        paths: one per-model file per (gamma, seed) of the sweep (:func:`by_model` checks it).
        read: path -> pandas DataFrame (e.g. a table reader, or one that summarises the file).
    """
    import pandas as pd

    parts = []
    for (gamma, seed), path in by_model(paths, gammas, seeds).items():
        frame = read(path)
        frame.insert(0, "seed", seed)
        frame.insert(0, "gamma", gamma)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)
