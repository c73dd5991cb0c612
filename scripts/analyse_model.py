"""Rule analyse_model: single units, population decoding and trajectory speed of one network.

All on the noise-free test trajectories of the hidden-state table.
"""

from threadpoolctl import threadpool_limits

from tdnms import analysis, decoding, parameters, tables, task, trajectory_speed, units, workflow


def main(smk):
    spec = task.TaskSpec.from_config(smk.params.task)
    frame, source = tables.read_table(smk.input.hidden, kind="hidden_states")
    states, _, trial_types = analysis.trial_tensor(frame.to_pandas())
    test = task.read_trials(smk.input.test, spec, split="test", data_seed=smk.params.data_seed)
    inputs = test.inputs.reshape(len(states), spec.n_bins, -1)
    unit_options, decoding_options = dict(smk.params.units), dict(smk.params.decoding)
    seed = int(smk.wildcards.seed)
    config = {"analysis": {"units": unit_options, "decoding": decoding_options}, "task": spec.to_dict()}
    meta = tables.provenance(
        "model_analysis", config=config, seed=seed, source=smk.input.hidden, noise="noise-free test trials"
    )
    with threadpool_limits(limits=smk.threads):  # one BLAS pool per job, as many threads as the rule asks for
        windows = {name: units.epoch_window(spec, name, unit_options["ramp_epoch"]) for name in set(trial_types)}
        unit_table, tuning = units.classify_units(states, trial_types, windows, unit_options)
        fractions = units.class_fractions(unit_table)
        time_errors, accuracy, summary = decoding.decode_model(states, trial_types, spec, decoding_options)
        params = parameters.read_parameters(smk.input.model)  # no TensorFlow needed
        q = trajectory_speed.trajectory_speed(params, states, inputs)
    out = smk.output
    tables.write_frame(unit_table, out.units, {**meta, "kind": "units"})
    tables.write_frame(tuning, out.tuning, {**meta, "kind": "tuning"})
    tables.write_frame(fractions, out.fractions, {**meta, "kind": "unit_fractions"})
    tables.write_frame(time_errors, out.time_errors, {**meta, "kind": "decoding_time"})
    tables.write_frame(accuracy, out.accuracy, {**meta, "kind": "decoding_accuracy"})
    tables.write_json(summary, out.decoding_summary, {**meta, "kind": "decoding_summary"})
    speed = trajectory_speed.speed_table(q, trial_types)
    tables.write_frame(speed, out.speed, {**meta, "kind": "trajectory_speed"})
    print(fractions.to_string(index=False), flush=True)
    print(summary, flush=True)


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
