rule aggregate_pca:
    """Explained variance of every model of the sweep in one table."""
    input:
        explained=sweep(rules.analyse_network.output.explained),
        status=rules.training_status.output.table,
    output:
        table=path("pca_all"),
    log:
        log_path("aggregate_pca", "all"),
    benchmark:
        benchmark_path("aggregate_pca", "all")
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("aggregate_pca"),
        gammas=GAMMAS,
        seeds=SEEDS,
    script:
        "../scripts/aggregate_pca.py"
