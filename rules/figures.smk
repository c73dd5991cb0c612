rule plot_model:
    """The figures of one network: output traces, PCA trajectories, fixed points, spectra."""
    input:
        # The noise-free outputs are in the hidden-state table: no second network run.
        hidden=rules.simulate.output.hidden,
        test=data_file("test"),
        projections=rules.pca.output.projections,
        explained=rules.pca.output.explained,
        components=rules.pca.output.components,
        points=rules.fixed_points.output.points,
        eigenvalues=rules.fixed_points.output.eigenvalues,
    output:
        **model_figure("outputs", "outputs"),
        **model_figure("pca", "pca"),
        **model_figure("fixed_points", "fixed_points"),
        **model_figure("spectrum", "spectrum"),
    log:
        log_path("plot_model"),
    benchmark:
        benchmark_path("plot_model")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("plot_model"),
        task=config["task"],
        data_seed=DATA_SEED,
    script:
        "../scripts/plot_model.py"


rule plot_sweep:
    """Figures across the sweep: training curves, accuracy vs gamma, summary."""
    input:
        scores=rules.aggregate_scores.output.table,
        pca=rules.aggregate_pca.output.table,
        status=rules.training_status.output.table,
        histories=sweep(rules.train.output.history),
    output:
        **sweep_figure("training_curves"),
        **sweep_figure("accuracy_vs_gamma"),
        **sweep_figure("summary"),
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
        criterion=config["training"]["criterion_accuracy"],
        unconverged=config["figures"]["unconverged"],
    script:
        "../scripts/plot_sweep.py"
