# Shortcut check of the data and generalisation probes of the trained networks
# (each network's own probes run in rule analyse_network, rules/network.smk).
# Probe trials reach a network only here: training never sees them.
# A relative compare_with starts where the run was started (before workdir applies).
COMPARE_DIR = _probes.compared_folder(PROBES["compare_with"], LAUNCH_DIR)
COMPARE_LABEL = ""


if COMPARE_DIR:
    _problem = _probes.missing_compared(
        COMPARE_DIR,
        sweep(layout.OUTPUTS["model"].pattern) + [layout.OUTPUTS["status"].pattern],
    )
    if _problem and not limited_run():
        raise WorkflowError(
            f"{_problem}. To run the stages before the comparison without it, use --until or --omit-from."
        )
    if _problem:
        logger.warning(f"{_problem}; the probe comparison is left out of this run.")
        COMPARE_DIR = None
    else:
        COMPARE_LABEL = _probes.compared_label(
            COMPARE_DIR, sweep(layout.OUTPUTS["model"].pattern)[0], TRAINED_ON
        )


PROBE_TARGETS = [
    path("probes_all"),
    path("shortcut_json").format(data_seed=DATA_SEED),
    *(sweep(layout.model_figure("probes", "png")) if PER_NETWORK else []),
    layout.sweep_figure("probes_vs_gamma", "png"),
    *([layout.sweep_figure("probes_comparison", "png")] if COMPARE_DIR else []),
]


rule shortcut_check:
    """Per time bin and input channel: does that bin alone predict go vs no-go (cross-validated)?"""
    input:
        data=data_pattern("train"),
    output:
        table=path("shortcut"),
        json=path("shortcut_json"),
    log:
        log_path("shortcut_check", "seed{data_seed}"),
    benchmark:
        benchmark_path("shortcut_check", "seed{data_seed}")
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


if COMPARE_DIR:

    rule probes_compared:
        """The same probes for a network of the compare_with run (trained on its own task)."""
        input:
            model=layout.pattern("model", COMPARE_DIR),
        output:
            table=path("probes_compared"),
            summary=path("probe_summary_compared"),
        log:
            log_path("probes_compared"),
        benchmark:
            benchmark_path("probes_compared")
        conda:
            "../envs/analysis.yaml"
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
        summaries=sweep(path("probe_summary")),
        compared=sweep(path("probe_summary_compared")) if COMPARE_DIR else [],
        status=rules.training_status.output.table,
        compared_status=([layout.pattern("status", COMPARE_DIR)] if COMPARE_DIR else []),
    output:
        table=path("probes_all"),
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
        trained_on=TRAINED_ON,
    script:
        "../scripts/aggregate_probes.py"


rule plot_probes:
    """Probe measures vs gamma, per-network probe figures (figures.per_network) and (with
    compare_with) the comparison."""
    input:
        summaries=rules.aggregate_probes.output.table,
        tables=sweep(path("probes")),
        compare_tables=sweep(path("probes_compared")) if COMPARE_DIR else [],
    output:
        **(
            {
                "compare_png": report(
                    layout.sweep_figure("probes_comparison", "png"),
                    category="Sweep",
                    caption="../report/probes_comparison.rst",
                ),
                "compare_pdf": layout.sweep_figure("probes_comparison", "pdf"),
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
                sweep(layout.model_figure("probes", "png")),
                [(g, s) for g in GAMMAS for s in SEEDS],
            )
            if PER_NETWORK
        ],
        model_pdf=sweep(layout.model_figure("probes", "pdf")) if PER_NETWORK else [],
        sweep_png=report(
            layout.sweep_figure("probes_vs_gamma", "png"),
            category="Sweep",
            caption="../report/probes_vs_gamma.rst",
        ),
        sweep_pdf=layout.sweep_figure("probes_vs_gamma", "pdf"),
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
        unconverged=config["figures"]["unconverged"],
    script:
        "../scripts/plot_probes.py"
