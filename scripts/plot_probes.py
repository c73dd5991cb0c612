"""Rule plot_probes: per-network probe figures, probe measures vs gamma, and the training-task comparison."""

import pandas as pd

from tdnms import plots, plots_probes, tables, workflow


def _stacked(paths, pairs):
    parts = []
    for path, (gamma, seed) in zip(paths, pairs, strict=True):
        frame = tables.read_table(path, kind="probes")[0].to_pandas()
        frame.insert(0, "seed", seed)
        frame.insert(0, "gamma", gamma)
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def main(smk):
    summaries = tables.read_table(smk.input.summaries, kind="sweep_probes")[0].to_pandas()
    pairs = [(float(g), int(s)) for g in smk.params.gammas for s in smk.params.seeds]
    meta = tables.provenance("figure", config={"gamma": smk.params.gammas, "seed": smk.params.seeds})
    own = _stacked(smk.input.tables, pairs)
    label = smk.params.trained_on
    for (gamma, seed), png, pdf in zip(pairs, smk.output.model_png, smk.output.model_pdf, strict=True):
        table = own[(own["gamma"] == gamma) & (own["seed"] == seed)]
        row = summaries[(summaries["gamma"] == gamma) & (summaries["seed"] == seed) & (summaries["trained_on"] == label)]
        title = f"gamma {gamma:g}, seed {seed} (trained on {label})"
        plots.save_figure(plots_probes.model_figure(table, row.iloc[0].to_dict(), title), {"png": png, "pdf": pdf}, meta)
    plots.save_figure(
        plots_probes.probes_vs_gamma(summaries), {"png": smk.output.sweep_png, "pdf": smk.output.sweep_pdf}, meta
    )
    if smk.params.compare_label:
        other = _stacked(smk.input.compare_tables, pairs)
        groups = {smk.params.compare_label: other, label: own}
        figure = plots_probes.comparison_figure(dict(sorted(groups.items())), summaries)
        plots.save_figure(figure, {"png": smk.output.compare_png, "pdf": smk.output.compare_pdf}, meta)


workflow.run(main, snakemake)  # noqa: F821
