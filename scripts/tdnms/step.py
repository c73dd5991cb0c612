"""The compiled training step and the private-noise stream it draws from.

A step draws its private noise (T, B, units), runs the time-major forward pass
and the hand-written backward pass of the fused kernel
(:func:`tdnms.model.training_loss`), clips the gradients and applies the Keras
Adam update, all XLA-compiled; nothing crosses back to Python but the loss and
the MSE. With one thread that is one compiled function. With more, the batch is
split into one shard per thread whose noise, forward and backward passes run as
concurrent compiled functions, followed by one compiled update: the per-time-step
matrix products of one small batch leave a second core idle otherwise.

The noise of step ``s`` is ``standard normal (T, B, units)`` drawn by the
counter-based ``threefry`` generator from the key ``(seed, s)`` (batch shard
``j`` from ``(seed, s + j * SHARD_STRIDE)``): a pure function of the model seed,
the step and the shard count, so a resumed run draws what the uninterrupted run
drew. ``threefry`` runs only under XLA, which is why the draw lives inside the
compiled step (:func:`draw_noise` compiles a standalone draw for tests).
"""

from __future__ import annotations

import numpy as np

NOISE_ALGORITHM = "threefry"


# threefry keeps only the low 32 bits of each key word, so batch shard j's keys
# [seed, step + j * SHARD_STRIDE] stay distinct only while j * SHARD_STRIDE + step
# < 2**32: 32 shards of 2**27 steps each (training.max_steps allows at most 1e8).
SHARD_STRIDE = 2**27
MAX_SHARDS = 32


def noise_key(seed: int, step: int) -> np.ndarray:
    """The stateless-generator key ``[seed, step]`` (int64, shape (2,)) of one step's noise.

    Raises ``ValueError`` unless ``0 <= seed < 2**32`` and ``0 <= step < SHARD_STRIDE``
    (larger values would alias other keys).
    """
    if not 0 <= int(seed) < 2**32 or not 0 <= int(step) < SHARD_STRIDE:
        raise ValueError(f"noise key: need 0 <= seed < 2**32 and 0 <= step < {SHARD_STRIDE}, got {seed}, {step}")
    return np.array([int(seed), int(step)], dtype=np.int64)


def default_shards() -> int:
    """Batch shards of a step: TensorFlow's intra-op thread count (1 if unset), at most ``MAX_SHARDS``."""
    import tensorflow as tf

    return min(MAX_SHARDS, max(1, int(tf.config.threading.get_intra_op_parallelism_threads())))


def shard_offset(shard: int) -> np.ndarray:
    """What batch shard ``shard`` adds to the step's key: ``[0, shard * SHARD_STRIDE]`` (int64)."""
    return np.array([0, int(shard) * SHARD_STRIDE], dtype=np.int64)


def shard_sizes(batch: int, shards: int) -> list[int]:
    """Sizes of the contiguous parts of a batch: ``shards`` of them (capped to [1, batch]), larger first."""
    shards = max(1, min(int(shards), int(batch)))
    return [len(part) for part in np.array_split(np.arange(int(batch)), shards)]


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
    standard-normal noise of ``shape`` (T, B, units), each batch shard from its own
    key; :meth:`sample` realises that noise as an array (for tests and checks, not
    needed for training). ``shards`` must match the step's (default: :func:`default_shards`).
    """

    def __init__(self, seed: int, shape: tuple[int, int, int], shards: int | None = None):
        self.seed, self.shape = int(seed), tuple(int(n) for n in shape)
        self.shards = default_shards() if shards is None else int(shards)

    def draw(self, step: int) -> np.ndarray:
        return noise_key(self.seed, step)

    __call__ = draw

    def sample(self, step: int) -> np.ndarray:
        """The (T, B, units) noise of ``step``: shard j's draw from its key, concatenated along B."""
        t, batch, units = self.shape
        key = self.draw(step)
        parts = [
            draw_noise(key + shard_offset(j), (t, size, units))
            for j, size in enumerate(shard_sizes(batch, self.shards))
        ]
        return np.concatenate(parts, axis=1)


