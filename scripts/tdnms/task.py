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

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import config, tables
from . import timing as variant

INPUT_CHANNELS = ("light", "odor")

_SECTION = "task"


def _window(value, field_name: str, n_bins: int) -> tuple[int, int]:
    """Check that one [start, stop) window is non-empty and inside the trial; return it as ints."""
    start, stop = int(value[0]), int(value[1])
    if start >= stop:
        raise ValueError(f"{field_name}: window {[start, stop]} is empty (need start < stop)")
    if start < 0 or stop > n_bins:
        raise ValueError(f"{field_name}: window {[start, stop]} lies outside the trial [0, task.n_bins={n_bins})")
    return start, stop


def _trial_types(raw: dict) -> tuple["TrialType", ...]:
    return tuple(
        TrialType(str(name), tuple(tuple(int(v) for v in w) for w in body["odor_windows"]), body["go"])
        for name, body in raw.items()
    )


@dataclass(frozen=True)
class TrialType:
    """One kind of trial: where the odor is on, and whether a response is required."""

    name: str
    odor_windows: tuple[tuple[int, int], ...]
    go: bool


@dataclass(frozen=True)
class TaskSpec:
    """Everything that defines the task; built from the ``task`` config section.

    Field defaults are the schema's (:mod:`tdnms.config`); construction
    checks the fields against the schema and the cross-field rules, raising
    ``ValueError`` (:class:`tdnms.config.ConfigError`) naming the bad field.
    """

    n_bins: int = config.default(_SECTION, "n_bins")
    start_cue: tuple[int, int] = config.default(_SECTION, "start_cue", tuple)
    response_window: tuple[int, int] = config.default(_SECTION, "response_window", tuple)
    input_noise_std: float = config.default(_SECTION, "input_noise_std")
    trials_per_sequence: int = config.default(_SECTION, "trials_per_sequence")
    trial_types: tuple[TrialType, ...] = config.default(_SECTION, "trial_types", _trial_types)
    draw: tuple[str, ...] | None = None  # None: every trial type, in the order given
    timing: variant.Timing | None = None  # per-trial windows (the variant); None: the reference task

    def __post_init__(self):
        if self.draw is None:
            object.__setattr__(self, "draw", tuple(t.name for t in self.trial_types))
        # Canonical order, so that specs compare equal however the config lists the types.
        object.__setattr__(self, "trial_types", tuple(sorted(self.trial_types, key=lambda t: t.name)))
        self.validate()

    # -- construction -------------------------------------------------------
    @classmethod
    def from_config(cls, section: dict | None) -> "TaskSpec":
        """Build and validate a spec from the ``task`` config section (missing keys take the schema defaults)."""
        section = config.check_section("task", section)
        return cls(
            n_bins=section["n_bins"],
            start_cue=tuple(section["start_cue"]),
            response_window=tuple(section["response_window"]),
            input_noise_std=section["input_noise_std"],
            trials_per_sequence=section["trials_per_sequence"],
            trial_types=_trial_types(section["trial_types"]),
            draw=None if section["draw"] is None else tuple(section["draw"]),
            timing=variant.Timing.from_config(section["timing"]),
        )

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first bad field.

        Types and ranges are the schema's; the rules here relate several fields.
        """
        try:
            as_config = self._section()
        except (TypeError, ValueError) as err:
            raise config.ConfigError(f"task: malformed task spec ({err})") from err
        config.check_section("task", as_config)
        names = [t.name for t in self.trial_types]
        if len(set(names)) != len(names):
            raise ValueError(f"task.trial_types: duplicate trial type names {names}")
        _window(self.start_cue, "task.start_cue", self.n_bins)
        resp = _window(self.response_window, "task.response_window", self.n_bins)
        for t in self.trial_types:
            for i, w in enumerate(t.odor_windows):
                start, stop = _window(w, f"task.trial_types.{t.name}.odor_windows[{i}]", self.n_bins)
                # An odor still on when the response is due leaks the answer's timing
                # into the response epoch: the task would no longer test memory.
                if stop > resp[0] and not self.follows_odor:
                    raise ValueError(
                        f"task.trial_types.{t.name}.odor_windows[{i}]: window {[start, stop]} overlaps the "
                        f"response window {list(resp)} (task.response_window); odors must end before the response starts"
                    )
        for name in self.draw:
            if name not in names:
                raise ValueError(f"task.draw: unknown trial type {name!r}; allowed (task.trial_types): {names}")
        if self.timing is not None:
            variant.check_spec(self.timing, self)

    # -- derived quantities -------------------------------------------------
    @property
    def sequence_bins(self) -> int:
        return self.n_bins * self.trials_per_sequence

    @property
    def follows_odor(self) -> bool:
        """Whether the response window follows each trial's second odor (the variant's ``follow`` mode)."""
        return self.timing is not None and self.timing.response == "follow"

    def response_window_of(self, name: str) -> tuple[int, int]:
        """The response window of trial type ``name``'s standard (nominal) trial."""
        if not self.follows_odor:
            return tuple(self.response_window)
        length = self.response_window[1] - self.response_window[0]
        start, stop = self.timing.response_for(self.trial_type(name).odor_windows[-1][1], length, None)
        return int(start), int(stop)

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
                targets[k, slice(*self.response_window_of(name))] = 1.0
        return inputs, targets

    def response_mask(self) -> np.ndarray:
        """Boolean (n_bins,) mask of the response window within one trial."""
        mask = np.zeros(self.n_bins, dtype=bool)
        mask[slice(*self.response_window)] = True
        return mask

    def _section(self) -> dict:
        """The spec as a ``task`` config section, values as given (for checking)."""
        d = asdict(self)
        d["start_cue"] = list(self.start_cue)
        d["response_window"] = list(self.response_window)
        d["trial_types"] = {
            t.name: {"odor_windows": [list(w) for w in t.odor_windows], "go": t.go} for t in self.trial_types
        }
        d["draw"] = list(self.draw)
        # Absent, not null, for the reference task: its data files keep their bytes.
        d.pop("timing")
        if self.timing is not None:
            d["timing"] = self.timing.to_dict()
        return d

    def to_dict(self) -> dict:
        """Plain, JSON-ready form; ``from_config(to_dict())`` gives an equal spec."""
        return {**self._section(), "input_noise_std": float(self.input_noise_std)}


