

rule plot_outputs:
    """Network output on example test trials of each type, cue epochs shaded."""
    input:
        # The noise-free outputs are already in the hidden-state table: no second network run.
        hidden="results/dynamics/gamma{gamma}_seed{seed}/hidden.parquet",
        test=data_file("test"),
    output:
        png=report(
            "results/figures/models/gamma{gamma}_seed{seed}/outputs.png",
            category="Per model",
            subcategory="gamma {gamma}, seed {seed}",
            caption="../report/outputs.rst",
        ),
        pdf="results/figures/models/gamma{gamma}_seed{seed}/outputs.pdf",
    log:
        log_path("plot_outputs"),
    benchmark:
        benchmark_path("plot_outputs")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("plot_outputs"),
    script:
        "../scripts/plot_outputs.py"


rule plot_pca:
    """PC1-PC2 and PC1-PC3 trajectories, mean per trial type."""
    input:
        projections="results/pca/gamma{gamma}_seed{seed}/projections.parquet",
        explained="results/pca/gamma{gamma}_seed{seed}/explained_variance.parquet",
    output:
        png=report(
            "results/figures/models/gamma{gamma}_seed{seed}/pca.png",
            category="Per model",
            subcategory="gamma {gamma}, seed {seed}",
            caption="../report/pca.rst",
        ),
        pdf="results/figures/models/gamma{gamma}_seed{seed}/pca.pdf",
    log:
        log_path("plot_pca"),
    benchmark:
        benchmark_path("plot_pca")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("plot_pca"),
        task=config["task"],
    script:
        "../scripts/plot_pca.py"


rule plot_sweep:
    """Figures across the sweep: training curves, accuracy vs gamma, summary."""
    input:
        scores="results/scores/all.parquet",
        pca="results/pca/all.parquet",
        histories=sweep("results/models/gamma{gamma}_seed{seed}/history.parquet"),
    output:
        training_png=report(
            "results/figures/training_curves.png",
            category="Sweep",
            caption="../report/training_curves.rst",
        ),
        training_pdf="results/figures/training_curves.pdf",
        accuracy_png=report(
            "results/figures/accuracy_vs_gamma.png",
            category="Sweep",
            caption="../report/accuracy_vs_gamma.rst",
        ),
        accuracy_pdf="results/figures/accuracy_vs_gamma.pdf",
        summary_png=report(
            "results/figures/summary.png",
            category="Sweep",
            caption="../report/summary.rst",
        ),
        summary_pdf="results/figures/summary.pdf",
    log:
        log_path("plot_sweep", "all"),
    benchmark:
        benchmark_path("plot_sweep", "all")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("plot_sweep"),
        gammas=GAMMAS,
        seeds=SEEDS,
        criterion=config["training"].get("criterion_accuracy", 0.98),
    script:
        "../scripts/plot_sweep.py"
