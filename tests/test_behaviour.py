"""Behavioural timing metrics on hand-made output traces."""

import numpy as np
import pytest

from tdnms import behaviour, score, task

WINDOW = (131, 160)


def trace(*segments, n_bins=200):
    out = np.zeros(n_bins)
    for start, stop, value in segments:
        out[start:stop] = value
    return out


def test_early_lick_before_the_window_is_premature_at_its_first_bin():
    # The reported case: output ~0.7 in bins 80-110 of an LS trial, then a proper response.
    out = trace((80, 110, 0.7), (135, 160, 0.9))
    m = behaviour.timing_metrics(out[None], WINDOW, 0.5)
    assert m["premature"][0] and m["premature_bin"][0] == 80 and m["early"][0]
    assert m["latency"][0] == 4.0
    assert m["peak_output"][0] == pytest.approx(0.9)


def test_clean_response_is_not_premature():
    m = behaviour.timing_metrics(trace((131, 160, 1.0))[None], WINDOW, 0.5)
    assert not m["premature"][0] and m["premature_bin"][0] == -1 and m["latency"][0] == 0.0


def test_output_that_stays_high_after_the_window_is_premature_there():
    m = behaviour.timing_metrics(trace((140, 170, 0.8))[None], WINDOW, 0.5)
    assert m["premature"][0] and m["premature_bin"][0] == 160 and m["latency"][0] == 9.0
    assert not m["early"][0]  # high after the window, not ahead of it


def test_no_crossing_gives_nan_latency_and_threshold_is_inclusive():
    outs = np.stack([trace((131, 160, 0.49)), trace((150, 151, 0.5))])
    m = behaviour.timing_metrics(outs, WINDOW, 0.5)
    assert np.isnan(m["latency"][0]) and m["latency"][1] == 19.0
    assert not m["premature"].any()


def test_score_tables_carry_the_timing_and_its_summary_per_type():
    spec = task.TaskSpec.from_config({"input_noise_std": 0.0})
    trials = task.generate(spec, 12, seed=0)
    outputs = trials.targets[..., 0].copy()
    ls = trials.trial_types[:, 0] == "LS"
    outputs[ls, 80:110] = 0.7  # early lick on LS trials; the response itself is perfect
    scored = score.score_outputs(outputs, trials)
    assert scored["correct"].all()  # accuracy does not see it ...
    assert (scored["premature"] == ls).all()  # ... the timing metric does
    summary = score.summarise(scored).set_index("trial_type")
    assert summary.loc["LS", "premature_rate"] == 1.0 and summary.loc["SL", "premature_rate"] == 0.0
    assert summary.loc["LS", "early_rate"] == 1.0
    assert summary.loc["SL", "latency"] == 0.0 and np.isnan(summary.loc["SS", "latency"])
    assert summary.loc["all", "premature_rate"] == pytest.approx(ls.mean())
