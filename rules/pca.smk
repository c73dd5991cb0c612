rule pca:
    """PCA of the hidden states: projections, explained variance and components."""
    input:
        hidden=rules.simulate.output.hidden,
    output:
        projections=path("projections"),
        explained=path("explained"),
        components=path("components"),
    log:
        log_path("pca"),
    benchmark:
        benchmark_path("pca")
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        library=library_code("pca"),
        pca=config["analysis"]["pca"],
    script:
        "../scripts/pca.py"


rule aggregate_pca:
    """Explained variance of every model of the sweep in one table."""
    input:
        explained=sweep(rules.pca.output.explained),
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
