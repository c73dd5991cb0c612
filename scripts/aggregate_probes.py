"""Rule aggregate_probes: one table of probe summaries for the sweep (and any compared networks)."""

import pandas as pd

from tdnms import layout, status, tables, workflow


def stacked(paths, flags_path, gammas, seeds):
    """Probe summaries in sweep order, each flagged with its network's training outcome."""
    frames = [
        tables.read_frame(p, kind="probes") for p in layout.by_model(paths, gammas, seeds).values()
    ]
    flags = tables.read_frame(flags_path, kind="training_status")
    return status.flag(pd.concat(frames, ignore_index=True), flags)


def main(smk):
    inp, gammas, seeds = smk.input, smk.params.gammas, smk.params.seeds
    parts = [stacked(inp.summaries, inp.status, gammas, seeds)]
    if inp.compared:
        parts.append(stacked(inp.compared, inp.compared_status[0], gammas, seeds))
    frame = pd.concat(parts, ignore_index=True)
    meta = tables.provenance("sweep_probes", config={"gamma": gammas, "seed": seeds})
    tables.write_frame(frame, smk.output.table, meta)
    print(frame.to_string(index=False), flush=True)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
