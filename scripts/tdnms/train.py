"""Batched, seeded, resumable training to a behavioural criterion.

:func:`train` runs the compiled step (:mod:`tdnms.step`: private noise,
forward, backward and Adam under XLA, the batch split per thread) over mini-batches drawn from
the training set (reshuffled each epoch from ``(seed, epoch)``). Every
``eval_every`` steps an :class:`Evaluator` scores the validation set
noise-free; training stops when every trial type reaches
``criterion_accuracy`` (and the validation MSE ``criterion_mse``, if set) on
``criterion_patience`` consecutive evaluations, or at ``max_steps``.

Reproducibility: initial weights, the private noise and the batch order all
derive from ``seed`` (the noise and batch order of a step are pure functions of
``(seed, step)``, the noise also of the thread count); TensorFlow runs with op
determinism on, so the same seed and thread count give the same weights. A :class:`Checkpointer` writes the model and
optimizer (a ``.keras`` file) plus the history so far every
``checkpoint_every`` steps, so a killed run resumes and ends with the same
weights as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import config as config_schema
from . import score, tables
# configure_tensorflow and make_train_step stay reachable as tdnms.train.* for the shared
# peers benchmark (../shared/peers-bench/e_project.py), which this project does not own.
from .runtime import configure_tensorflow, predict  # noqa: F401
from .step import NOISE_ALGORITHM, NoiseStream, default_shards, make_train_step
from .task import TrialSet


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


# Purpose of the per-epoch random stream derived from a model seed (the private
# noise has its own keys, see tdnms.step.noise_key).
BATCH_ORDER = 0


def step_rng(seed: int, purpose: int, index: int) -> np.random.Generator:
    """The NumPy generator for one ``purpose`` at one epoch or step."""
    return np.random.default_rng([seed, purpose, index])


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """Order of the training sequences in ``epoch``: reshuffled each epoch from the seed."""
    return step_rng(seed, BATCH_ORDER, epoch).permutation(n)


def batch_indices(seed: int, step: int, n_train: int, batch: int) -> np.ndarray:
    """Sorted indices of the training sequences of ``step`` (epochs of ``n_train // batch`` steps)."""
    epoch, within = divmod(step, n_train // batch)
    return np.sort(epoch_order(seed, epoch, n_train)[within * batch : (within + 1) * batch])


def time_major(batch: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(batch.transpose(1, 0, 2))


_SECTION = "training"


@dataclass(frozen=True)
class TrainConfig:
    """The ``training`` config section.

    Field defaults are the schema's (:mod:`tdnms.config`); construction
    checks every field against the schema (``ValueError`` naming the field) and
    converts integers written as floats.
    """

    batch_size: int = config_schema.default(_SECTION, "batch_size")
    learning_rate: float = config_schema.default(_SECTION, "learning_rate")
    clip_norm: float | None = config_schema.default(_SECTION, "clip_norm")
    max_steps: int = config_schema.default(_SECTION, "max_steps")
    eval_every: int = config_schema.default(_SECTION, "eval_every")
    criterion_accuracy: float = config_schema.default(_SECTION, "criterion_accuracy")
    criterion_mse: float | None = config_schema.default(_SECTION, "criterion_mse")
    criterion_patience: int = config_schema.default(_SECTION, "criterion_patience")
    checkpoint_every: int = config_schema.default(_SECTION, "checkpoint_every")
    # Fractions of the timing variant's ranges for the stages before the full task
    # (tdnms.curriculum); None trains on the task as configured.
    curriculum: tuple[float, ...] | None = config_schema.default(_SECTION, "curriculum", tuple)
    # Training-recipe levers (docs/model-and-training.md, "Training recipe").
    criterion_mse_window: int = config_schema.default(_SECTION, "criterion_mse_window")
    learning_rate_half_life: int | None = config_schema.default(_SECTION, "learning_rate_half_life")
    noise_ramp_steps: int = config_schema.default(_SECTION, "noise_ramp_steps")
    noise_levels: tuple[float, ...] | None = config_schema.default(_SECTION, "noise_levels", tuple)
    noise_free_fraction: float = config_schema.default(_SECTION, "noise_free_fraction")

    def __post_init__(self):
        section = asdict(self)
        for key in ("curriculum", "noise_levels"):
            if section[key] is not None:
                section[key] = list(section[key])  # the schema's arrays are lists
        checked = config_schema.check_section("training", section)
        for name, value in checked.items():
            object.__setattr__(self, name, tuple(value) if isinstance(value, list) else value)
        self._check_noise_levels()

    def _check_noise_levels(self) -> None:
        levels = self.noise_levels
        if levels is None:
            return
        if list(levels) != sorted(set(levels)) or levels[-1] != 1:
            raise ValueError(f"training.noise_levels: expected increasing fractions ending with 1, got {list(levels)}")
        if self.noise_ramp_steps:
            raise ValueError("training.noise_levels: not together with training.noise_ramp_steps (use one of them)")

    def met(self, validation_mse: float, accuracy: dict[str, float]) -> bool:
        """Whether one validation evaluation meets the criterion.

        ``validation_mse`` is the value the MSE criterion applies to: the mean of
        the last ``criterion_mse_window`` evaluations' MSEs (:meth:`criterion_mse_value`).
        """
        ok = min(accuracy.values()) >= self.criterion_accuracy
        return ok and (self.criterion_mse is None or validation_mse <= self.criterion_mse)

    def criterion_mse_value(self, validation_mses: list[float]) -> float:
        """Mean of the last ``criterion_mse_window`` validation MSEs (all of them if fewer).

        Averaging over evaluations keeps one noisy evaluation from resetting the
        streak when the validation MSE hovers around ``criterion_mse``.
        """
        return float(np.mean(validation_mses[-self.criterion_mse_window :]))

    def optimizer_learning_rate(self):
        """The optimizer's learning rate: ``learning_rate``, halved every
        ``learning_rate_half_life`` steps when that is set (smoothly:
        ``lr * 0.5 ** (step / half_life)``), as a Keras schedule driven by the
        optimizer's step counter (restored on resume)."""
        if self.learning_rate_half_life is None:
            return self.learning_rate
        import keras

        return keras.optimizers.schedules.ExponentialDecay(self.learning_rate, self.learning_rate_half_life, 0.5)

    def noise_scale(self, step: int, batch: int, level: float = 1.0) -> np.ndarray:
        """Per-sequence factor (batch,) on the private noise at ``step`` (0-based).

        ``level`` (the current ``noise_levels`` fraction, 1 without them) times
        ``min(1, (step + 1) / noise_ramp_steps)`` (the noise ramps up linearly to
        the model's ``noise_std``; 1 without a ramp), and 0 for the first
        ``round(noise_free_fraction * batch)`` sequences of the batch (trained
        noise-free, as the network is judged). A pure function of its arguments.
        """
        ramp = 1.0 if self.noise_ramp_steps == 0 else min(1.0, (step + 1) / self.noise_ramp_steps)
        scale = np.full(batch, np.float32(level) * np.float32(ramp), dtype=np.float32)
        scale[: int(round(self.noise_free_fraction * batch))] = 0.0
        return scale

    @classmethod
    def from_config(cls, section: dict | None) -> "TrainConfig":
        """From a (possibly partial) ``training`` section; unknown keys raise ``ValueError``."""
        return cls(**config_schema.check_section("training", section))


def _network_kwargs(network: dict) -> dict:
    # gamma is the sweep point's and fused a test switch: build_network's arguments that
    # are not fields of the model section; the schema checks and completes the rest.
    extra = {key: network[key] for key in ("gamma", "fused") if key in network}
    section = {key: value for key, value in network.items() if key not in extra}
    return {**config_schema.check_section("model", section), **extra}


class _Progress:
    """Readable progress lines, at most one every ``interval`` seconds."""

    def __init__(self, label: str, max_steps: int, stream=sys.stdout, interval: float = 2.0):
        self.label, self.max_steps, self.stream, self.interval = label, max_steps, stream, interval
        self.last = -math.inf

    def __call__(self, step, wall, loss, accuracy=None, force=False):
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        acc = "-" if accuracy is None else " ".join(f"{k} {v:.2f}" for k, v in accuracy.items())
        print(
            f"[{self.label}] step {step:>5}/{self.max_steps}  loss {loss:.4f}  val acc {acc}  ({wall:.1f} s)",
            file=self.stream,
            flush=True,
        )


class Checkpointer:
    """Model + optimizer (``checkpoint.keras``) and run state (``state.json``) in ``directory``.

    ``run_id`` identifies the run (network, training config, seed, noise
    generator and batch shard count); a checkpoint of another run is ignored. ``directory=None``
    disables checkpointing.
    """

    def __init__(self, directory, run_id: str, label: str, stream=sys.stdout):
        self.run_id, self.label, self.stream = run_id, label, stream
        self.model_path = self.state_path = None
        if directory is not None:
            self.model_path, self.state_path = Path(directory) / "checkpoint.keras", Path(directory) / "state.json"

    def restore(self, model, optimizer) -> tuple[int, float, list[dict]]:
        """Load a matching checkpoint into ``model`` and ``optimizer``; ``(step, wall_seconds, history)``."""
        if self.model_path is None or not (self.model_path.exists() and self.state_path.exists()):
            return 0, 0.0, []
        import keras

        state = json.loads(self.state_path.read_text())
        if state.get("run_id") != self.run_id:
            self._say(f"ignoring checkpoint of a different run ({self.state_path})")
            return 0, 0.0, []
        restored = keras.models.load_model(self.model_path, compile=True, safe_mode=True)
        model.set_weights(restored.get_weights())
        for mine, theirs in zip(optimizer.variables, restored.optimizer.variables):
            mine.assign(theirs)
        self._say(f"resumed from checkpoint at step {state['step']}")
        return state["step"], state["wall_seconds"], state["history"]

    def save(self, model, step: int, wall_seconds: float, history: list[dict]) -> None:
        if self.model_path is None:
            return
        save_model(model, self.model_path)
        state = {"run_id": self.run_id, "step": step, "wall_seconds": wall_seconds, "history": history}
        tmp_state = tables.atomic_path(self.state_path)
        tmp_state.write_text(json.dumps(state))
        os.replace(tmp_state, self.state_path)

    def _say(self, message: str) -> None:
        print(f"[{self.label}] {message}", file=self.stream, flush=True)


class Evaluator:
    """Noise-free validation scoring and the consecutive-evaluation criterion streak.

    ``evaluator(step)`` (``step``: training steps done) returns the validation
    columns of a history row (``validation_mse``, ``accuracy_<type>``,
    ``criterion_streak``, ``noise_stage``) and updates :attr:`reached`. No
    evaluation counts towards the criterion before the private noise is at its
    full level: ramped up (``step >= noise_ramp_steps``) and at the last of the
    ``noise_levels``. With ``noise_levels``, an evaluation below the last level
    at which every trial type reaches ``criterion_accuracy`` moves training to
    the next (:attr:`noise_level`); the MSE criterion applies at full noise.
    """

    def __init__(self, model, validation_set: TrialSet, config: TrainConfig, history: list[dict] = ()):
        """``history``: the rows so far (a resumed run), to continue the streak, the MSE window and the noise stage."""
        self.model, self.validation_set, self.config = model, validation_set, config
        evaluated = [r for r in history if "criterion_streak" in r]
        self.streak = evaluated[-1]["criterion_streak"] if evaluated else 0
        self.stage = int(evaluated[-1].get("noise_stage", 0)) if evaluated else 0
        self.mses = [r["validation_mse"] for r in evaluated]
        self.reached = self.streak >= config.criterion_patience

    @property
    def noise_level(self) -> float:
        """The fraction of ``noise_std`` that training steps use now (1 without ``noise_levels``)."""
        levels = self.config.noise_levels
        return 1.0 if levels is None else float(levels[self.stage])

    def score(self) -> tuple[float, dict[str, float]]:
        """``(validation MSE, accuracy per trial type)`` of the model now."""
        scored = score.score_outputs(predict(self.model, self.validation_set.inputs), self.validation_set)
        return float(scored["mse"].mean()), score.accuracy_by_type(scored)

    def __call__(self, step: int) -> dict:
        val_mse, accuracy = self.score()
        self.mses.append(val_mse)
        met = self.config.met(self.config.criterion_mse_value(self.mses), accuracy)
        last_stage = self.config.noise_levels is None or self.stage == len(self.config.noise_levels) - 1
        full_noise = step >= self.config.noise_ramp_steps and last_stage
        self.streak = self.streak + 1 if met and full_noise else 0
        self.reached = self.streak >= self.config.criterion_patience
        if not last_stage and min(accuracy.values()) >= self.config.criterion_accuracy:
            self.stage += 1  # accuracy alone: the MSE criterion waits for full noise
        row = {"validation_mse": val_mse, **{f"accuracy_{k}": v for k, v in accuracy.items()}}
        row["criterion_streak"], row["noise_stage"] = self.streak, self.stage
        return row


def _build(network: dict, config: TrainConfig, n_inputs: int, seed: int, initial_weights=None):
    """The seeded network (or ``initial_weights`` in it) and its built Keras Adam (tied to the model for saving)."""
    import keras

    from .model import build_network

    keras.utils.set_random_seed(seed)
    model = build_network(seed=seed, n_inputs=n_inputs, **network)
    if initial_weights is not None:
        model.set_weights(initial_weights)
    optimizer = keras.optimizers.Adam(learning_rate=config.optimizer_learning_rate(), global_clipnorm=config.clip_norm)
    model.compile(optimizer=optimizer)
    optimizer.build(model.trainable_variables)
    return model, optimizer


def train(
    network: dict,
    config: TrainConfig,
    train_set: TrialSet,
    validation_set: TrialSet,
    seed: int,
    checkpoint_dir: str | os.PathLike | None = None,
    label: str | None = None,
    stream=sys.stdout,
    initial_weights: list[np.ndarray] | None = None,
):
    """Train one network. Returns ``(model, history DataFrame, reached_criterion)``.

    ``network`` holds the ``model`` config section (units, gamma, noise_std, ...).
    With ``checkpoint_dir`` set, an existing checkpoint made with the same
    network, training config, seed and batch shard count (:func:`default_shards`)
    is resumed. ``initial_weights`` (as from ``model.get_weights()``) replace the
    seeded initial weights: a curriculum stage continues from the previous
    stage's network.
    """
    from .model import rnn_layer

    network = _network_kwargs(network)
    gamma = network.get("gamma")
    label = label or f"gamma={gamma} seed={seed}"
    run = {"model": network, "training": asdict(config), "seed": seed, "noise": NOISE_ALGORITHM}
    shards = default_shards()  # one count for the step, its noise stream and the run id
    if shards > 1:  # the shard count changes the noise stream: no resuming across it (1: ids as before)
        run["shards"] = shards
    run_id = tables.config_hash(run)
    if initial_weights is not None:
        digest = hashlib.sha256(b"".join(np.ascontiguousarray(w).tobytes() for w in initial_weights))
        run_id = tables.config_hash({"run": run_id, "initial_weights": digest.hexdigest()})
    checkpointer = Checkpointer(checkpoint_dir, run_id, label, stream)
    model, optimizer = _build(network, config, train_set.inputs.shape[-1], seed, initial_weights)
    start_step, wall_offset, history = checkpointer.restore(model, optimizer)
    evaluator = Evaluator(model, validation_set, config, history)

    cell = rnn_layer(model).cell
    noisy = cell.noise_std > 0
    train_step = make_train_step(model, optimizer, noisy, shards=shards)
    n_train = train_set.n_sequences
    batch = min(config.batch_size, n_train)
    noise = NoiseStream(seed, (train_set.inputs.shape[1], batch, cell.units), shards) if noisy else None
    progress = _Progress(label, config.max_steps, stream)
    t0 = time.perf_counter() - wall_offset
    step = start_step
    while step < config.max_steps and not evaluator.reached:
        idx = batch_indices(seed, step, n_train, batch)
        batch_tm = (time_major(train_set.inputs[idx]), time_major(train_set.targets[idx]))
        level = evaluator.noise_level
        loss, mse = (
            train_step(*batch_tm, noise(step), config.noise_scale(step, batch, level))
            if noisy
            else train_step(*batch_tm)
        )
        loss = float(loss)
        step += 1
        if not math.isfinite(loss):
            raise TrainingDiverged(
                f"training diverged: loss is {loss} at step {step} (gamma={gamma}, seed={seed}); "
                "try a lower training.learning_rate or a clip_norm"
            )
        row = {"step": step, "loss": loss, "train_mse": float(mse), "noise_level": level}
        evaluate = step % config.eval_every == 0 or step == config.max_steps
        if evaluate:
            row.update(evaluator(step))
        row["wall_seconds"] = time.perf_counter() - t0
        row["reached"] = evaluator.reached
        history.append(row)
        accuracy = {k[len("accuracy_") :]: v for k, v in row.items() if k.startswith("accuracy_")} if evaluate else None
        progress(step, row["wall_seconds"], loss, accuracy, force=evaluator.reached)
        if step % config.checkpoint_every == 0 and not evaluator.reached:
            checkpointer.save(model, step, row["wall_seconds"], history)

    status = "reached criterion" if evaluator.reached else "stopped at max_steps without reaching criterion"
    print(f"[{label}] {status} after {step} steps, {time.perf_counter() - t0:.1f} s", file=stream, flush=True)
    return model, history_frame(history, validation_set.spec.draw), evaluator.reached


def history_frame(history: list[dict], trial_types) -> pd.DataFrame:
    """The per-step history with fixed columns (validation columns NaN between evaluations)."""
    columns = ["step", "loss", "train_mse", "validation_mse"] + [f"accuracy_{t}" for t in sorted(trial_types)]
    frame = pd.DataFrame(history).reindex(columns=columns + ["noise_level", "wall_seconds", "reached"])
    frame["step"] = frame["step"].astype(np.int64)
    frame["reached"] = frame["reached"].fillna(False).astype(bool)
    for c in frame.columns:
        if c not in ("step", "reached"):
            frame[c] = frame[c].astype(np.float64)
    return frame


def save_model(model, path, meta: dict | None = None) -> None:
    """Save a ``.keras`` file atomically (a crash never leaves a half-written model).

    ``meta`` (provenance) is stored as an extra archive entry that Keras ignores.
    """
    import zipfile

    from .provenance import KERAS_ENTRY

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tables.atomic_path(path).with_suffix(".keras")
    model.save(tmp)
    if meta is not None:
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(KERAS_ENTRY, json.dumps(meta, sort_keys=True, default=str))
    os.replace(tmp, path)