def make_train_step(model, optimizer, noisy: bool, unroll: int = 1, shards: int | None = None):
    """The training step ``(inputs_tm, targets_tm[, key[, noise_scale]]) -> (loss, mse)``.

    ``inputs_tm`` (T, B, n_inputs) and ``targets_tm`` (T, B, 1) float32,
    time-major; ``key`` the int64 (2,) noise key of the step (:func:`noise_key`),
    required when ``noisy`` and not accepted otherwise; ``noise_scale`` (B,)
    multiplies each sequence's noise (default all ones: the model's
    ``noise_std``). ``unroll`` time steps run per loop iteration (1 is fastest
    under XLA).

    ``shards`` (default :func:`default_shards`, one per thread) splits the batch
    into contiguous parts whose forward and backward passes run as separate
    compiled functions, concurrently on TensorFlow's inter-op threads; shard j
    draws its noise from ``key + shard_offset(j)``. The loss and gradients
    are the shard-size-weighted means, which equal the whole batch's (the loss is
    a per-sequence mean plus weight penalties). One compiled function then clips
    and applies the Adam update. With ``shards=1`` the whole step is one compiled
    function. The shard count changes the noise stream, like the thread count
    changes rounding: fix both to reproduce a run.
    """
    import tensorflow as tf

    from .model import rnn_layer, training_loss

    units = rnn_layer(model).cell.units
    variables = model.trainable_variables
    shards = default_shards() if shards is None else int(shards)
    if not 1 <= shards <= MAX_SHARDS:
        raise ValueError(f"make_train_step: shards must lie in [1, {MAX_SHARDS}], got {shards}")

    def loss_and_grads(inputs_tm, targets_tm, key=None, noise_scale=None, batch_size=None):
        noise = None
        if key is not None:
            shape = tf.concat([tf.shape(inputs_tm)[:2], [units]], axis=0)
            noise = _normal(key, shape, inputs_tm.dtype) * noise_scale[None, :, None]
        with tf.GradientTape() as tape:
            loss, mse = training_loss(model, inputs_tm, targets_tm, noise, unroll=unroll, batch_size=batch_size)
        return loss, mse, tape.gradient(loss, variables)

    if shards == 1:
        def whole(*args):
            loss, mse, grads = loss_and_grads(*args)
            optimizer.apply(grads, variables)
            return loss, mse

        return _with_keys(tf.function(whole, jit_compile=True, reduce_retracing=True), noisy)

    return _with_keys(_sharded(loss_and_grads, optimizer, variables, shards), noisy)


def _sharded(loss_and_grads, optimizer, variables, shards: int):
    """``(inputs_tm, targets_tm[, key, noise_scale]) -> (loss, mse)``: the batch in ``shards``
    parts through the compiled ``loss_and_grads`` (concurrently), then one compiled update."""
    import tensorflow as tf

    shard = tf.function(loss_and_grads, jit_compile=True, reduce_retracing=True)

    def update(weights, losses, mses, grads):
        mean = lambda parts: tf.add_n([w * p for w, p in zip(weights, parts)])  # noqa: E731
        optimizer.apply([mean(g) for g in zip(*grads)], variables)
        return mean(losses), mean(mses)

    apply = tf.function(update, jit_compile=True)

    def step(inputs_tm, targets_tm, key=None, noise_scale=None):
        sizes = shard_sizes(inputs_tm.shape[1], shards)
        split = lambda t, axis=1: tf.split(t, sizes, axis=axis)  # noqa: E731
        parts = zip(split(inputs_tm), split(targets_tm))
        batch = sum(sizes)
        if key is None:
            outs = [shard(x, y, batch_size=batch) for x, y in parts]
        else:
            keys = [key + shard_offset(j) for j in range(len(sizes))]
            outs = [shard(x, y, k, s, batch) for (x, y), k, s in zip(parts, keys, split(noise_scale, 0))]
        return apply([size / batch for size in sizes], *map(list, zip(*outs)))

    return tf.function(step)


def _with_keys(compiled, noisy: bool):
    """The step's calling convention: NumPy key and optional noise scale in, tensors to ``compiled``."""
    import tensorflow as tf

    if not noisy:
        return lambda inputs_tm, targets_tm: compiled(inputs_tm, targets_tm)

    def run(inputs_tm, targets_tm, key, noise_scale=None):
        if noise_scale is None:
            noise_scale = np.ones(inputs_tm.shape[1], np.float32)
        return compiled(inputs_tm, targets_tm, tf.constant(key, tf.int64), tf.constant(noise_scale, tf.float32))

    return run
