"""Rule manuscript: the multi-panel manuscript figures from the workflow's tables."""

import matplotlib

matplotlib.use("Agg")  # headless jobs: the library leaves the backend to its callers

from tdnms import layout, manuscript, plots, status, tables, task, workflow  # noqa: E402

FIGURES = {
    "fig1_behaviour": manuscript.figure_behaviour,
    "fig2_sequences": manuscript.figure_sequences,
    "fig3_decoding": manuscript.figure_decoding,
    "fig4_dynamics": manuscript.figure_dynamics,
}


SWEEP_TABLES = ("scores", "fractions", "decoding", "accuracy", "speed", "counts")


def leave_out_unconverged(data: dict, flags, mode: str) -> str:
    """Drop (``exclude``) unconverged networks from the sweep data in place; the note naming them.

    In ``mark`` mode the networks stay in the panels and the note names them.
    """
    missed = status.unconverged(flags)
    if mode == "exclude":
        for name in SWEEP_TABLES:
            data[name] = status.for_figures(status.flag(data[name], flags), mode)[0]
        for name in ("eigen", "points"):
            data[name] = {key: frame for key, frame in data[name].items() if key not in missed}
    return status.figure_note(missed, mode)


def main(smk):
    spec = task.TaskSpec.from_config(smk.params.task)
    read = lambda path: tables.read_frame(path)  # noqa: E731
    inp = smk.input
    gammas, seeds = smk.params.gammas, smk.params.seeds
    data = {name: read(getattr(inp, name)) for name in ("scores", "fractions", "decoding", "accuracy", "speed", "counts")}
    data["hidden"] = tables.read_table(inp.hidden, kind="hidden_states")[0].select(
        ["trial_type", "time_bin", "output"]
    ).to_pandas()
    for name in ("tuning", "time_errors", "projections"):
        data[name] = read(getattr(inp, name))
    data["eigen"] = {key: read(p) for key, p in layout.by_model(inp.eigen, gammas, seeds).items()}
    data["points"] = {key: read(p) for key, p in layout.by_model(inp.points, gammas, seeds).items()}
    example = (float(smk.params.example[0]), int(smk.params.example[1]))
    # The example network's own panels show it even when the sweep panels leave it out.
    speed = data["speed"]
    data["example_speed"] = speed[(speed["gamma"] == example[0]) & (speed["seed"] == example[1])]
    note = leave_out_unconverged(data, read(inp.status), smk.params.unconverged)
    width = float(smk.params.width_mm)
    analysis_config = tables.table_metadata(inp.fractions).get("config", {}).get("analysis")
    meta = tables.provenance(
        "manuscript_figure",
        config={"gamma": gammas, "seed": seeds, "example": list(example), "width_mm": width, "analysis": analysis_config},
        noise="noise-free test trials",
    )
    with manuscript.style():
        for name, build in FIGURES.items():
            make = lambda: build(spec, data, example, width)  # noqa: E731
            # Exactly width_mm wide (not tight): the constrained layout keeps every label on the page.
            paths, figure_meta = plots.figure_paths(smk.output, name), {**meta, "figure": name}
            plots.save_sweep_figure(make, len(data["scores"]), note, paths, figure_meta, tight=False)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
