"""The temporal delayed non-match-to-sample (tDNMS) task.

A trial is ``n_bins`` time bins long. A light start cue is on during ``start_cue``;
two odor presentations follow, each Short or Long; the animal (network) must
respond in ``response_window`` when the two durations differ (SL, LS: "go") and
withhold when they match (SS: "no-go"). Every window is a half-open bin range
``[start, stop)``, as in a NumPy slice.

Several trials can be concatenated into one *sequence* (``trials_per_sequence``);
the network state then carries across trial boundaries, as in the reference
notebook's 400-bin sequences.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import tables

INPUT_CHANNELS = ("light", "odor")

DEFAULT_TRIAL_TYPES = {
    "SL": {"odor_windows": [[30, 50], [80, 130]], "go": True},
    "LS": {"odor_windows": [[30, 80], [110, 130]], "go": True},
    "SS": {"odor_windows": [[30, 50], [80, 100]], "go": False},
}


def _window(value, field_name: str, n_bins: int) -> tuple[int, int]:
    """Check one [start, stop) window and return it as a tuple of ints."""
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        raise ValueError(f"{field_name}: expected a window [start, stop] of two integers, got {value!r}")
    start, stop = int(value[0]), int(value[1])
    if start >= stop:
        raise ValueError(f"{field_name}: window {[start, stop]} is empty (need start < stop)")
    if start < 0 or stop > n_bins:
        raise ValueError(f"{field_name}: window {[start, stop]} lies outside the trial [0, {n_bins})")
    return start, stop


@dataclass(frozen=True)
class TrialType:
    """One kind of trial: where the odor is on, and whether a response is required."""

    name: str
    odor_windows: tuple[tuple[int, int], ...]
    go: bool


@dataclass(frozen=True)
class TaskSpec:
    """Everything that defines the task; built from the ``task`` config section."""

    n_bins: int = 200
    start_cue: tuple[int, int] = (0, 3)
    response_window: tuple[int, int] = (131, 160)
    input_noise_std: float = 0.15
    trials_per_sequence: int = 1
    trial_types: tuple[TrialType, ...] = field(
        default_factory=lambda: tuple(
            TrialType(name, tuple(map(tuple, t["odor_windows"])), t["go"])
            for name, t in DEFAULT_TRIAL_TYPES.items()
        )
    )
    draw: tuple[str, ...] = ("SL", "LS", "SS")

    def __post_init__(self):
        # Canonical order, so that specs compare equal however the config lists the types.
        object.__setattr__(self, "trial_types", tuple(sorted(self.trial_types, key=lambda t: t.name)))
        self.validate()

    # -- construction -------------------------------------------------------
    @classmethod
    def from_config(cls, section: dict | None) -> "TaskSpec":
        """Build and validate a spec from the ``task`` config section (missing keys take defaults)."""
        section = dict(section or {})
        known = {
            "n_bins",
            "start_cue",
            "response_window",
            "input_noise_std",
            "trials_per_sequence",
            "trial_types",
            "draw",
        }
        unknown = sorted(set(section) - known)
        if unknown:
            raise ValueError(f"task: unknown key(s) {unknown}; allowed: {sorted(known)}")
        n_bins = section.get("n_bins", 200)
        if not isinstance(n_bins, int) or isinstance(n_bins, bool) or n_bins < 1:
            raise ValueError(f"task.n_bins: expected a positive integer, got {n_bins!r}")
        raw_types = section.get("trial_types", DEFAULT_TRIAL_TYPES)
        if not isinstance(raw_types, dict) or not raw_types:
            raise ValueError("task.trial_types: expected a non-empty mapping of name -> {odor_windows, go}")
        trial_types = []
        for name, body in raw_types.items():
            where = f"task.trial_types.{name}"
            if not isinstance(body, dict) or set(body) - {"odor_windows", "go"}:
                raise ValueError(f"{where}: expected keys 'odor_windows' and 'go', got {body!r}")
            windows = body.get("odor_windows")
            if not isinstance(windows, (list, tuple)) or not windows:
                raise ValueError(f"{where}.odor_windows: expected a non-empty list of [start, stop] windows")
            go = body.get("go")
            if not isinstance(go, bool):
                raise ValueError(f"{where}.go: expected true or false, got {go!r}")
            trial_types.append(
                TrialType(
                    str(name),
                    tuple(_window(w, f"{where}.odor_windows[{i}]", n_bins) for i, w in enumerate(windows)),
                    go,
                )
            )
        return cls(
            n_bins=n_bins,
            start_cue=_window(section.get("start_cue", [0, 3]), "task.start_cue", n_bins),
            response_window=_window(section.get("response_window", [131, 160]), "task.response_window", n_bins),
            input_noise_std=section.get("input_noise_std", 0.15),
            trials_per_sequence=section.get("trials_per_sequence", 1),
            trial_types=tuple(trial_types),
            draw=tuple(section.get("draw", [t.name for t in trial_types])),
        )

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first bad field."""
        noise = self.input_noise_std
        if not isinstance(noise, (int, float)) or isinstance(noise, bool) or not np.isfinite(noise) or noise < 0:
            raise ValueError(f"task.input_noise_std: expected a number >= 0, got {noise!r}")
        tps = self.trials_per_sequence
        if not isinstance(tps, int) or isinstance(tps, bool) or tps < 1:
            raise ValueError(f"task.trials_per_sequence: expected an integer >= 1, got {tps!r}")
        _window(list(self.start_cue), "task.start_cue", self.n_bins)
        resp = _window(list(self.response_window), "task.response_window", self.n_bins)
        names = [t.name for t in self.trial_types]
        if len(set(names)) != len(names):
            raise ValueError(f"task.trial_types: duplicate trial type names {names}")
        for t in self.trial_types:
            for i, w in enumerate(t.odor_windows):
                start, stop = _window(list(w), f"task.trial_types.{t.name}.odor_windows[{i}]", self.n_bins)
                # An odor still on when the response is due leaks the answer's timing
                # into the response epoch: the task would no longer test memory.
                if stop > resp[0]:
                    raise ValueError(
                        f"task.trial_types.{t.name}.odor_windows[{i}]: window {[start, stop]} overlaps the "
                        f"response window {list(resp)}; odors must end before the response starts"
                    )
        if not isinstance(self.draw, tuple) or not self.draw:
            raise ValueError("task.draw: expected a non-empty list of trial type names")
        for name in self.draw:
            if name not in names:
                raise ValueError(f"task.draw: unknown trial type {name!r}; allowed: {names}")
        if len(set(self.draw)) != len(self.draw):
            raise ValueError(f"task.draw: duplicate trial type names {list(self.draw)}")

    # -- derived quantities -------------------------------------------------
    @property
    def sequence_bins(self) -> int:
        return self.n_bins * self.trials_per_sequence

    def trial_type(self, name: str) -> TrialType:
        for t in self.trial_types:
            if t.name == name:
                return t
        raise ValueError(f"unknown trial type {name!r}; allowed: {[t.name for t in self.trial_types]}")

    def templates(self) -> tuple[np.ndarray, np.ndarray]:
        """Noise-free single-trial inputs (n_draw, n_bins, 2) and targets (n_draw, n_bins), in ``draw`` order."""
        inputs = np.zeros((len(self.draw), self.n_bins, len(INPUT_CHANNELS)), dtype=np.float32)
        targets = np.zeros((len(self.draw), self.n_bins), dtype=np.float32)
        inputs[:, slice(*self.start_cue), 0] = 1.0
        for k, name in enumerate(self.draw):
            t = self.trial_type(name)
            for start, stop in t.odor_windows:
                inputs[k, start:stop, 1] = 1.0
            if t.go:
                targets[k, slice(*self.response_window)] = 1.0
        return inputs, targets

    def response_mask(self) -> np.ndarray:
        """Boolean (n_bins,) mask of the response window within one trial."""
        mask = np.zeros(self.n_bins, dtype=bool)
        mask[slice(*self.response_window)] = True
        return mask

    def to_dict(self) -> dict:
        """Plain, JSON-ready form; ``from_config(to_dict())`` gives an equal spec."""
        d = asdict(self)
        d["start_cue"] = list(self.start_cue)
        d["response_window"] = list(self.response_window)
        d["trial_types"] = {
            t.name: {"odor_windows": [list(w) for w in t.odor_windows], "go": t.go} for t in self.trial_types
        }
        d["draw"] = list(self.draw)
        d["input_noise_std"] = float(self.input_noise_std)
        return d


