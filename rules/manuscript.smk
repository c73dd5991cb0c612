rule manuscript:
    """Multi-panel manuscript figures (PDF with Type 42 fonts, 300-dpi PNG) from the analysis tables."""
    input:
        scores=rules.aggregate_scores.output.table,
        status=rules.training_status.output.table,
        fractions=rules.aggregate_analysis.output.fractions,
        decoding=rules.aggregate_analysis.output.decoding,
        accuracy=rules.aggregate_analysis.output.accuracy,
        speed=rules.aggregate_analysis.output.speed,
        counts=rules.aggregate_fixed_points.output.table,
        hidden=example(rules.analyse_network.output.hidden),
        tuning=example(rules.analyse_network.output.tuning),
        time_errors=example(rules.analyse_network.output.time_errors),
        projections=example(rules.analyse_network.output.projections),
        eigen=sweep(rules.analyse_network.output.eigenvalues),
        points=sweep(rules.analyse_network.output.points),
    output:
        **{
            f"{name}_{fmt}": (
                report(
                    layout.manuscript_figure(name, fmt),
                    category="Manuscript",
                    caption=f"../report/{name}.rst",
                )
                if fmt == "png"
                else layout.manuscript_figure(name, fmt)
            )
            for name in MANUSCRIPT_FIGURES
            for fmt in ("png", "pdf")
        },
    log:
        log_path("manuscript", "all"),
    benchmark:
        benchmark_path("manuscript", "all")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        library=library_code("manuscript"),
        task=config["task"],
        gammas=GAMMAS,
        seeds=SEEDS,
        example=[float(EXAMPLE_GAMMA), EXAMPLE_SEED],
        width_mm=MANUSCRIPT["width_mm"],
        unconverged=config["figures"]["unconverged"],
    script:
        "../scripts/manuscript.py"
