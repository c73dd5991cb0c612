"""The compiled training step and the private-noise stream it draws from.

One step is a single XLA-compiled TensorFlow function: draw the step's private
noise (T, B, units), run the time-major forward pass and the hand-written
backward pass of the fused kernel (:func:`tdnms.model.training_loss`), clip the
gradients and apply the Keras Adam update. Nothing crosses back to Python but
the loss and the MSE.

The noise of step ``s`` is ``standard normal (T, B, units)`` drawn by the
counter-based ``threefry`` generator from the key ``(seed, s)``: a pure function
of the model seed and the step, so a resumed run draws what the uninterrupted
run drew. ``threefry`` runs only under XLA, which is why the draw lives inside
the compiled step (:func:`draw_noise` compiles a standalone draw for tests).
"""

from __future__ import annotations

import numpy as np

NOISE_ALGORITHM = "threefry"


def noise_key(seed: int, step: int) -> np.ndarray:
    """The stateless-generator key ``[seed, step]`` (int64, shape (2,)) of one step's noise."""
    return np.array([int(seed), int(step)], dtype=np.int64)


def _normal(key, shape, dtype="float32"):
    import tensorflow as tf

    return tf.random.stateless_normal(shape, seed=key, dtype=dtype, alg=NOISE_ALGORITHM)


_draw_compiled: dict = {}


def draw_noise(key, shape: tuple[int, ...]) -> np.ndarray:
    """The standard-normal noise (float32, ``shape``) the training step draws for ``key``."""
    import tensorflow as tf

    shape = tuple(int(n) for n in shape)
    fn = _draw_compiled.get(shape)
    if fn is None:
        fn = _draw_compiled[shape] = tf.function(lambda k: _normal(k, shape), jit_compile=True)
    return np.asarray(fn(tf.constant(key, dtype=tf.int64)))


class NoiseStream:
    """The private-noise keys of one training run, step by step.

    ``stream(step)`` and ``stream.draw(step)`` both return the key
    ``[seed, step]`` that the compiled step (:func:`make_train_step`) turns into
    standard-normal noise of ``shape`` (T, B, units); :meth:`sample` realises that
    noise as an array (for tests and checks, not needed for training).
    """

    def __init__(self, seed: int, shape: tuple[int, int, int]):
        self.seed, self.shape = int(seed), tuple(int(n) for n in shape)

    def draw(self, step: int) -> np.ndarray:
        return noise_key(self.seed, step)

    __call__ = draw

    def sample(self, step: int) -> np.ndarray:
        return draw_noise(self.draw(step), self.shape)


def make_train_step(model, optimizer, noisy: bool, unroll: int = 1):
    """The compiled step ``(inputs_tm, targets_tm[, key]) -> (loss, mse)``.

    ``inputs_tm`` (T, B, n_inputs) and ``targets_tm`` (T, B, 1) float32,
    time-major; ``key`` the int64 (2,) noise key of the step (:func:`noise_key`),
    required when ``noisy`` and not accepted otherwise. The optimizer's update is
    part of the compiled function; ``unroll`` time steps run per loop iteration
    (1 is fastest under XLA).
    """
    import tensorflow as tf

    from .model import rnn_layer, training_loss

    units = rnn_layer(model).cell.units
    variables = model.trainable_variables

    def step(inputs_tm, targets_tm, noise_tm):
        with tf.GradientTape() as tape:
            loss, mse = training_loss(model, inputs_tm, targets_tm, noise_tm, unroll=unroll)
        optimizer.apply(tape.gradient(loss, variables), variables)
        return loss, mse

    if noisy:

        def noisy_step(inputs_tm, targets_tm, key):
            shape = tf.concat([tf.shape(inputs_tm)[:2], [units]], axis=0)
            return step(inputs_tm, targets_tm, _normal(key, shape, inputs_tm.dtype))

        compiled = tf.function(noisy_step, jit_compile=True, reduce_retracing=True)
        return lambda inputs_tm, targets_tm, key: compiled(inputs_tm, targets_tm, tf.constant(key, tf.int64))
    return tf.function(lambda inputs_tm, targets_tm: step(inputs_tm, targets_tm, None), jit_compile=True)