@dataclass
class TrialSet:
    """A batch of sequences ready for training: arrays plus the trial table.

    ``inputs`` (n, T, 2) float32, ``targets`` (n, T, 1) float32 and
    ``trial_types`` (n, trials_per_sequence) array of names.
    """

    spec: TaskSpec
    inputs: np.ndarray
    targets: np.ndarray
    trial_types: np.ndarray
    seed: int | None = None

    @property
    def n_sequences(self) -> int:
        return self.inputs.shape[0]

    def trial_table(self):
        """One row per trial: sequence, trial (index within the sequence), trial_type, go."""
        import pandas as pd

        n, k = self.trial_types.shape
        go = {t.name: t.go for t in self.spec.trial_types}
        return pd.DataFrame(
            {
                "sequence": np.repeat(np.arange(n, dtype=np.int32), k),
                "trial": np.tile(np.arange(k, dtype=np.int32), n),
                "trial_type": self.trial_types.reshape(-1),
                "go": [go[t] for t in self.trial_types.reshape(-1)],
            }
        )


def generate(spec: TaskSpec, n_sequences: int, seed: int) -> TrialSet:
    """Draw ``n_sequences`` noisy sequences; the same spec and seed give identical arrays.

    Trial types are balanced: each type in ``spec.draw`` appears as equally often
    as the total trial count allows, in a seeded random order.
    """
    if not isinstance(n_sequences, int) or n_sequences < 1:
        raise ValueError(f"n_sequences: expected a positive integer, got {n_sequences!r}")
    rng = np.random.default_rng(seed)
    k = spec.trials_per_sequence
    n_types = len(spec.draw)
    codes = rng.permutation(np.resize(np.arange(n_types), n_sequences * k)).reshape(n_sequences, k)
    templ_in, templ_target = spec.templates()
    # (n, k, n_bins, 2) -> (n, k * n_bins, 2): trials laid end to end within a sequence.
    inputs = templ_in[codes].reshape(n_sequences, k * spec.n_bins, len(INPUT_CHANNELS))
    targets = templ_target[codes].reshape(n_sequences, k * spec.n_bins, 1)
    if spec.input_noise_std > 0:
        noise = rng.standard_normal(inputs.shape, dtype=np.float32)
        inputs = inputs + np.float32(spec.input_noise_std) * noise
    names = np.array(spec.draw, dtype=object)[codes]
    return TrialSet(spec, inputs.astype(np.float32), targets.astype(np.float32), names, seed)


