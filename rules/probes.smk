# Shortcut check of the data and generalisation probes of the trained networks.
# Probe trials reach a network only here: training never sees them.
from tdnms import probes as _probes

PROBES = config["analysis"]["probes"]
TRAINED_ON = _probes.trained_on(config["task"])
try:
    _probes.ProbeConfig.from_config(
        PROBES
    )  # ranges the schema cannot express, before any job
    # A relative compare_with starts where the run was started (before workdir applies).
    COMPARE_DIR, COMPARE_LABEL = _probes.compared_run(
        PROBES.get("compare_with"),
        LAUNCH_DIR,
        sweep(layout.OUTPUTS["model"].pattern),
    )
except ValueError as err:
    raise WorkflowError(str(err)) from None
if COMPARE_DIR and COMPARE_LABEL == TRAINED_ON:
    COMPARE_LABEL = f"{COMPARE_LABEL} (compare_with)"

PROBE_TARGETS = [
    "results/probes/all.parquet",
    f"results/data/seed{DATA_SEED}/shortcut.json",
    *sweep("results/figures/models/gamma{gamma}_seed{seed}/probes.png"),
    "results/figures/probes_vs_gamma.png",
    *(["results/figures/probes_comparison.png"] if COMPARE_DIR else []),
]


rule shortcut_check:
    """Per time bin and input channel: does that bin alone predict go vs no-go (cross-validated)?"""
    input:
        data=data_pattern("train"),
    output:
        table="results/data/seed{data_seed}/shortcut.parquet",
        json="results/data/seed{data_seed}/shortcut.json",
    log:
        "results/logs/shortcut_check/seed{data_seed}.log",
    benchmark:
        "results/benchmarks/shortcut_check/seed{data_seed}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        library=library_code("shortcut_check"),
        task=config["task"],
        shortcut=config["analysis"]["shortcut"],
    script:
        "../scripts/shortcut_check.py"


rule probes:
    """Generalisation probes of one network trained in this run (noise on, repeated)."""
    input:
        model=path("model"),
    output:
        table="results/probes/gamma{gamma}_seed{seed}/probes.parquet",
        summary="results/probes/gamma{gamma}_seed{seed}/summary.parquet",
    log:
        log_path("probes"),
    benchmark:
        benchmark_path("probes")
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        library=library_code("probes"),
        task=config["task"],
        probes=PROBES,
        trained_on=TRAINED_ON,
    script:
        "../scripts/probes.py"


if COMPARE_DIR:

    rule probes_compared:
        """The same probes for a network of the compare_with run (trained on its own task)."""
        input:
            model=f"{COMPARE_DIR}/models/gamma{{gamma}}_seed{{seed}}/model.keras",
        output:
            table="results/probes/compared/gamma{gamma}_seed{seed}/probes.parquet",
            summary="results/probes/compared/gamma{gamma}_seed{seed}/summary.parquet",
        log:
            log_path("probes_compared"),
        benchmark:
            benchmark_path("probes_compared")
        conda:
            "../envs/tensorflow.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            library=library_code("probes"),
            task=config["task"],
            probes=PROBES,
            trained_on=COMPARE_LABEL,
        script:
            "../scripts/probes.py"


rule aggregate_probes:
    """One table of probe measures (psychometric fit, shift sensitivity) per network."""
    input:
        summaries=sweep("results/probes/gamma{gamma}_seed{seed}/summary.parquet")
        + (
            sweep("results/probes/compared/gamma{gamma}_seed{seed}/summary.parquet")
            if COMPARE_DIR
            else []
        ),
    output:
        table="results/probes/all.parquet",
    log:
        log_path("aggregate_probes", "all"),
    benchmark:
        benchmark_path("aggregate_probes", "all")
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("aggregate_probes"),
        gammas=GAMMAS,
        seeds=SEEDS,
    script:
        "../scripts/aggregate_probes.py"


rule plot_probes:
    """Per-network probe figures, probe measures vs gamma and (with compare_with) the comparison."""
    input:
        summaries="results/probes/all.parquet",
        tables=sweep("results/probes/gamma{gamma}_seed{seed}/probes.parquet"),
        compare_tables=(
            sweep("results/probes/compared/gamma{gamma}_seed{seed}/probes.parquet")
            if COMPARE_DIR
            else []
        ),
    output:
        **(
            {
                "compare_png": report(
                    "results/figures/probes_comparison.png",
                    category="Sweep",
                    caption="../report/probes_comparison.rst",
                ),
                "compare_pdf": "results/figures/probes_comparison.pdf",
            }
            if COMPARE_DIR
            else {}
        ),
        model_png=[
            report(
                p,
                category="Per model",
                subcategory="gamma {gamma}, seed {seed}".format(gamma=g, seed=s),
                caption="../report/probes.rst",
            )
            for p, (g, s) in zip(
                sweep("results/figures/models/gamma{gamma}_seed{seed}/probes.png"),
                [(g, s) for g in GAMMAS for s in SEEDS],
            )
        ],
        model_pdf=sweep("results/figures/models/gamma{gamma}_seed{seed}/probes.pdf"),
        sweep_png=report(
            "results/figures/probes_vs_gamma.png",
            category="Sweep",
            caption="../report/probes_vs_gamma.rst",
        ),
        sweep_pdf="results/figures/probes_vs_gamma.pdf",
    log:
        log_path("plot_probes", "all"),
    benchmark:
        benchmark_path("plot_probes", "all")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        library=library_code("plot_probes"),
        gammas=GAMMAS,
        seeds=SEEDS,
        trained_on=TRAINED_ON,
        compare_label=COMPARE_LABEL,
    script:
        "../scripts/plot_probes.py"
