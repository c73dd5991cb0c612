rule generate_data:
    """Train / validation / test trial sets for one data seed, as tidy Parquet."""
    output:
        train="results/data/seed{data_seed}/train.parquet",
        validation="results/data/seed{data_seed}/validation.parquet",
        test="results/data/seed{data_seed}/test.parquet",
    log:
        "results/logs/generate_data/seed{data_seed}.log",
    benchmark:
        "results/benchmarks/generate_data/seed{data_seed}.tsv"
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