# -- Parquet ---------------------------------------------------------------------

TRIALS_KIND = "trials"
TRIALS_COLUMNS = {
    "sequence": "int32",
    "trial": "int32",
    "time_bin": "int32",
    "trial_type": "string",
    "light": "float",
    "odor": "float",
    "target": "float",
    "response_window": "bool",
}


def to_arrow(trials: TrialSet) -> pa.Table:
    """Tidy long table: one row per (sequence, trial, time bin)."""
    spec = trials.spec
    n, k = trials.trial_types.shape
    t = spec.n_bins
    per_row = n * k * t
    trial_type = pa.DictionaryArray.from_arrays(
        pa.array(np.repeat(np.searchsorted(sorted(spec.draw), trials.trial_types.reshape(-1)), t).astype(np.int32)),
        pa.array(sorted(spec.draw)),
    )
    return pa.table(
        {
            "sequence": pa.array(np.repeat(np.arange(n, dtype=np.int32), k * t)),
            "trial": pa.array(np.tile(np.repeat(np.arange(k, dtype=np.int32), t), n)),
            "time_bin": pa.array(np.tile(np.arange(t, dtype=np.int32), n * k)),
            "trial_type": trial_type,
            "light": pa.array(trials.inputs[..., 0].reshape(per_row)),
            "odor": pa.array(trials.inputs[..., 1].reshape(per_row)),
            "target": pa.array(trials.targets[..., 0].reshape(per_row)),
            "response_window": pa.array(np.tile(spec.response_mask(), n * k)),
        }
    )


def write_trials(trials: TrialSet, path, split: str | None = None) -> None:
    """Write a trial set to Parquet with the spec, seed and versions in its metadata."""
    meta = tables.provenance(TRIALS_KIND, config=trials.spec.to_dict(), seed=trials.seed, split=split)
    tables.write_table(to_arrow(trials), path, meta)


def read_trials(path, expected_spec: TaskSpec | None = None) -> TrialSet:
    """Read a trial set written by :func:`write_trials`.

    Raises :class:`tables.DataFileError` (a ``ValueError``) naming the file when it
    is unreadable, lacks a column, or was generated from a different spec than
    ``expected_spec``.
    """
    path = Path(path)
    table, meta = tables.read_table(path, TRIALS_COLUMNS, kind=TRIALS_KIND)
    try:
        spec = TaskSpec.from_config(meta["config"])
    except (KeyError, ValueError) as err:
        raise tables.DataFileError(f"{path}: invalid task spec in metadata ({err})") from err
    if expected_spec is not None and spec != expected_spec:
        ours, theirs = expected_spec.to_dict(), spec.to_dict()
        diff = sorted(k for k in ours if ours[k] != theirs.get(k))
        raise tables.DataFileError(
            f"{path}: generated from a different task spec than the config asks for "
            f"(fields differ: {diff}); regenerate the data"
        )
    k, t = spec.trials_per_sequence, spec.n_bins
    rows = table.num_rows
    if rows == 0 or rows % (k * t):
        raise tables.DataFileError(f"{path}: {rows} rows is not a whole number of {k}x{t}-bin sequences")
    n = rows // (k * t)
    sequence = table["sequence"].to_numpy()
    time_bin = table["time_bin"].to_numpy()
    if not (
        np.array_equal(sequence, np.repeat(np.arange(n, dtype=np.int32), k * t))
        and np.array_equal(time_bin, np.tile(np.arange(t, dtype=np.int32), n * k))
    ):
        raise tables.DataFileError(f"{path}: rows are not ordered by (sequence, trial, time_bin)")
    inputs = np.stack(
        [table[c].to_numpy().reshape(n, k * t) for c in INPUT_CHANNELS], axis=-1
    ).astype(np.float32)
    targets = table["target"].to_numpy().reshape(n, k * t, 1).astype(np.float32)
    types = np.asarray(table["trial_type"].to_pylist(), dtype=object).reshape(n, k, t)[:, :, 0]
    return TrialSet(spec, inputs, targets, types, meta.get("seed"))

