"""Behavioural timing metrics on hand-made output traces with known crossings."""

import numpy as np
import pytest

from tdnms import behaviour, score, task

WINDOW = (131, 160)


def trace(*segments, n_bins=200):
    out = np.zeros(n_bins)
    for start, stop, value in segments:
        out[start:stop] = value
    return out


def metrics(*traces, grace=0, window=WINDOW):
    return behaviour.timing_metrics(np.stack(traces), window, 0.5, grace)


def test_early_lick_before_the_window_is_premature_at_its_first_bin():
    # The reported case: output ~0.7 in bins 80-110 of an LS trial, then a proper response.
    m = metrics(trace((80, 110, 0.7), (135, 160, 0.9)), grace=5)
    assert m["premature"][0] and m["premature_bin"][0] == 80 and not m["late"][0]
    assert m["crossing"][0] == 80 - 131 and m["latency"][0] == 4.0
    assert m["peak_output"][0] == pytest.approx(0.9)


def test_clean_response_is_neither_premature_nor_late():
    m = metrics(trace((131, 160, 1.0)))
    assert not m["premature"][0] and m["premature_bin"][0] == -1 and not m["late"][0] and m["late_bin"][0] == -1
    assert m["crossing"][0] == 0.0 and m["latency"][0] == 0.0


@pytest.mark.parametrize("grace", [0, 1, 3, 5])
@pytest.mark.parametrize("lead", [1, 2, 3, 4, 5, 6, 8])
def test_a_rise_that_leads_the_window_is_premature_only_beyond_the_grace(grace, lead):
    # First crossing `lead` bins before the window opens (bin 131 - lead).
    m = metrics(trace((131 - lead, 160, 0.8)), grace=grace)
    assert m["crossing"][0] == -lead and m["latency"][0] == 0.0
    assert m["premature"][0] == (lead > grace)
    assert m["premature_bin"][0] == (131 - lead if lead > grace else -1)
    assert not m["late"][0]


@pytest.mark.parametrize("grace", [0, 1, 2, 5])
@pytest.mark.parametrize("tail", [1, 2, 3, 5, 6, 10])
def test_output_still_high_after_the_window_is_late_only_beyond_the_grace(grace, tail):
    # At or above 0.5 for `tail` bins after the last window bin (159): bins 160 .. 159 + tail.
    m = metrics(trace((140, 160 + tail, 0.8)), grace=grace)
    assert m["late"][0] == (tail > grace)
    assert m["late_bin"][0] == (159 + tail if tail > grace else -1)
    assert not m["premature"][0] and m["crossing"][0] == 9.0 and m["latency"][0] == 9.0


def test_the_issue_traces_are_on_time_with_a_grace_of_a_few_bins():
    # gamma 0.3 SL (issue 21): crosses 2 bins after the opening, still >= 0.5 at bin 161.
    slow_off = trace((133, 162, 0.9))
    # gamma 0.05: crosses 5 bins before the opening.
    anticipating = trace((126, 158, 0.9))
    strict = metrics(slow_off, anticipating, grace=0)
    assert strict["late"][0] and strict["premature"][1]  # the old definition called both untimely
    lenient = metrics(slow_off, anticipating, grace=5)
    assert not lenient["late"].any() and not lenient["premature"].any()
    assert list(lenient["crossing"]) == [2.0, -5.0]


def test_no_crossing_gives_nan_crossing_and_latency_and_threshold_is_inclusive():
    m = metrics(trace((131, 160, 0.49)), trace((150, 151, 0.5)))
    assert np.isnan(m["latency"][0]) and np.isnan(m["crossing"][0])
    assert m["latency"][1] == 19.0 and m["crossing"][1] == 19.0
    assert not m["premature"].any() and not m["late"].any()


def test_windows_per_trial_move_the_grace_with_them():
    outs = np.stack([trace((97, 130, 0.9)), trace((97, 130, 0.9))])
    m = behaviour.timing_metrics(outs, np.array([[100, 129], [131, 160]]), 0.5, 2)
    assert list(m["crossing"]) == [-3.0, -34.0]
    assert list(m["premature"]) == [True, True] and list(m["late"]) == [False, False]
    m = behaviour.timing_metrics(outs, np.array([[99, 127], [131, 160]]), 0.5, 2)  # high until bin 129
    assert list(m["premature"]) == [False, True] and list(m["late"]) == [True, False]


def test_grace_must_be_a_whole_number_of_bins():
    with pytest.raises(ValueError, match="grace"):
        metrics(trace(), grace=-1)
    with pytest.raises(ValueError, match="grace"):
        metrics(trace(), grace=1.5)


def test_half_rise_time_of_a_leaky_unit():
    for gamma in (0.05, 0.1, 0.2, 0.5, 0.9):
        t = behaviour.half_rise_bins(gamma)
        assert 1 - (1 - gamma) ** t == pytest.approx(0.5)
    assert behaviour.half_rise_bins(1.0) == 0.0
    assert behaviour.half_rise_bins(0.1) == pytest.approx(np.log(2) / 0.1, rel=0.06)


def test_crossing_quantiles_in_the_summary():
    # Known crossings: -4 .. 5 bins around the opening on ten SL-like traces.
    leads = np.arange(-4, 6)
    outs = np.stack([trace((131 + d, 160, 0.9)) for d in leads])
    m = behaviour.timing_metrics(outs, WINDOW, 0.5, 3)
    scored = __import__("pandas").DataFrame({"trial_type": "SL", **m})
    row = behaviour.summarise_timing(scored).set_index("trial_type").loc["SL"]
    for q in behaviour.CROSSING_QUANTILES:
        assert row[behaviour.crossing_column(q)] == pytest.approx(np.quantile(leads, q))
    assert row["premature_rate"] == pytest.approx(0.1)  # only the crossing 4 bins early
    assert behaviour.crossing_column(0.1) == "crossing_q10" and behaviour.crossing_column(0.5) == "crossing_q50"


def test_score_tables_carry_the_timing_and_its_summary_per_type():
    spec = task.TaskSpec.from_config({"input_noise_std": 0.0})
    trials = task.generate(spec, 12, seed=0)
    outputs = trials.targets[..., 0].copy()
    ls = trials.trial_types[:, 0] == "LS"
    sl = trials.trial_types[:, 0] == "SL"
    outputs[ls, 80:110] = 0.7  # early lick on LS trials; the response itself is perfect
    outputs[sl, 160:170] = 1.0  # SL trials keep responding for 10 bins after the window
    scored = score.score_outputs(outputs, trials, grace=5)
    assert scored["correct"].all()  # accuracy does not see it ...
    assert (scored["premature"] == ls).all() and (scored["late"] == sl).all()  # ... the timing metrics do
    summary = score.summarise(scored).set_index("trial_type")
    assert summary.loc["LS", "premature_rate"] == 1.0 and summary.loc["SL", "premature_rate"] == 0.0
    assert summary.loc["SL", "late_rate"] == 1.0 and summary.loc["LS", "late_rate"] == 0.0
    assert summary.loc["SL", "latency"] == 0.0 and np.isnan(summary.loc["SS", "latency"])
    assert summary.loc["LS", "crossing_q50"] == 80 - 131 and summary.loc["SL", "crossing_q50"] == 0.0
    assert np.isnan(summary.loc["SS", "crossing_q50"])
    assert summary.loc["all", "premature_rate"] == pytest.approx(ls.mean())
    assert not score.score_outputs(outputs, trials, grace=10)["late"].any()
