"""Curriculum for the timing variant: widen the timing ranges stage by stage.

From scratch, networks on the full variant sit at "always no-go" for thousands
of steps. Starting on the standard trials (each range shrunk onto the nominal
values of the trial types) and widening the ranges to ``fraction`` of their
configured extent per stage, each stage continuing from the last, they reach
the criterion on the full task. ``training.curriculum`` lists the fractions of
the stages before the full task (fraction 1, the configured data sets).

Stage data sets are drawn in the training job from the data seed (stage ``i``
uses the streams ``(data seed, split index, 100 + i)``, apart from the data files'
``(data seed, split index)``), so a stage is as reproducible as the data files.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd

from . import task as task_module
from . import train as training

STAGE_STREAM = 100


def nominal_ranges(spec) -> dict[str, tuple[int, int]]:
    """Per timing range, the [min, max] of the nominal trial types' values."""
    values = {"first_onset": [], "delay": [], "short": [], "long": []}
    for t in spec.trial_types:
        (s1, e1), (s2, e2) = t.odor_windows
        values["first_onset"].append(s1)
        values["delay"].append(s2 - e1)
        for start, stop in t.odor_windows:
            values[spec.timing.duration_class(stop - start)].append(stop - start)
    return {k: (min(v), max(v)) for k, v in values.items() if v}


def stage_spec(spec, fraction: float):
    """``spec`` with each timing range shrunk to ``fraction`` of its extent around the nominal values."""
    if spec.timing is None:
        raise ValueError("training.curriculum: needs task.timing (the curriculum widens its ranges)")
    if not 0 <= fraction <= 1:
        raise ValueError(f"training.curriculum: fractions must lie in [0, 1], got {fraction}")
    changes = {}
    for name, (nom_lo, nom_hi) in nominal_ranges(spec).items():
        lo, hi = getattr(spec.timing, name)
        changes[name] = (int(round(nom_lo - fraction * (nom_lo - lo))), int(round(nom_hi + fraction * (hi - nom_hi))))
    return dataclasses.replace(spec, timing=dataclasses.replace(spec.timing, **changes))


def stage_data(spec, fraction: float, index: int, sizes: dict, data_seed: int):
    """Train and validation sets of curriculum stage ``index``."""
    stage = stage_spec(spec, fraction)
    return tuple(
        task_module.generate(stage, int(sizes[f"n_{split}"]), seed=[data_seed, k, STAGE_STREAM + index])
        for k, split in enumerate(("train", "validation"))
    )


def train_with_curriculum(network, config, train_set, validation_set, seed, data: dict, checkpoint_dir=None, stream=sys.stdout):
    """Train through the stages of ``config.curriculum``, then on the given (full) sets.

    ``data`` is the ``data`` config section (sizes, seed). Returns ``(model,
    history, reached, stage_steps)``: the history of all stages with steps
    counted from the start of the first, and the steps each stage took.
    """
    spec = train_set.spec
    fractions = list(config.curriculum or ()) + [None]
    weights, parts, stage_steps, offset, wall = None, [], [], 0, 0.0
    full_config = dataclasses.replace(config, curriculum=None)
    for index, fraction in enumerate(fractions):
        if fraction is None:
            stage_train, stage_validation = train_set, validation_set
        else:
            stage_train, stage_validation = stage_data(spec, fraction, index, data, int(data["seed"]))
        where = None if checkpoint_dir is None else f"{checkpoint_dir}/stage{index}"
        label = f"gamma={network.get('gamma')} seed={seed} stage {index} ({'full task' if fraction is None else f'ranges x{fraction:g}'})"
        model, history, reached = training.train(
            network, full_config, stage_train, stage_validation, seed, where, label, stream, initial_weights=weights
        )
        weights = model.get_weights()
        history["step"] += offset
        history["wall_seconds"] += wall
        offset, wall = int(history["step"].iloc[-1]), float(history["wall_seconds"].iloc[-1])
        stage_steps.append(len(history))
        parts.append(history)
        if not reached and fraction is not None:
            print(f"[{label}] stage ended without the criterion; continuing with the next", file=stream, flush=True)
    history = pd.concat(parts, ignore_index=True)
    history["reached"] = history["reached"].to_numpy() & (np.arange(len(history)) >= len(history) - stage_steps[-1])
    return model, history, bool(reached), stage_steps
