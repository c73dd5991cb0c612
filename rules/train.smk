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
        # Not an output: Snakemake deletes the outputs of failed jobs, and the
        # checkpoint must survive a killed job so the rerun can resume.
        checkpoint_dir=f"results/checkpoints/{MODEL}",
    script:
        "../scripts/train.py"
