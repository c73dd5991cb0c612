"""Generalisation probes: which strategy does a trained network use?

Probe trials never enter training; only the ``probes`` analysis stage shows them
to a trained network. Three families (``family`` column):

* ``grid``: first and second odor durations over ``durations`` x ``durations``,
  first odor at ``onset``, second ``delay`` bins after the first ends; go when
  the durations differ.
* ``shift``: the task's standard trials (nominal windows of ``task.draw``) with
  both odors and the response window shifted by ``k`` bins relative to the start
  cue, which stays put: a network that reads "odor in bins 110-130" fails here.
* ``reference``: the reference task's SL / LS / SS trials, whatever the task.

The response window of a grid probe follows the end of its second odor by the
task's gap (the variant's ``response_gap``, or for a fixed window the gap between
the end of the standard go trials and the window: 1 bin in the reference task)
and has the task's response-window length. Each probe runs ``repeats`` times
with private noise (the model's ``noise_std``) and input noise
(``task.input_noise_std``) on, so ``p_go``, the fraction of "go" responses, is
a probability. The network runs in NumPy from its trained parameters, all
probes x repeats as one batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import config
from .score import RESPONSE_THRESHOLD
from .task import TaskSpec
from .timing import in_windows

_SECTION = "analysis.probes"
FAMILIES = ("grid", "shift", "reference")
DIFFERENT = 20  # bins: "clearly different" durations for p_go_different


@dataclass(frozen=True)
class ProbeConfig:
    """The ``analysis.probes`` config section; field defaults are the schema's."""

    durations: tuple[int, int, int] = config.default(_SECTION, "durations", tuple)  # first, last (inclusive), step
    onset: int = config.default(_SECTION, "onset")
    delay: int = config.default(_SECTION, "delay")
    shifts: tuple[int, ...] = config.default(_SECTION, "shifts", tuple)
    repeats: int = config.default(_SECTION, "repeats")
    seed: int = config.default(_SECTION, "seed")
    compare_with: str | None = config.default(_SECTION, "compare_with")

    @classmethod
    def from_config(cls, section: dict | None) -> "ProbeConfig":
        """From a (partial) ``analysis.probes`` section: the schema's checks and defaults, then
        the one rule it cannot express (``ValueError`` naming the field)."""
        section = config.check_section(_SECTION, section)
        cfg = cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in section.items()})
        first, last, step = cfg.durations
        if not (1 <= first <= last and step >= 1):
            raise ValueError(f"analysis.probes.durations: expected [first >= 1, last >= first, step >= 1], got {list(cfg.durations)}")
        return cfg

    def duration_values(self) -> np.ndarray:
        first, last, step = self.durations
        return np.arange(first, last + 1, step)


def standard_gap(spec: TaskSpec) -> int:
    """Bins from the end of the second odor to the response window in the task's standard go trials."""
    if spec.follows_odor:
        return spec.timing.response_gap
    ends = [t.odor_windows[-1][1] for t in spec.trial_types if t.go] or [t.odor_windows[-1][1] for t in spec.trial_types]
    return max(spec.response_window[0] - max(ends), 0)


def _rows(family, trial_type, odor, response, go, shift=0):
    (s1, e1), (s2, e2) = odor
    return {
        "family": family,
        "trial_type": trial_type,
        "first": e1 - s1,
        "second": e2 - s2,
        "shift": shift,
        "go": bool(go),
        "odor1_start": s1,
        "odor1_stop": e1,
        "odor2_start": s2,
        "odor2_stop": e2,
        "response_start": response[0],
        "response_stop": response[1],
    }


def probe_table(spec: TaskSpec, cfg: ProbeConfig) -> pd.DataFrame:
    """One row per probe trial: family, trial_type, first, second, shift, go and its windows.

    Standard and reference trials must have two odors each (others are skipped).
    """
    length = spec.response_window[1] - spec.response_window[0]
    gap = standard_gap(spec)
    rows = []
    for d1 in cfg.duration_values():
        for d2 in cfg.duration_values():
            s2 = cfg.onset + d1 + cfg.delay
            stop = s2 + d2
            odor = ((cfg.onset, cfg.onset + d1), (s2, stop))
            rows.append(_rows("grid", "", odor, (stop + gap, stop + gap + length), d1 != d2))
    for name in spec.draw:
        t = spec.trial_type(name)
        if len(t.odor_windows) != 2:
            continue
        start, stop = spec.response_window_of(name)
        for k in cfg.shifts:
            odor = tuple((a + k, b + k) for a, b in t.odor_windows)
            rows.append(_rows("shift", name, odor, (start + k, stop + k), t.go, shift=k))
    reference = config.section_defaults("task")  # the reference task: the schema's default trials
    for name, t in reference["trial_types"].items():
        odor = tuple(map(tuple, t["odor_windows"]))
        rows.append(_rows("reference", name, odor, tuple(reference["response_window"]), t["go"]))
    table = pd.DataFrame(rows)
    if (table[["odor1_start", "odor2_start"]] < spec.start_cue[1]).any(axis=None):
        raise ValueError("analysis.probes: a probe odor starts before the end of the start cue; reduce the negative shifts or raise onset")
    table.insert(0, "probe", np.arange(len(table), dtype=np.int32))
    return table


