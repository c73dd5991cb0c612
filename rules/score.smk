rule score:
    """Behavioural scoring of one trained network on the test set (noise off)."""
    input:
        model="results/models/gamma{gamma}_seed{seed}/model.keras",
        test=data_file("test"),
    output:
        trials="results/scores/gamma{gamma}_seed{seed}/trials.parquet",
        summary="results/scores/gamma{gamma}_seed{seed}/summary.parquet",
        json="results/scores/gamma{gamma}_seed{seed}/summary.json",
    log:
        log_path("score"),
    benchmark:
        benchmark_path("score")
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        library=library_code("score"),
        task=config["task"],
    script:
        "../scripts/score.py"


rule aggregate_scores:
    """One table of per-trial-type accuracy and MSE for the whole sweep."""
    input:
        summaries=sweep("results/scores/gamma{gamma}_seed{seed}/summary.parquet"),
        histories=sweep("results/models/gamma{gamma}_seed{seed}/history.parquet"),
    output:
        table="results/scores/all.parquet",
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
