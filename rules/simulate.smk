rule simulate:
    """One noise-free pass of a trained network over the test set: hidden states and scores."""
    input:
        model=rules.train.output.model,
        test=data_file("test"),
    output:
        hidden=path("hidden"),
        trials=path("trials"),
        summary=path("summary"),
        summary_json=path("summary_json"),
    log:
        log_path("simulate"),
    benchmark:
        benchmark_path("simulate")
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=20,
    params:
        library=library_code("simulate"),
        task=config["task"],
        data_seed=DATA_SEED,
        behaviour=config["analysis"]["behaviour"],
    script:
        "../scripts/simulate.py"


rule aggregate_scores:
    """One table of per-trial-type accuracy and MSE for the whole sweep."""
    input:
        summaries=sweep(rules.simulate.output.summary),
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
