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


def _sin_cos(x):
    """``(sin x, cos x)`` for float32 ``x`` in [-pi, pi], to about 1e-7.

    Taylor polynomials of the half angle (in [-pi/2, pi/2]: truncation error below
    6e-8) and the double-angle formulas. XLA:CPU's own sin and cos took four times
    as long as everything else in the noise draw together.
    """
    t = 0.5 * x
    t2 = t * t
    s = t * (1 + t2 * (-1 / 6 + t2 * (1 / 120 + t2 * (-1 / 5040 + t2 * (1 / 362880 + t2 * (-1 / 39916800))))))
    c = 1 + t2 * (-1 / 2 + t2 * (1 / 24 + t2 * (-1 / 720 + t2 * (1 / 40320 + t2 * (-1 / 3628800 + t2 / 479001600)))))
    return 2 * s * c, c * c - s * s


def _normal(key, shape, dtype="float32"):
    """Standard-normal float32 ``shape`` from ``key``: Box-Muller on threefry bits.

    Two uint32 words per pair of outputs: ``r = sqrt(-2 log u)`` with ``u`` in
    (0, 1] from the first word (tails to about 6.7 sd), ``theta`` uniform in
    [-pi, pi] from the top 24 bits of the second; the pair is ``(r cos theta,
    r sin theta)``, two independent standard normals. The last axis holds the
    cosine half, then the sine half.
    """
    import tensorflow as tf

    shape = tf.convert_to_tensor(shape, tf.int32)
    half = tf.concat([[2], shape[:-1], [(shape[-1] + 1) // 2]], axis=0)
    bits = tf.random.stateless_uniform(half, seed=key, minval=None, maxval=None, dtype=tf.uint32, alg=NOISE_ALGORITHM)
    u = (tf.cast(bits[0], tf.float32) + 0.5) * 2.0**-32
    theta = (tf.cast(tf.bitwise.right_shift(bits[1], tf.constant(8, tf.uint32)), tf.float32) * 2.0**-24 - 0.5) * (
        2 * np.pi
    )
    r = tf.sqrt(-2.0 * tf.math.log(u))
    sin, cos = _sin_cos(theta)
    return tf.cast(tf.concat([r * cos, r * sin], axis=-1)[..., : shape[-1]], dtype)


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
    """The compiled step ``(inputs_tm, targets_tm[, key[, noise_scale]]) -> (loss, mse)``.

    ``inputs_tm`` (T, B, n_inputs) and ``targets_tm`` (T, B, 1) float32,
    time-major; ``key`` the int64 (2,) noise key of the step (:func:`noise_key`),
    required when ``noisy`` and not accepted otherwise; ``noise_scale`` (B,)
    multiplies each sequence's noise (default all ones: the model's
    ``noise_std``). The optimizer's update is part of the compiled function;
    ``unroll`` time steps run per loop iteration (1 is fastest under XLA).
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

        def noisy_step(inputs_tm, targets_tm, key, noise_scale):
            shape = tf.concat([tf.shape(inputs_tm)[:2], [units]], axis=0)
            noise = _normal(key, shape, inputs_tm.dtype) * noise_scale[None, :, None]
            return step(inputs_tm, targets_tm, noise)

        compiled = tf.function(noisy_step, jit_compile=True, reduce_retracing=True)

        def run(inputs_tm, targets_tm, key, noise_scale=None):
            if noise_scale is None:
                noise_scale = np.ones(inputs_tm.shape[1], np.float32)
            return compiled(inputs_tm, targets_tm, tf.constant(key, tf.int64), tf.constant(noise_scale, tf.float32))

        return run
    return tf.function(lambda inputs_tm, targets_tm: step(inputs_tm, targets_tm, None), jit_compile=True)
