# Everything measured on one trained network, in one job (scripts/analyse_network.py).
from tdnms import probes as _probes

PROBES = config["analysis"]["probes"]
TRAINED_ON = _probes.trained_on(config["task"])
try:
    _probes.ProbeConfig.from_config(
        PROBES
    )  # ranges the schema cannot express, before any job
except ValueError as err:
    raise WorkflowError(str(err)) from None


rule analyse_network:
    """One network's analyses in one process (NumPy): noise-free test pass and scores, PCA,
    fixed points, single units, decoding, trajectory speed, generalisation probes."""
    input:
        model=rules.train.output.model,
        test=data_file("test"),
    output:
        hidden=path("hidden"),
        trials=path("trials"),
        summary=path("summary"),
        summary_json=path("summary_json"),
        projections=path("projections"),
        explained=path("explained"),
        components=path("components"),
        points=path("points"),
        eigenvalues=path("eigenvalues"),
        diagnostics=path("fixed_point_diagnostics"),
        units=path("units"),
        tuning=path("tuning"),
        fractions=path("unit_fractions"),
        time_errors=path("decoding_time"),
        accuracy=path("decoding_accuracy"),
        decoding_summary=path("decoding_summary"),
        speed=path("speed"),
        probes_table=path("probes"),
        probes_summary=path("probe_summary"),
    log:
        log_path("analyse_network"),
    benchmark:
        benchmark_path("analyse_network")
    conda:
        "../envs/analysis.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=40,
    params:
        library=library_code("analyse_network"),
        simulate={
            "task": config["task"],
            "data_seed": DATA_SEED,
            "behaviour": config["analysis"]["behaviour"],
        },
        pca={"pca": config["analysis"]["pca"]},
        fixed_points={"options": config["analysis"]["fixed_points"]},
        analyse_model={
            "task": config["task"],
            "data_seed": DATA_SEED,
            "units": config["analysis"]["units"],
            "decoding": config["analysis"]["decoding"],
        },
        probes={"task": config["task"], "probes": PROBES, "trained_on": TRAINED_ON},
    script:
        "../scripts/analyse_network.py"
