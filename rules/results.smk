# What the seeds say: one row per network, the results table over gamma, and (optionally)
# the reproducibility check against a reference (manuscript.compare_to).
COMPARE_TO = MANUSCRIPT["compare_to"]
if COMPARE_TO:
    # A relative reference starts where the run was started (before workdir applies).
    COMPARE_TO = os.path.normpath(os.path.join(LAUNCH_DIR, COMPARE_TO))
RESULTS_TARGETS = [path("networks"), path("results_table"), path("results_markdown")]
RESULTS_TARGETS += [path("comparison")] if COMPARE_TO else []


rule results:
    """Per-network summary (metrics, weight hash) and per-gamma mean, SEM and trend of each headline metric."""
    input:
        status=rules.training_status.output.table,
        scores=path("scores_all"),
        fractions=path("unit_fractions_all"),
        decoding=path("decoding_all"),
        probes=path("probes_all"),
        points=sweep(path("points")),
        models=sweep(path("model")),
    output:
        networks=path("networks"),
        table=path("results_table"),
        markdown=path("results_markdown"),
    log:
        log_path("results", "all"),
    benchmark:
        benchmark_path("results", "all")
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        library=library_code("results"),
        gammas=GAMMAS,
        seeds=SEEDS,
    script:
        "../scripts/results.py"


if COMPARE_TO:

    rule compare_to_reference:
        """This run's summary against the reference (tdnms.compare); fails only on "different"."""
        input:
            networks=rules.results.output.networks,
            reference=COMPARE_TO,
        output:
            report=path("comparison"),
        log:
            log_path("compare_to_reference", "all"),
        benchmark:
            benchmark_path("compare_to_reference", "all")
        conda:
            "../envs/analysis.yaml"
        threads: 1
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            library=library_code("compare_to_reference"),
        script:
            "../scripts/compare_to_reference.py"
