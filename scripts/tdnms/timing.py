"""The timing variant of the tDNMS task: per-trial odor and response windows.

With the reference windows, "was there odor just before the response window?"
answers the task without measuring any duration. The variant removes that
shortcut by drawing, per trial and from the data seed, the onset of the first
odor, the delay between the two odors and (within ranges) the Short and Long
durations themselves. The response window either follows the end of the second
odor by ``response_gap`` bins (``response: follow``, its length that of
``task.response_window``) or stays at ``task.response_window`` (``fixed``).

Each trial type keeps its nominal ``odor_windows`` (the *standard* trial, used by
templates, figures and probes); the duration class of each of its two odors is
the range (``short`` or ``long``) its nominal duration lies in. Ranges here are
inclusive ``[low, high]`` bin counts, unlike the half-open windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import config

_SECTION = "task.timing"


def _range(value, field_name: str, minimum: int) -> tuple[int, int]:
    """Check one inclusive ``[low, high]`` integer range."""
    ok = (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    )
    if not ok:
        raise ValueError(f"{field_name}: expected a range [low, high] of two integers, got {value!r}")
    low, high = int(value[0]), int(value[1])
    if low > high:
        raise ValueError(f"{field_name}: range {[low, high]} has low > high")
    if low < minimum:
        raise ValueError(f"{field_name}: range {[low, high]} must start at >= {minimum}")
    return low, high


@dataclass(frozen=True)
class Timing:
    """Per-trial timing ranges (inclusive, in bins); built from ``task.timing``."""

    first_onset: tuple[int, int]
    delay: tuple[int, int]
    short: tuple[int, int]
    long: tuple[int, int]
    response: str = config.default(_SECTION, "response")
    response_gap: int = config.default(_SECTION, "response_gap")

    @classmethod
    def from_config(cls, section) -> "Timing | None":
        """``None`` (the reference task) for a missing/null section, else a checked Timing."""
        if section is None:
            return None
        if isinstance(section, Timing):
            return section
        if not isinstance(section, dict):
            raise ValueError(f"task.timing: expected a mapping or null, got {section!r}")
        section = config.check_section(_SECTION, section)
        short = _range(section["short"], "task.timing.short", 1)
        long = _range(section["long"], "task.timing.long", 1)
        if short[1] >= long[0]:
            raise ValueError(f"task.timing: short {list(short)} and long {list(long)} must not overlap (short below long)")
        return cls(
            first_onset=_range(section["first_onset"], "task.timing.first_onset", 0),
            delay=_range(section["delay"], "task.timing.delay", 0),
            short=short,
            long=long,
            response=section["response"],
            response_gap=section["response_gap"],
        )

    def to_dict(self) -> dict:
        return {
            "first_onset": list(self.first_onset),
            "delay": list(self.delay),
            "short": list(self.short),
            "long": list(self.long),
            "response": self.response,
            "response_gap": self.response_gap,
        }

    def duration_class(self, duration: int) -> str:
        """``"short"`` or ``"long"``: the range ``duration`` lies in (``ValueError`` if neither)."""
        for name in ("short", "long"):
            low, high = getattr(self, name)
            if low <= duration <= high:
                return name
        raise ValueError(f"duration {duration} lies in neither short {list(self.short)} nor long {list(self.long)}")

    def latest_second_end(self) -> int:
        """Largest possible stop bin of the second odor."""
        return self.first_onset[1] + 2 * self.long[1] + self.delay[1]

    def response_for(self, second_stop, length: int, fixed: tuple[int, int]):
        """Response window(s) ``(start, stop)`` for second-odor stop bin(s)."""
        if self.response == "fixed":
            return fixed
        start = np.asarray(second_stop) + self.response_gap
        return start, start + length


def check_spec(timing: Timing, spec) -> None:
    """Raise ``ValueError`` when the timing cannot apply to ``spec`` (a TaskSpec)."""
    for t in spec.trial_types:
        where = f"task.trial_types.{t.name}.odor_windows"
        if len(t.odor_windows) != 2:
            raise ValueError(f"{where}: the timing variant needs exactly two odors per trial, got {len(t.odor_windows)}")
        for i, (start, stop) in enumerate(t.odor_windows):
            try:
                timing.duration_class(stop - start)
            except ValueError as err:
                raise ValueError(f"{where}[{i}]: {err} (task.timing)") from None
    if spec.trials_per_sequence != 1:
        raise ValueError("task.trials_per_sequence: the timing variant needs 1 trial per sequence")
    last = timing.latest_second_end()
    resp = spec.response_window
    if timing.response == "fixed" and last > resp[0]:
        raise ValueError(
            f"task.timing: the second odor can end at bin {last}, after the fixed response window starts "
            f"({resp[0]}); narrow the ranges or move task.response_window"
        )
    if timing.response == "follow":
        stop = last + timing.response_gap + (resp[1] - resp[0])
        if stop > spec.n_bins:
            raise ValueError(f"task.timing: the response window can end at bin {stop}, beyond task.n_bins {spec.n_bins}")


def draw_windows(spec, codes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per-trial windows for trial-type ``codes`` (n, k) (indices into ``spec.draw``).

    Returns ``odor`` (n, k, 2, 2) and ``response`` (n, k, 2) int32 half-open
    ``[start, stop)`` bins. Draws, in this order: first onset, delay, first and
    second durations (each within its class range).
    """
    timing = spec.timing
    classes = np.array(
        [[timing.duration_class(b - a) == "long" for a, b in spec.trial_type(name).odor_windows] for name in spec.draw]
    )[codes]  # (n, k, 2) True where the odor is Long
    onset = rng.integers(timing.first_onset[0], timing.first_onset[1] + 1, size=codes.shape)
    delay = rng.integers(timing.delay[0], timing.delay[1] + 1, size=codes.shape)
    short = rng.integers(timing.short[0], timing.short[1] + 1, size=classes.shape)
    long = rng.integers(timing.long[0], timing.long[1] + 1, size=classes.shape)
    duration = np.where(classes, long, short)
    first_stop = onset + duration[..., 0]
    second_start = first_stop + delay
    second_stop = second_start + duration[..., 1]
    odor = np.stack([np.stack([onset, first_stop], -1), np.stack([second_start, second_stop], -1)], axis=-2)
    length = spec.response_window[1] - spec.response_window[0]
    start, stop = timing.response_for(second_stop, length, spec.response_window)
    response = np.stack([np.broadcast_to(start, second_stop.shape), np.broadcast_to(stop, second_stop.shape)], axis=-1)
    return odor.astype(np.int32), response.astype(np.int32)


def in_windows(n_bins: int, windows: np.ndarray) -> np.ndarray:
    """Boolean (..., n_bins): whether each bin lies inside any of ``windows`` (..., w, 2)."""
    windows = np.asarray(windows)
    t = np.arange(n_bins)
    start, stop = windows[..., 0, None], windows[..., 1, None]
    return ((t >= start) & (t < stop)).any(axis=-2)


def render(spec, odor: np.ndarray, response: np.ndarray, go: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Noise-free inputs (n, k*n_bins, 2) and targets (n, k*n_bins, 1) from per-trial windows.

    ``odor`` (n, k, w, 2), ``response`` (n, k, 2), ``go`` (n, k) bool.
    """
    n, k = go.shape
    inputs = np.zeros((n, k, spec.n_bins, 2), dtype=np.float32)
    inputs[:, :, slice(*spec.start_cue), 0] = 1.0
    inputs[..., 1] = in_windows(spec.n_bins, odor)
    targets = (in_windows(spec.n_bins, response[:, :, None, :]) & go[..., None]).astype(np.float32)
    return inputs.reshape(n, k * spec.n_bins, 2), targets.reshape(n, k * spec.n_bins, 1)
