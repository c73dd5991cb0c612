rule aggregate_scores:
    """One table of per-trial-type accuracy and MSE for the whole sweep."""
    input:
        summaries=sweep(rules.analyse_network.output.summary),
        status=rules.training_status.output.table,
    output:
        table=path("scores_all"),
    log:
        log_path("aggregate_scores", "all"),
    benchmark:
        benchmark_path("aggregate_scores", "all")
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("aggregate_scores"),
        gammas=GAMMAS,
        seeds=SEEDS,
    script:
        "../scripts/aggregate_scores.py"