def probe_inputs(spec: TaskSpec, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Noise-free inputs (P, T, 2) and response masks (P, T); T covers the latest response window."""
    n_bins = int(max(table["response_stop"].max(), spec.n_bins))
    odor = table[["odor1_start", "odor1_stop", "odor2_start", "odor2_stop"]].to_numpy().reshape(-1, 2, 2)
    response = table[["response_start", "response_stop"]].to_numpy()[:, None, :]
    inputs = np.zeros((len(table), n_bins, 2), dtype=np.float32)
    inputs[:, slice(*spec.start_cue), 0] = 1.0
    inputs[..., 1] = in_windows(n_bins, odor)
    return inputs, in_windows(n_bins, response)


def noisy_responses(params: dict, inputs, masks, repeats: int, input_noise: float, seed) -> np.ndarray:
    """Mean output in each probe's response window, (P, repeats), noise on.

    ``params`` from :func:`tdnms.parameters.read_parameters` (``noise_std`` is the
    private noise); input noise has sd ``input_noise``; ``seed`` seeds NumPy's
    SFC64 generator. The network runs on :func:`tdnms.forward.states`, all probes
    x repeats as one (P, repeats, units) state.
    """
    from . import forward

    rng = np.random.Generator(np.random.SFC64(seed))
    f32 = np.float32
    w_in, w_out = params["W_in"].astype(f32), params["W_out"][:, 0].astype(f32)
    sd = f32(params["noise_std"])
    n_probe, _, n_in = inputs.shape
    shape = (n_probe, repeats, w_in.shape[1])
    drive = forward.drive(params, inputs)[:, :, None, :]  # (T, P, 1, units): shared by a probe's repeats
    window = np.ascontiguousarray(masks.T).astype(f32)  # (T, P)
    xi = np.empty(shape, dtype=f32)
    xi_in = np.empty((n_probe, repeats, n_in), dtype=f32)

    def noise(t, z):  # input noise first, then private noise: one draw order per seed
        if input_noise > 0:
            rng.standard_normal(out=xi_in, dtype=f32)
            z += (f32(input_noise) * xi_in) @ w_in
        if sd > 0:
            rng.standard_normal(out=xi, dtype=f32)
            np.multiply(xi, sd, out=xi)
            z += xi

    total = np.zeros((n_probe, repeats), dtype=f32)
    for t, h in enumerate(forward.states(params, drive, shape, noise)):
        if window[t].any():
            total += window[t][:, None] * (h @ w_out)
    return total / window.sum(axis=0)[:, None] + f32(params["b_out"][0])


def run_probes(params: dict, spec: TaskSpec, cfg: ProbeConfig, seed: int = 0) -> pd.DataFrame:
    """The probe table with ``n_repeats``, ``p_go`` and ``accuracy`` (fraction correct) per probe."""
    table = probe_table(spec, cfg)
    inputs, masks = probe_inputs(spec, table)
    responses = noisy_responses(params, inputs, masks, cfg.repeats, spec.input_noise_std, seed)
    table["n_repeats"] = np.int32(cfg.repeats)
    table["p_go"] = (responses > RESPONSE_THRESHOLD).mean(axis=1)
    table["accuracy"] = np.where(table["go"], table["p_go"], 1 - table["p_go"])
    return table


def trained_durations(spec: TaskSpec) -> tuple[int, int]:
    """Shortest and longest odor duration the task trains on (bins, inclusive).

    The variant: from the short range's low end to the long range's high end; the
    reference task: over the odor windows of its trial types in ``task.draw``.
    """
    if spec.timing is not None:
        return int(spec.timing.short[0]), int(spec.timing.long[1])
    lengths = [b - a for name in spec.draw for a, b in spec.trial_type(name).odor_windows]
    return int(min(lengths)), int(max(lengths))


def fit_grid(grid: pd.DataFrame, span: tuple[int, int] | None) -> tuple[pd.DataFrame, tuple[int, int]]:
    """The grid probes the psychometric fit uses, and their duration span.

    Probes whose two durations both lie in ``span`` (interpolation between trained
    durations, no extrapolation); the whole grid when ``span`` is None or leaves
    fewer than 3 distinct differences to fit.
    """
    whole = (int(grid[["first", "second"]].min().min()), int(grid[["first", "second"]].max().max()))
    if span is None:
        return grid, whole
    inside = grid[grid["first"].between(*span) & grid["second"].between(*span)]
    if (inside["second"] - inside["first"]).nunique() < 3:
        return grid, whole
    used = (int(inside[["first", "second"]].min().min()), int(inside[["first", "second"]].max().max()))
    return inside, used


def summarise(table: pd.DataFrame, span: tuple[int, int] | None = None) -> dict:
    """One network's probe results in a few numbers.

    ``psychometric_*``: the fit of :func:`tdnms.psychometric.fit` (``pse``,
    ``threshold``, ``slope``, ``deviance``, ``null_deviance``, ``pseudo_r2``,
    ``n_points``, ``dof``, ``converged``) on the grid probes :func:`fit_grid` keeps
    for the trained duration ``span`` (:func:`trained_durations`; None: the whole
    grid), with ``psychometric_min_duration`` and ``psychometric_max_duration`` the
    durations it used and ``psychometric_poor`` its verdict
    (:func:`tdnms.psychometric.poor`); ``grid_accuracy`` (whole grid);
    ``shift_accuracy``, the mean accuracy over standard trials at shift 0;
    ``shift_sensitivity``, that minus the mean accuracy over the shifted copies
    (0: indifferent to when the trial happens; up to 1: fails whenever shifted);
    ``reference_accuracy`` on the reference task's trials; ``p_go_same`` and
    ``p_go_different``, the mean P(go) on grid probes with equal durations and with
    durations at least ``DIFFERENT`` bins apart (a model-free view of the fit).
    """
    from . import psychometric

    grid = table[table["family"] == "grid"]
    shift = table[table["family"] == "shift"]
    used, (low, high) = fit_grid(grid, span)
    out = {f"psychometric_{k}": v for k, v in psychometric.fit(*psychometric.pooled(used)).items()}
    out["psychometric_min_duration"], out["psychometric_max_duration"] = low, high
    out["psychometric_poor"] = bool(psychometric.poor(out["psychometric_pseudo_r2"]))
    out["grid_accuracy"] = float(grid["accuracy"].mean())
    diff = (grid["second"] - grid["first"]).abs()
    out["p_go_same"] = float(grid.loc[diff == 0, "p_go"].mean())
    out["p_go_different"] = float(grid.loc[diff >= DIFFERENT, "p_go"].mean())
    at_zero = shift.loc[shift["shift"] == 0, "accuracy"]
    shifted = shift.loc[shift["shift"] != 0, "accuracy"]
    out["shift_accuracy"] = float(at_zero.mean()) if len(at_zero) else float("nan")
    out["shift_sensitivity"] = out["shift_accuracy"] - float(shifted.mean()) if len(shifted) else float("nan")
    out["reference_accuracy"] = float(table.loc[table["family"] == "reference", "accuracy"].mean())
    return out


def trained_on(task_section: dict | None) -> str:
    """Label of a training task: ``"variant"`` (per-trial timing) or ``"reference"``."""
    return "variant" if (task_section or {}).get("timing") else "reference"


def compared_folder(path: str | None, launch_dir: str) -> str | None:
    """The ``analysis.probes.compare_with`` folder as an absolute path (relative paths start at
    ``launch_dir``, where the run was started), or ``None`` without a comparison."""
    import os

    return os.path.normpath(os.path.join(launch_dir, path)) if path else None


def missing_compared(folder: str, relative_paths) -> str | None:
    """Why the compared run in ``folder`` cannot serve the comparison (the first of
    ``relative_paths`` it lacks, field named), or ``None`` when it has them all."""
    import os

    missing = [p for p in relative_paths if not os.path.exists(os.path.join(folder, p))]
    if not missing:
        return None
    return (
        f"analysis.probes.compare_with: {folder} lacks {missing[0]} (and {len(missing) - 1} more of this "
        "sweep's networks or its status table), which the probe comparison needs; run that workflow first "
        "with the same sweep, or set compare_with to null"
    )


def compared_label(folder: str, model_path: str, own_label: str) -> str:
    """Training-task label of the compared run's networks (from one model's provenance), marked
    ``(compare_with)`` when it equals this run's own label ``own_label``."""
    import os

    from .provenance import describe

    label = trained_on(describe(os.path.join(folder, model_path))["config"]["task"])
    return f"{label} (compare_with)" if label == own_label else label