@dataclass
class TrialSet:
    """A batch of sequences ready for training: arrays plus the trial table.

    ``inputs`` (n, T, 2) float32, ``targets`` (n, T, 1) float32 and
    ``trial_types`` (n, trials_per_sequence) array of names. Under the timing
    variant, ``odor_windows`` (n, k, 2, 2) and ``response_windows`` (n, k, 2) hold
    every trial's actual half-open windows; otherwise they are ``None`` and the
    windows are the spec's.
    """

    spec: TaskSpec
    inputs: np.ndarray
    targets: np.ndarray
    trial_types: np.ndarray
    seed: int | None = None
    odor_windows: np.ndarray | None = None
    response_windows: np.ndarray | None = None

    def trial_response_windows(self) -> np.ndarray:
        """(n, k, 2) int32 response window ``[start, stop)`` of every trial."""
        if self.response_windows is not None:
            return np.asarray(self.response_windows, dtype=np.int32)
        per_type = {t.name: self.spec.response_window_of(t.name) for t in self.spec.trial_types}
        flat = np.array([per_type[name] for name in self.trial_types.reshape(-1)], dtype=np.int32)
        return flat.reshape(*self.trial_types.shape, 2)

    def response_masks(self) -> np.ndarray:
        """(n, k, n_bins) bool: each trial's response window."""
        return variant.in_windows(self.spec.n_bins, self.trial_response_windows()[:, :, None, :])

    @property
    def n_sequences(self) -> int:
        return self.inputs.shape[0]

    def trial_table(self):
        """One row per trial: sequence, trial (index within the sequence), trial_type, go."""
        import pandas as pd

        n, k = self.trial_types.shape
        go = {t.name: t.go for t in self.spec.trial_types}
        table = pd.DataFrame(
            {
                "sequence": np.repeat(np.arange(n, dtype=np.int32), k),
                "trial": np.tile(np.arange(k, dtype=np.int32), n),
                "trial_type": self.trial_types.reshape(-1),
                "go": [go[t] for t in self.trial_types.reshape(-1)],
            }
        )
        if self.odor_windows is not None:
            for column, values in window_columns(self.odor_windows, self.response_windows).items():
                table[column] = values
        return table


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
    odor = response = None
    if spec.timing is None:
        templ_in, templ_target = spec.templates()
        # (n, k, n_bins, 2) -> (n, k * n_bins, 2): trials laid end to end within a sequence.
        inputs = templ_in[codes].reshape(n_sequences, k * spec.n_bins, len(INPUT_CHANNELS))
        targets = templ_target[codes].reshape(n_sequences, k * spec.n_bins, 1)
    else:
        odor, response = variant.draw_windows(spec, codes, rng)
        go = np.array([spec.trial_type(name).go for name in spec.draw])[codes]
        inputs, targets = variant.render(spec, odor, response, go)
    if spec.input_noise_std > 0:
        noise = rng.standard_normal(inputs.shape, dtype=np.float32)
        inputs = inputs + np.float32(spec.input_noise_std) * noise
    names = np.array(spec.draw, dtype=object)[codes]
    return TrialSet(spec, inputs.astype(np.float32), targets.astype(np.float32), names, seed, odor, response)


