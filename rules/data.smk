rule generate_data:
    """Train / validation / test trial sets for one data seed, as tidy Parquet."""
    output:
        train=data_pattern("train"),
        validation=data_pattern("validation"),
        test=data_pattern("test"),
    log:
        log_path("generate_data", "seed{data_seed}"),
    benchmark:
        benchmark_path("generate_data", "seed{data_seed}")
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=library_code("generate_data"),
        task=config["task"],
        data=config["data"],
    script:
        "../scripts/generate_data.py"
