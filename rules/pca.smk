rule hidden_states:
    """Noise-free hidden-state trajectories of one network on the test trials."""
    input:
        model="results/models/gamma{gamma}_seed{seed}/model.keras",
        test=data_file("test"),
    output:
        hidden="results/dynamics/gamma{gamma}_seed{seed}/hidden.parquet",
    log:
        log_path("hidden_states"),
    benchmark:
        benchmark_path("hidden_states")
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        library=library_code("hidden_states"),
        task=config["task"],
    script:
        "../scripts/hidden_states.py"


rule pca:
    """PCA of the hidden states: projections, explained variance and components."""
    input:
        hidden="results/dynamics/gamma{gamma}_seed{seed}/hidden.parquet",
    output:
        projections="results/pca/gamma{gamma}_seed{seed}/projections.parquet",
        explained="results/pca/gamma{gamma}_seed{seed}/explained_variance.parquet",
        components="results/pca/gamma{gamma}_seed{seed}/components.parquet",
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
        sweep("results/pca/gamma{gamma}_seed{seed}/explained_variance.parquet"),
    output:
        "results/pca/all.parquet",
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
