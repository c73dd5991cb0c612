rule plot_network:
    """The figures of one network: output traces, PCA trajectories, fixed points, spectra,
    held-out and cross-sorted sequences, decoding and speed (figures.per_network)."""
    input:
        # The noise-free outputs are in the hidden-state table: no second network run.
        hidden=rules.analyse_network.output.hidden,
        test=data_file("test"),
        projections=rules.analyse_network.output.projections,
        explained=rules.analyse_network.output.explained,
        components=rules.analyse_network.output.components,
        points=rules.analyse_network.output.points,
        eigenvalues=rules.analyse_network.output.eigenvalues,
        tuning=rules.analyse_network.output.tuning,
        time_errors=rules.analyse_network.output.time_errors,
        accuracy=rules.analyse_network.output.accuracy,
        speed=rules.analyse_network.output.speed,
    output:
        **model_figure("outputs", "outputs"),
        **model_figure("pca", "pca"),
        **model_figure("fixed_points", "fixed_points"),
        **model_figure("spectrum", "spectrum"),
        **model_figure("sequences", "sequences"),
        **model_figure("sequences_cross", "sequences_cross"),
        **model_figure("decoding", "decoding"),
        **model_figure("speed", "speed"),
    log:
        log_path("plot_network"),
    benchmark:
        benchmark_path("plot_network")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=20,
    params:
        library=library_code("plot_network"),
        plot_model={"task": config["task"], "data_seed": DATA_SEED},
        plot_analysis={"task": config["task"]},
    script:
        "../scripts/plot_network.py"


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
