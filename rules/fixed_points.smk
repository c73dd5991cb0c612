rule aggregate_fixed_points:
    """Number and kind of fixed points per gamma, seed and input condition."""
    input:
        points=sweep(rules.analyse_network.output.points),
        status=rules.training_status.output.table,
    output:
        **sweep_figure("fixed_points_vs_gamma"),
        table=path("fixed_points_all"),
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
        unconverged=config["figures"]["unconverged"],
    script:
        "../scripts/aggregate_fixed_points.py"
