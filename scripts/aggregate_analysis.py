"""Rule aggregate_analysis: sweep tables of unit classes, decoding and speed, and figures vs gamma."""

import json

import pandas as pd

from tdnms import layout, plots, plots_analysis, tables, workflow


def stacked(paths, kind, gammas, seeds):
    """Per-model tables in sweep order, with gamma and seed columns in front."""
    parts = []
    for (gamma, seed), path in layout.by_model(paths, gammas, seeds).items():
        if kind == "decoding_summary":
            frame = pd.DataFrame([{k: v for k, v in json.loads(open(path).read()).items() if k != "_provenance"}])
        else:
            frame = tables.read_table(path, kind=kind)[0].to_pandas()
        frame.insert(0, "seed", seed)
        frame.insert(0, "gamma", gamma)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def main(smk):
    gammas, seeds = smk.params.gammas, smk.params.seeds
    inp, out = smk.input, smk.output
    # Every model ran the same method parameters; record them with the sweep tables and figures.
    analysis_config = tables.table_metadata(inp.fractions[0]).get("config", {}).get("analysis")
    config = {"gamma": gammas, "seed": seeds, "analysis": analysis_config}
    meta = tables.provenance("sweep_analysis", config=config, noise="noise-free test trials")
    fractions = stacked(inp.fractions, "unit_fractions", gammas, seeds)
    decoding = stacked(inp.summaries, "decoding_summary", gammas, seeds)
    accuracy = stacked(inp.accuracy, "decoding_accuracy", gammas, seeds)
    speed = stacked(inp.speed, "trajectory_speed", gammas, seeds)
    for frame, path in ((fractions, out.fractions), (decoding, out.decoding), (accuracy, out.accuracy), (speed, out.speed)):
        tables.write_frame(frame, path, meta)
    scores = tables.read_table(inp.scores, kind="sweep_scores")[0].to_pandas()
    figure_meta = tables.provenance("figure", config=config, noise="noise-free test trials")
    plots.save_figure(plots_analysis.units_vs_gamma(fractions), {"png": out.units_vs_gamma_png, "pdf": out.units_vs_gamma_pdf}, figure_meta)
    plots.save_figure(
        plots_analysis.decoding_vs_gamma(decoding), {"png": out.decoding_vs_gamma_png, "pdf": out.decoding_vs_gamma_pdf}, figure_meta
    )
    plots.save_figure(
        plots_analysis.behaviour_vs_gamma(scores), {"png": out.behaviour_vs_gamma_png, "pdf": out.behaviour_vs_gamma_pdf}, figure_meta
    )
    print(fractions[fractions["trial_type"] == "any"].to_string(index=False), flush=True)
    print(decoding.to_string(index=False), flush=True)


workflow.run(main, snakemake)  # noqa: F821
