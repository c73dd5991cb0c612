rule train:
    """Train one network of the sweep to criterion; resumable from its checkpoint."""
    input:
        train=data_file("train"),
        validation=data_file("validation"),
    output:
        model="results/models/gamma{gamma}_seed{seed}/model.keras",
        history="results/models/gamma{gamma}_seed{seed}/history.parquet",
    log:
        log_path("train"),
    benchmark:
        benchmark_path("train")
    conda:
        "../envs/tensorflow.yaml"
    threads: config.get("resources", {}).get("train_threads", 1)
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
        checkpoint_dir="results/checkpoints/gamma{gamma}_seed{seed}",
    script:
        "../scripts/train.py"