def window_columns(odor: np.ndarray, response: np.ndarray) -> dict[str, np.ndarray]:
    """Per-trial window bounds as flat int32 columns (one value per trial)."""
    columns = {}
    for i in range(odor.shape[2]):
        columns[f"odor{i + 1}_start"] = odor[:, :, i, 0].reshape(-1)
        columns[f"odor{i + 1}_stop"] = odor[:, :, i, 1].reshape(-1)
    columns["response_start"] = response[..., 0].reshape(-1)
    columns["response_stop"] = response[..., 1].reshape(-1)
    return {name: values.astype(np.int32) for name, values in columns.items()}


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
    columns = {
        "sequence": pa.array(np.repeat(np.arange(n, dtype=np.int32), k * t)),
        "trial": pa.array(np.tile(np.repeat(np.arange(k, dtype=np.int32), t), n)),
        "time_bin": pa.array(np.tile(np.arange(t, dtype=np.int32), n * k)),
        "trial_type": trial_type,
        "light": pa.array(trials.inputs[..., 0].reshape(per_row)),
        "odor": pa.array(trials.inputs[..., 1].reshape(per_row)),
        "target": pa.array(trials.targets[..., 0].reshape(per_row)),
        "response_window": pa.array(np.tile(spec.response_mask(), n * k)),
    }
    if trials.odor_windows is not None:
        columns["response_window"] = pa.array(trials.response_masks().reshape(per_row))
        for name, values in window_columns(trials.odor_windows, trials.response_windows).items():
            columns[name] = pa.array(np.repeat(values, t))
    return pa.table(columns)


SPLITS = ("train", "validation", "test")


def split_seed(data_seed: int, split: str) -> list[int]:
    """The generator seed of one split of a data seed: each split gets its own stream."""
    if split not in SPLITS:
        raise ValueError(f"split: expected one of {list(SPLITS)}, got {split!r}")
    return [int(data_seed), SPLITS.index(split)]


def write_trials(trials: TrialSet, path, split: str | None = None) -> None:
    """Write a trial set to Parquet with the spec, seed, split and versions in its metadata."""
    meta = tables.provenance(TRIALS_KIND, config=trials.spec.to_dict(), seed=trials.seed, split=split)
    tables.write_table(to_arrow(trials), path, meta)


def _check_origin(path: Path, meta: dict, split: str | None, data_seed: int | None) -> None:
    """The file must be ``split`` of ``data_seed`` (when given), as its metadata records."""
    if split is None:
        return
    found_split, found_seed = meta.get("split"), meta.get("seed")
    if found_split != split:
        raise tables.DataFileError(
            f"{path}: holds the {found_split!r} split, but this job reads it as the {split!r} split; "
            "regenerate the data (delete the file and rerun)"
        )
    if data_seed is not None and found_seed != split_seed(data_seed, split):
        raise tables.DataFileError(
            f"{path}: made with generator seed {found_seed}, but data.seed {data_seed} gives "
            f"{split_seed(data_seed, split)} for the {split!r} split; regenerate the data (delete the file and rerun)"
        )


def _finite_column(path: Path, table: pa.Table, name: str) -> np.ndarray:
    values = table[name].to_numpy()
    bad = ~np.isfinite(values)
    if bad.any():
        raise tables.DataFileError(
            f"{path}: column {name!r} has {int(bad.sum())} non-finite value(s) (NaN or infinity), "
            f"first at row {int(np.argmax(bad))}; regenerate the data"
        )
    return values


def read_trials(
    path, expected_spec: TaskSpec | None = None, split: str | None = None, data_seed: int | None = None
) -> TrialSet:
    """Read a trial set written by :func:`write_trials`.

    Raises :class:`tables.DataFileError` (a ``ValueError``) naming the file when it
    is unreadable, lacks a column, holds a NaN or infinite input or target (naming
    the column), was generated from a different spec than ``expected_spec``, or
    (when ``split`` / ``data_seed`` are given) is another split or data seed than
    the caller expects.
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
    _check_origin(path, meta, split, data_seed)
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
        [_finite_column(path, table, c).reshape(n, k * t) for c in INPUT_CHANNELS], axis=-1
    ).astype(np.float32)
    targets = _finite_column(path, table, "target").reshape(n, k * t, 1).astype(np.float32)
    types = np.asarray(table["trial_type"].to_pylist(), dtype=object).reshape(n, k, t)[:, :, 0]
    odor = response = None
    if spec.timing is not None:
        odor, response = _read_windows(table, path, n, k, t)
    return TrialSet(spec, inputs, targets, types, meta.get("seed"), odor, response)


def _read_windows(table: pa.Table, path: Path, n: int, k: int, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-trial odor (n, k, 2, 2) and response (n, k, 2) windows from a variant's window columns."""
    names = [f"odor{i}_{end}" for i in (1, 2) for end in ("start", "stop")] + ["response_start", "response_stop"]
    missing = [c for c in names if c not in table.column_names]
    if missing:
        raise tables.DataFileError(f"{path}: timing-variant data lacks the window column(s) {missing}")
    first = {c: table[c].to_numpy().reshape(n, k, t)[:, :, 0].astype(np.int32) for c in names}
    odor = np.stack(
        [np.stack([first[f"odor{i}_start"], first[f"odor{i}_stop"]], -1) for i in (1, 2)], axis=-2
    )
    response = np.stack([first["response_start"], first["response_stop"]], -1)
    return odor, response

