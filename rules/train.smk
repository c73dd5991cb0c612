rule train:
    """Train one network of the sweep to criterion; resumable from its checkpoint."""
    input:
        train=data_file("train"),
        validation=data_file("validation"),
    output:
        model=path("model"),
        history=path("history"),
    log:
        log_path("train"),
    benchmark:
        benchmark_path("train")
    conda:
        "../envs/tensorflow.yaml"
    threads: config["resources"]["train_threads"]
    resources:
        mem_mb=3000,
        runtime=120,
    params:
        library=library_code("train"),
        model=model_section,
        training=config["training"],
        task=config["task"],
        data=config["data"],  # the data seed and sizes of curriculum stages
        # Not an output: Snakemake deletes the outputs of failed jobs, and the
        # checkpoint must survive a killed job so the rerun can resume.
        checkpoint_dir=layout.checkpoints(),
    script:
        "../scripts/train.py"


rule training_status:
    """Which networks reached the criterion (steps, seconds); warns about those that did not."""
    input:
        histories=sweep(rules.train.output.history),
    output:
        **sweep_figure("training_status"),
        table=path("status"),
    log:
        log_path("training_status", "all"),
    benchmark:
        benchmark_path("training_status", "all")
    conda:
        "../envs/plot.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("training_status"),
        gammas=GAMMAS,
        seeds=SEEDS,
    script:
        "../scripts/training_status.py"
