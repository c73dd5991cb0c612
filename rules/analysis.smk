rule analyse_model:
    """Single units, population decoding and trajectory speed of one network (noise-free test trials)."""
    input:
        model=rules.train.output.model,
        hidden=rules.simulate.output.hidden,
        test=data_file("test"),
    output:
        units=path("units"),
        tuning=path("tuning"),
        fractions=path("unit_fractions"),
        time_errors=path("decoding_time"),
        accuracy=path("decoding_accuracy"),
        decoding_summary=path("decoding_summary"),
        speed=path("speed"),
    log:
        log_path("analyse_model"),
    benchmark:
        benchmark_path("analyse_model")
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        library=library_code("analyse_model"),
        task=config["task"],
        data_seed=DATA_SEED,
        units=config["analysis"]["units"],
        decoding=config["analysis"]["decoding"],
    script:
        "../scripts/analyse_model.py"


rule plot_analysis:
    """Per-model figures: sequences (held-out sort), cross-type sort, decoding, speed."""
    input:
        tuning=rules.analyse_model.output.tuning,
        time_errors=rules.analyse_model.output.time_errors,
        accuracy=rules.analyse_model.output.accuracy,
        speed=rules.analyse_model.output.speed,
    output:
        **model_figure("sequences", "sequences"),
        **model_figure("sequences_cross", "sequences_cross"),
        **model_figure("decoding", "decoding"),
        **model_figure("speed", "speed"),
    log:
        log_path("plot_analysis"),
    benchmark:
        benchmark_path("plot_analysis")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("plot_analysis"),
        task=config["task"],
    script:
        "../scripts/plot_analysis.py"


rule aggregate_analysis:
    """Sweep tables of unit classes, decoding and speed, and their figures against gamma."""
    input:
        scores=rules.aggregate_scores.output.table,
        status=rules.training_status.output.table,
        fractions=sweep(rules.analyse_model.output.fractions),
        accuracy=sweep(rules.analyse_model.output.accuracy),
        summaries=sweep(rules.analyse_model.output.decoding_summary),
        speed=sweep(rules.analyse_model.output.speed),
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
