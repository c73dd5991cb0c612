rule aggregate_analysis:
    """Sweep tables of unit classes, decoding and speed, and their figures against gamma."""
    input:
        scores=rules.aggregate_scores.output.table,
        status=rules.training_status.output.table,
        fractions=sweep(rules.analyse_network.output.fractions),
        accuracy=sweep(rules.analyse_network.output.accuracy),
        summaries=sweep(rules.analyse_network.output.decoding_summary),
        speed=sweep(rules.analyse_network.output.speed),
    output:
        **sweep_figure("units_vs_gamma"),
        **sweep_figure("decoding_vs_gamma"),
        **sweep_figure("behaviour_vs_gamma"),
        fractions=path("unit_fractions_all"),
        decoding=path("decoding_all"),
        accuracy=path("decoding_accuracy_all"),
        speed=path("speed_all"),
    log:
        log_path("aggregate_analysis", "all"),
    benchmark:
        benchmark_path("aggregate_analysis", "all")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("aggregate_analysis"),
        gammas=GAMMAS,
        seeds=SEEDS,
        unconverged=config["figures"]["unconverged"],
    script:
        "../scripts/aggregate_analysis.py"
