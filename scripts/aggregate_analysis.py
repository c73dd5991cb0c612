"""Rule aggregate_analysis: sweep tables of unit classes, decoding and speed, and figures vs gamma."""

import matplotlib

matplotlib.use("Agg")  # headless jobs: the library leaves the backend to its callers

import pandas as pd  # noqa: E402

from tdnms import layout, plots, plots_analysis, status, tables, workflow  # noqa: E402


def stacked(paths, kind, gammas, seeds):
    """Per-model tables in sweep order, with gamma and seed columns in front."""

    def read(path):
        if kind == "decoding_summary":
            return pd.DataFrame([tables.read_json(path, kind=kind)])
        return tables.read_frame(path, kind=kind)

    return layout.stack(paths, gammas, seeds, read)


def draw(smk):
    gammas, seeds, mode = smk.params.gammas, smk.params.seeds, smk.params.unconverged
    inp, out = smk.input, smk.output
    # Every model ran the same method parameters; record them with the sweep tables and figures.
    analysis_config = tables.table_metadata(inp.fractions[0]).get("config", {}).get("analysis")
    config = {"gamma": gammas, "seed": seeds, "analysis": analysis_config, "unconverged": mode}
    meta = tables.provenance("sweep_analysis", config=config, noise="noise-free test trials")
    flags = tables.read_frame(inp.status, kind="training_status")
    frames = {
        "fractions": stacked(inp.fractions, "unit_fractions", gammas, seeds),
        "decoding": stacked(inp.summaries, "decoding_summary", gammas, seeds),
        "accuracy": stacked(inp.accuracy, "decoding_accuracy", gammas, seeds),
        "speed": stacked(inp.speed, "trajectory_speed", gammas, seeds),
    }
    for name, frame in frames.items():
        frames[name] = status.flag(frame, flags)
        tables.write_frame(frames[name], out[name], meta)
    scores = tables.read_frame(inp.scores, kind="sweep_scores")
    figure_meta = tables.provenance(
        "figure", config=config, noise="noise-free test trials", unconverged=status.unconverged(flags)
    )
    drawn = {
        "units_vs_gamma": (plots_analysis.units_vs_gamma, frames["fractions"]),
        "decoding_vs_gamma": (plots_analysis.decoding_vs_gamma, frames["decoding"]),
        "behaviour_vs_gamma": (plots_analysis.behaviour_vs_gamma, scores),
    }
    for name, (draw, frame) in drawn.items():
        shown, missed = status.for_figures(frame, mode)
        note = status.figure_note(missed, mode)
        plots.save_sweep_figure(lambda: draw(shown), len(shown), note, plots.figure_paths(out, name), figure_meta)
    fractions = frames["fractions"]
    print(fractions[fractions["trial_type"] == "any"].to_string(index=False), flush=True)
    print(frames["decoding"].to_string(index=False), flush=True)


def main(smk):
    with plots.style():  # the house style for the figures of this job
        draw(smk)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
