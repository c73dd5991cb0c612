rule fixed_points:
    """Fixed and slow points under each constant input, with Jacobian spectra."""
    input:
        model="results/models/gamma{gamma}_seed{seed}/model.keras",
        hidden="results/dynamics/gamma{gamma}_seed{seed}/hidden.parquet",
    output:
        points="results/fixed_points/gamma{gamma}_seed{seed}/points.parquet",
        eigenvalues="results/fixed_points/gamma{gamma}_seed{seed}/eigenvalues.parquet",
    log:
        log_path("fixed_points"),
    benchmark:
        benchmark_path("fixed_points")
    conda:
        "../envs/tensorflow.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        library=library_code("fixed_points"),
        options=config["analysis"]["fixed_points"],
    script:
        "../scripts/fixed_points.py"


rule plot_fixed_points:
    """Fixed points over the PCA trajectories, and their eigenvalue spectra."""
    input:
        points="results/fixed_points/gamma{gamma}_seed{seed}/points.parquet",
        eigenvalues="results/fixed_points/gamma{gamma}_seed{seed}/eigenvalues.parquet",
        projections="results/pca/gamma{gamma}_seed{seed}/projections.parquet",
        explained="results/pca/gamma{gamma}_seed{seed}/explained_variance.parquet",
        components="results/pca/gamma{gamma}_seed{seed}/components.parquet",
    output:
        png=report(
            "results/figures/models/gamma{gamma}_seed{seed}/fixed_points.png",
            category="Per model",
            subcategory="gamma {gamma}, seed {seed}",
            caption="../report/fixed_points.rst",
        ),
        pdf="results/figures/models/gamma{gamma}_seed{seed}/fixed_points.pdf",
        spectrum_png=report(
            "results/figures/models/gamma{gamma}_seed{seed}/spectrum.png",
            category="Per model",
            subcategory="gamma {gamma}, seed {seed}",
            caption="../report/spectrum.rst",
        ),
        spectrum_pdf="results/figures/models/gamma{gamma}_seed{seed}/spectrum.pdf",
    log:
        log_path("plot_fixed_points"),
    benchmark:
        benchmark_path("plot_fixed_points")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("plot_fixed_points"),
        task=config["task"],
    script:
        "../scripts/plot_fixed_points.py"


rule aggregate_fixed_points:
    """Number and kind of fixed points per gamma, seed and input condition."""
    input:
        sweep("results/fixed_points/gamma{gamma}_seed{seed}/points.parquet"),
    output:
        table="results/fixed_points/all.parquet",
        png=report(
            "results/figures/fixed_points_vs_gamma.png",
            category="Sweep",
            caption="../report/fixed_points_vs_gamma.rst",
        ),
        pdf="results/figures/fixed_points_vs_gamma.pdf",
    log:
        log_path("aggregate_fixed_points", "all"),
    benchmark:
        benchmark_path("aggregate_fixed_points", "all")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("aggregate_fixed_points"),
        gammas=GAMMAS,
        seeds=SEEDS,
    script:
        "../scripts/aggregate_fixed_points.py"
