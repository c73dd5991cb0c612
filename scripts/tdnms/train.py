"""Batched, seeded, resumable training to a behavioural criterion.

The loop is a plain ``tf.function`` step over mini-batches drawn from the
training set (reshuffled each epoch from ``(seed, epoch)``), with Adam. Every
``eval_every`` steps the validation set is scored noise-free; training stops
when every trial type reaches ``criterion_accuracy`` or at ``max_steps``.

Reproducibility: initial weights, the private noise and the batch order all
derive from ``seed`` (the noise and batch order of a step are pure functions of
``(seed, step)``); TensorFlow runs with op determinism on. A checkpoint (model +
optimizer, a ``.keras`` file, plus the history so far) is written every
``checkpoint_every`` steps, so a killed run resumes and ends with the same
weights as an uninterrupted one.

Speed: the step runs time-major on the fused kernel (:func:`tdnms.model.training_loss`)
and the private noise is drawn by NumPy on a helper thread one step ahead, so its
drawing overlaps the previous step's TensorFlow work (TensorFlow's own Gaussian
sampler took a third of the step time).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import config as config_schema
from . import score, tables
from .task import TrialSet


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


# Purposes of the per-step random streams derived from a model seed.
BATCH_ORDER, PRIVATE_NOISE = 0, 1


def step_rng(seed: int, purpose: int, index: int) -> np.random.Generator:
    """The generator for one ``purpose`` (batch order, noise) at one epoch or step."""
    return np.random.default_rng([seed, purpose, index])


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """Order of the training sequences in ``epoch``: reshuffled each epoch from the seed."""
    return step_rng(seed, BATCH_ORDER, epoch).permutation(n)


class NoiseStream:
    """Standard-normal private noise (T, B, units) for each training step.

    The noise of step ``s`` is a pure function of ``(seed, s)``, so a resumed run
    draws what the uninterrupted run drew. The next step's noise is drawn on a
    helper thread while TensorFlow runs the current step (NumPy releases the GIL
    while it fills the array).
    """

    def __init__(self, seed: int, shape: tuple[int, int, int]):
        self.seed, self.shape = int(seed), tuple(int(n) for n in shape)
        self._pending: tuple[int, threading.Thread, dict] | None = None

    def draw(self, step: int) -> np.ndarray:
        return step_rng(self.seed, PRIVATE_NOISE, step).standard_normal(self.shape, dtype=np.float32)

    def _start(self, step: int) -> None:
        box: dict = {}
        thread = threading.Thread(target=lambda: box.setdefault("noise", self.draw(step)), daemon=True)
        thread.start()
        self._pending = (step, thread, box)

    def __call__(self, step: int) -> np.ndarray:
        """Noise of ``step``; starts drawing that of ``step + 1``."""
        noise = None
        if self._pending is not None:
            pending_step, thread, box = self._pending
            thread.join()
            if pending_step == step:
                noise = box["noise"]
        if noise is None:
            noise = self.draw(step)
        self._start(step + 1)
        return noise


def make_train_step(model, optimizer, noisy: bool):
    """The compiled training step ``(inputs_tm, targets_tm[, noise_tm]) -> (loss, mse)``."""
    import tensorflow as tf

    from .model import training_loss

    def step(inputs_tm, targets_tm, noise_tm=None):
        with tf.GradientTape() as tape:
            loss, mse = training_loss(model, inputs_tm, targets_tm, noise_tm)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(grads, model.trainable_variables)
        return loss, mse

    if noisy:
        return tf.function(step, reduce_retracing=True)
    return tf.function(lambda inputs_tm, targets_tm: step(inputs_tm, targets_tm), reduce_retracing=True)


def time_major(batch: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(batch.transpose(1, 0, 2))


_DEFAULTS = config_schema.section_defaults("training")


@dataclass(frozen=True)
class TrainConfig:
    """The ``training`` config section.

    Field defaults are the schema's (``schemas/config.schema.yaml``); construction
    checks every field against the schema (``ValueError`` naming the field) and
    converts integers written as floats.
    """

    batch_size: int = _DEFAULTS["batch_size"]
    learning_rate: float = _DEFAULTS["learning_rate"]
    clip_norm: float | None = _DEFAULTS["clip_norm"]
    max_steps: int = _DEFAULTS["max_steps"]
    eval_every: int = _DEFAULTS["eval_every"]
    criterion_accuracy: float = _DEFAULTS["criterion_accuracy"]
    criterion_mse: float | None = _DEFAULTS["criterion_mse"]
    criterion_patience: int = _DEFAULTS["criterion_patience"]
    checkpoint_every: int = _DEFAULTS["checkpoint_every"]
    # Fractions of the timing variant's ranges for the stages before the full task
    # (tdnms.curriculum); None trains on the task as configured.
    curriculum: tuple[float, ...] | None = _DEFAULTS["curriculum"]

    def __post_init__(self):
        section = asdict(self)
        if section["curriculum"] is not None:
            section["curriculum"] = list(section["curriculum"])  # the schema's arrays are lists
        checked = config_schema.check_section("training", section)
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        if self.curriculum is not None:
            object.__setattr__(self, "curriculum", tuple(self.curriculum))

    def met(self, validation_mse: float, accuracy: dict[str, float]) -> bool:
        """Whether one validation evaluation meets the criterion."""
        ok = min(accuracy.values()) >= self.criterion_accuracy
        return ok and (self.criterion_mse is None or validation_mse <= self.criterion_mse)

    @classmethod
    def from_config(cls, section: dict | None) -> "TrainConfig":
        """From a (possibly partial) ``training`` section; unknown keys raise ``ValueError``."""
        return cls(**config_schema.check_section("training", section))


def configure_tensorflow(threads: int = 2, deterministic: bool = True) -> None:
    """Thread counts and determinism; call before TensorFlow runs any op."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(int(threads))
    except RuntimeError:
        pass  # already initialised in this process (tests); keep the existing pool
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def _network_kwargs(network: dict) -> dict:
    allowed = {"units", "gamma", "noise_std", "weight_l2", "activity_l2", "noise_at_inference", "fused"}
    unknown = sorted(set(network) - allowed)
    if unknown:
        raise ValueError(f"model: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    return dict(network)


def predict(model, inputs: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Noise-free (unless the model says otherwise) outputs (n, T) for ``inputs`` (n, T, 2)."""
    outs = [
        np.asarray(model(inputs[i : i + batch_size], training=False))[..., 0]
        for i in range(0, len(inputs), batch_size)
    ]
    return np.concatenate(outs, axis=0)


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
    network, training config and seed is resumed. ``initial_weights`` (as from
    ``model.get_weights()``) replace the seeded initial weights: a curriculum
    stage continues from the previous stage's network.
    """
    import keras
    import tensorflow as tf

    from .model import build_network, rnn_layer

    network = _network_kwargs(network)
    gamma = network.get("gamma")
    label = label or f"gamma={gamma} seed={seed}"
    run_id = tables.config_hash({"model": network, "training": asdict(config), "seed": seed})
    if initial_weights is not None:
        digest = hashlib.sha256(b"".join(np.ascontiguousarray(w).tobytes() for w in initial_weights))
        run_id = tables.config_hash({"run": run_id, "initial_weights": digest.hexdigest()})

    keras.utils.set_random_seed(seed)
    model = build_network(seed=seed, n_inputs=train_set.inputs.shape[-1], **network)
    if initial_weights is not None:
        model.set_weights(initial_weights)
    optimizer = keras.optimizers.Adam(
        learning_rate=config.learning_rate, global_clipnorm=config.clip_norm
    )
    model.compile(optimizer=optimizer)  # ties the optimizer to the model for saving/loading
    optimizer.build(model.trainable_variables)

    history: list[dict] = []
    start_step, wall_offset = 0, 0.0
    ckpt_model = ckpt_state = None
    if checkpoint_dir is not None:
        checkpoint_dir = Path(checkpoint_dir)
        ckpt_model, ckpt_state = checkpoint_dir / "checkpoint.keras", checkpoint_dir / "state.json"
        if ckpt_model.exists() and ckpt_state.exists():
            state = json.loads(ckpt_state.read_text())
            if state.get("run_id") == run_id:
                restored = keras.models.load_model(ckpt_model, compile=True, safe_mode=True)
                model.set_weights(restored.get_weights())
                for mine, theirs in zip(optimizer.variables, restored.optimizer.variables):
                    mine.assign(theirs)
                start_step, wall_offset = state["step"], state["wall_seconds"]
                history = state["history"]
                print(f"[{label}] resumed from checkpoint at step {start_step}", file=stream, flush=True)
            else:
                print(f"[{label}] ignoring checkpoint of a different run ({ckpt_state})", file=stream, flush=True)

    cell = rnn_layer(model).cell
    noisy = cell.noise_std > 0
    train_step = make_train_step(model, optimizer, noisy)

    @tf.function(reduce_retracing=True)
    def eval_outputs(x):
        return model(x, training=False)

    def evaluate():
        outs = np.concatenate(
            [np.asarray(eval_outputs(validation_set.inputs[i : i + 256])) for i in range(0, validation_set.n_sequences, 256)]
        )
        scored = score.score_outputs(outs, validation_set)
        return float(scored["mse"].mean()), score.accuracy_by_type(scored)

    def save_checkpoint(step, wall):
        if ckpt_model is None:
            return
        save_model(model, ckpt_model)
        state = {"run_id": run_id, "step": step, "wall_seconds": wall, "history": history}
        tmp_state = tables.atomic_path(ckpt_state)
        tmp_state.write_text(json.dumps(state))
        os.replace(tmp_state, ckpt_state)

    n_train = train_set.n_sequences
    batch = min(config.batch_size, n_train)
    steps_per_epoch = n_train // batch
    progress = _Progress(label, config.max_steps, stream)
    t0 = time.perf_counter() - wall_offset
    reached = bool(history) and history[-1].get("reached", False)
    streak = next((r["criterion_streak"] for r in reversed(history) if "criterion_streak" in r), 0)
    noise = NoiseStream(seed, (train_set.inputs.shape[1], batch, cell.units)) if noisy else None
    step = start_step
    while step < config.max_steps and not reached:
        epoch, within = divmod(step, steps_per_epoch)
        idx = np.sort(epoch_order(seed, epoch, n_train)[within * batch : (within + 1) * batch])
        batch_tm = (time_major(train_set.inputs[idx]), time_major(train_set.targets[idx]))
        loss, mse = train_step(*batch_tm, noise(step)) if noisy else train_step(*batch_tm)
        loss = float(loss)
        step += 1
        if not math.isfinite(loss):
            raise TrainingDiverged(
                f"training diverged: loss is {loss} at step {step} (gamma={gamma}, seed={seed}); "
                "try a lower training.learning_rate or a clip_norm"
            )
        row = {"step": step, "loss": loss, "train_mse": float(mse)}
        accuracy = None
        if step % config.eval_every == 0 or step == config.max_steps:
            val_mse, accuracy = evaluate()
            row["validation_mse"] = val_mse
            row.update({f"accuracy_{k}": v for k, v in accuracy.items()})
            streak = streak + 1 if config.met(val_mse, accuracy) else 0
            row["criterion_streak"] = streak
            reached = streak >= config.criterion_patience
        row["wall_seconds"] = time.perf_counter() - t0
        row["reached"] = reached
        history.append(row)
        progress(step, row["wall_seconds"], loss, accuracy, force=reached)
        if step % config.checkpoint_every == 0 and not reached:
            save_checkpoint(step, row["wall_seconds"])

    status = "reached criterion" if reached else "stopped at max_steps without reaching criterion"
    print(f"[{label}] {status} after {step} steps, {time.perf_counter() - t0:.1f} s", file=stream, flush=True)
    return model, history_frame(history, validation_set.spec.draw), reached


def history_frame(history: list[dict], trial_types) -> pd.DataFrame:
    """The per-step history with fixed columns (validation columns NaN between evaluations)."""
    columns = ["step", "loss", "train_mse", "validation_mse"] + [f"accuracy_{t}" for t in sorted(trial_types)]
    frame = pd.DataFrame(history).reindex(columns=columns + ["wall_seconds", "reached"])
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
