"""The noisy leaky RNN, as Keras 3 layers.

Per time step and trial::

    h[t+1] = (1 - gamma) h[t] + gamma tanh(x[t] W_in + h[t] W_rec + b + xi[t])
    y[t]   = h[t+1] W_out + b_out

``xi`` is private Gaussian noise with standard deviation ``noise_std``, drawn
independently per unit, per trial and per step. Weights follow the Keras kernel
convention (row vectors times matrices), so ``W_rec[i, j]`` is the weight from
unit ``i`` to unit ``j``.

:class:`LeakyRNNCell` is the one-step definition and runs under
``keras.layers.RNN`` on any backend. :class:`LeakyRNN` wraps it the way Keras's
LSTM wraps cuDNN: on the TensorFlow backend it runs a fused kernel (input drive
and noise computed for the whole sequence at once, a ``tf.scan`` forward pass and
a hand-written backward pass through time), which computes the same function
as the cell, about 1.5x faster here; tests check both paths agree.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from . import config
from . import initializers  # a module, not its names: it imports keras, whose import hook imports this module

PACKAGE = "tdnms"


def _check_gamma(gamma) -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float, np.floating)) or not 0 < gamma <= 1:
        raise ValueError(f"model.gamma: expected a number in (0, 1], got {gamma!r}")
    return float(gamma)


def _check_noise(noise_std) -> float:
    if isinstance(noise_std, bool) or not isinstance(noise_std, (int, float, np.floating)) or not noise_std >= 0:
        raise ValueError(f"model.noise_std: expected a number >= 0, got {noise_std!r}")
    return float(noise_std)


@keras.saving.register_keras_serializable(package=PACKAGE)
class ActivityL2(keras.regularizers.Regularizer):
    """``coef * mean over (trial, step) of sum over units of a**2``.

    Keras's plain L2 activity penalty sums over every element, so its weight
    would grow with trial length; averaging over trials and steps keeps
    ``coef`` independent of the trial length. Keras 3 then divides every
    activity penalty by the batch size when it records it in ``model.losses``,
    so the term in the training loss is ``coef / batch_size`` times that mean
    (:func:`training_loss` computes the same value).
    """

    def __init__(self, coef: float = 1e-3):
        self.coef = float(coef)

    def __call__(self, x):
        return self.coef * ops.mean(ops.sum(ops.square(x), axis=-1))

    def get_config(self):
        return {"coef": self.coef}


@keras.saving.register_keras_serializable(package=PACKAGE)
class LeakyRNNCell(keras.layers.Layer):
    """One step of the noisy leaky RNN; use it through ``keras.layers.RNN``.

    Args:
        units: number of recurrent units.
        gamma: decay factor in (0, 1]; 1 gives a plain tanh RNN.
        noise_std: standard deviation of the private noise ``xi``.
        noise_at_inference: also add noise when ``training`` is false
            (scoring and analysis normally run noise-free).
        seed: seed of the noise generator.
    """

    def __init__(
        self,
        units: int,
        gamma: float = 0.2,
        noise_std: float = 0.0,
        noise_at_inference: bool = False,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"model.units: expected a positive integer, got {units!r}")
        self.units = int(units)
        self.gamma = _check_gamma(gamma)
        self.noise_std = _check_noise(noise_std)
        self.noise_at_inference = bool(noise_at_inference)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = keras.regularizers.get(recurrent_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        n_inputs = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(n_inputs, self.units),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
        )
        self.bias = self.add_weight(
            shape=(self.units,), name="bias", initializer=self.bias_initializer, regularizer=self.bias_regularizer
        )

    def noise_active(self, training) -> bool:
        return self.noise_std > 0 and (bool(training) or self.noise_at_inference)

    def call(self, inputs, states, training=False):
        h = states[0] if isinstance(states, (list, tuple)) else states
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h, self.recurrent_kernel) + self.bias
        if self.noise_active(training):
            z = z + self.noise_std * keras.random.normal(ops.shape(h), seed=self.seed_generator, dtype=h.dtype)
        h_new = (1.0 - self.gamma) * h + self.gamma * ops.tanh(z)
        return h_new, [h_new]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "gamma": self.gamma,
                "noise_std": self.noise_std,
                "noise_at_inference": self.noise_at_inference,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": keras.regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
                "seed": self.seed,
            }
        )
        return config


def _unroll_factor(n_steps, preferred: int = 5) -> int:
    """Steps per ``tf.scan`` iteration: the largest divisor of ``n_steps`` up to ``preferred``.

    Each scan iteration costs a fixed overhead (loop control, tensor-array reads
    and writes); running a few steps per iteration amortises it (measured on the
    default network: 4 to 40 steps per iteration all cut the forward + backward
    time by about a sixth against 1; 200 was slower). The time axis must be
    static to unroll; a dynamic one runs step by step.
    """
    if n_steps is None:
        return 1
    return next(k for k in range(min(preferred, n_steps), 0, -1) if n_steps % k == 0)


def _batch_outer_sum(a, b):
    """``a^T @ b`` for ``a`` (B, m) and ``b`` (B, n), as XLA's own product and sum over the batch.

    As a matrix product XLA hands this to Eigen, whose accumulation order over
    the batch depends on block sizes taken from the host's caches (an emulated
    CPU with other caches gave other gradients); an elementwise product and a
    reduction are compiled by XLA, the same code on every CPU, and cost about
    the same here (bench/README.md).
    """
    import tensorflow as tf

    return tf.reduce_sum(a[:, :, None] * b[:, None, :], axis=0)


def _fused_leaky_scan(
    inputs_tm, kernel, bias, recurrent_kernel, h0, gamma: float, noise_drive=None, unroll: int | None = None
):
    """Hidden states (T, B, U) of the leaky recurrence, with a hand-written backward pass.

    The drive of step t is ``inputs_tm[t] @ kernel + bias + noise_drive[t]``
    (``inputs_tm`` (T, B, n_in), ``noise_drive`` (T, B, U) or None, already
    scaled). Autodiff through a ``tf.scan`` would store and replay every per-step
    op; the explicit adjoint runs one loop backwards through time. ``unroll``
    steps run in each loop iteration (default: see :func:`_unroll_factor`).

    Gradients flow to ``kernel``, ``bias``, ``recurrent_kernel`` and ``h0`` (none
    to the inputs or the noise). The weight gradients are summed inside the
    backward loop, one time step at a time in a fixed order, and each step's
    sum over the batch is an XLA reduction (:func:`_batch_outer_sum`), never a
    library matrix product: the matrix library's blocking follows the cache
    sizes of the host CPU, and the weights would then depend on the machine.
    """
    import tensorflow as tf

    decay = 1.0 - gamma
    n_steps = inputs_tm.shape[0]
    k = _unroll_factor(n_steps) if unroll is None else int(unroll)
    if n_steps is None or n_steps % k:
        k = 1

    def chunked(t):  # (T, B, U) -> (T / k, k, B, U)
        return tf.reshape(t, tf.concat([[-1, k], tf.shape(t)[1:]], axis=0))

    def unchunked(t):
        return tf.reshape(t, tf.concat([[-1], tf.shape(t)[2:]], axis=0))

    @tf.custom_gradient
    def scan(x, w_in, b, w, h_init, *noise):
        drive = tf.matmul(x, w_in) + b
        if noise:
            drive = drive + noise[0]

        def forward(carry, u):
            h = carry[0]
            hs, acts = [], []
            for i in range(k):
                a = tf.tanh(u[i] + tf.matmul(h, w))
                h = decay * h + gamma * a
                hs.append(h)
                acts.append(a)
            return h, tf.stack(hs), tf.stack(acts)

        empty = tf.zeros(tf.concat([[k], tf.shape(h_init)], axis=0), h_init.dtype)
        _, hs, acts = tf.scan(forward, chunked(drive), initializer=(h_init, empty, empty))
        hs, acts = unchunked(hs), unchunked(acts)

        def grad(d_hs):
            h_prev = tf.concat([h_init[None], hs[:-1]], axis=0)
            d_tanh = gamma * (1.0 - tf.square(acts))
            w_t = tf.transpose(w)

            def backward(carry, inp):
                d_h_next, d_w, d_w_in, d_b = carry
                d_out, dt, h_in, x_in = inp
                for i in reversed(range(k)):
                    d_h = d_out[i] + d_h_next
                    d_z = d_h * dt[i]
                    d_w = d_w + _batch_outer_sum(h_in[i], d_z)
                    d_w_in = d_w_in + _batch_outer_sum(x_in[i], d_z)
                    d_b = d_b + tf.reduce_sum(d_z, axis=0)
                    d_h_next = decay * d_h + tf.matmul(d_z, w_t)
                return d_h_next, d_w, d_w_in, d_b

            init = (tf.zeros_like(h_init), tf.zeros_like(w), tf.zeros_like(w_in), tf.zeros_like(b))
            elems = (chunked(d_hs), chunked(d_tanh), chunked(h_prev), chunked(x))
            d_h0, d_w, d_w_in, d_b = tf.foldr(backward, elems, initializer=init)
            return (None, d_w_in, d_b, d_w, d_h0) + (None,) * len(noise)

        return hs, grad

    # Pass tensors, not variables: the gradient then flows back to each variable
    # through its read, as for any other op.
    weights = [tf.convert_to_tensor(v) for v in (kernel, bias, recurrent_kernel)]
    noise = () if noise_drive is None else (tf.convert_to_tensor(noise_drive),)
    return scan(tf.convert_to_tensor(inputs_tm), *weights[:2], weights[2], tf.convert_to_tensor(h0), *noise)


@keras.saving.register_keras_serializable(package=PACKAGE)
class LeakyRNN(keras.layers.Layer):
    """Sequence layer around :class:`LeakyRNNCell`; returns all hidden states (B, T, units).

    ``fused=True`` uses the fused TensorFlow kernel when the backend is
    TensorFlow and falls back to ``keras.layers.RNN(cell)`` otherwise.
    Accepts the cell's arguments plus ``activity_regularizer``.
    """

    def __init__(self, units: int, fused: bool = True, cell_config: dict | None = None, **kwargs):
        layer_keys = {"name", "dtype", "trainable", "activity_regularizer"}
        layer_kwargs = {k: v for k, v in kwargs.items() if k in layer_keys}
        cell_kwargs = dict(cell_config or {})
        cell_kwargs.update({k: v for k, v in kwargs.items() if k not in layer_keys})
        cell_kwargs.pop("name", None)
        super().__init__(**layer_kwargs)
        self.cell = LeakyRNNCell(units, name="cell", **cell_kwargs)
        self.fused = bool(fused)
        self.rnn = keras.layers.RNN(self.cell, return_sequences=True, name="rnn")

    @property
    def units(self):
        return self.cell.units

    def build(self, input_shape):
        self.cell.build(input_shape)
        self.rnn.build(input_shape)

    def _use_fused(self) -> bool:
        return self.fused and keras.backend.backend() == "tensorflow"

    def call(self, inputs, training=False, initial_state=None):
        cell = self.cell
        if not self._use_fused():
            return self.rnn(inputs, training=training, initial_state=initial_state)
        noise = None
        if cell.noise_active(training):
            # One draw for the whole sequence: independent per unit, trial and step.
            batch, steps = ops.shape(inputs)[0], ops.shape(inputs)[1]
            noise = keras.random.normal((steps, batch, cell.units), seed=cell.seed_generator, dtype=inputs.dtype)
        hs = self.time_major(ops.transpose(inputs, (1, 0, 2)), noise, initial_state)
        return ops.transpose(hs, (1, 0, 2))

    def time_major(self, inputs_tm, noise_tm=None, initial_state=None, unroll: int | None = None):
        """Hidden states (T, B, units) for time-major inputs (T, B, n_inputs) on the fused kernel.

        ``noise_tm`` (T, B, units) is standard-normal noise, scaled here by
        ``noise_std``; None runs noise-free. Training and inference call this
        directly (see :func:`training_loss`, :func:`tdnms.runtime.infer`).
        ``unroll``: time steps per loop iteration (default: :func:`_unroll_factor`).
        """
        cell = self.cell
        noise = cell.noise_std * noise_tm if noise_tm is not None and cell.noise_std > 0 else None
        if initial_state is None:
            initial_state = ops.zeros((ops.shape(inputs_tm)[1], cell.units), dtype=inputs_tm.dtype)
        return _fused_leaky_scan(
            inputs_tm, cell.kernel, cell.bias, cell.recurrent_kernel, initial_state, cell.gamma, noise, unroll=unroll
        )

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.cell.units)

    def get_config(self):
        config = super().get_config()
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype", "units"):
            cell_config.pop(key, None)
        config.update({"units": self.cell.units, "fused": self.fused, "cell_config": cell_config})
        return config


def build_network(
    units: int | None = None,
    gamma: float = 0.2,
    noise_std: float | None = None,
    n_inputs: int = 2,
    weight_l2: float | None = None,
    activity_l2: float | None = None,
    noise_at_inference: bool | None = None,
    fused: bool = True,
    seed: int | None = None,
) -> keras.Model:
    """The tDNMS network: inputs (B, T, n_inputs) -> output (B, T, 1).

    L2 penalties (as in the reference notebook) on the input, recurrent and
    output weights (``weight_l2``) and on hidden and output activity
    (``activity_l2``); Glorot-uniform input and orthogonal recurrent weights,
    drawn from ``seed`` with the same bits on every CPU (:mod:`tdnms.initializers`).
    Arguments left ``None`` take the schema's defaults of the ``model`` section.
    """
    defaults = config.section_defaults("model")
    units = defaults["units"] if units is None else units
    noise_std = defaults["noise_std"] if noise_std is None else noise_std
    weight_l2 = defaults["weight_l2"] if weight_l2 is None else weight_l2
    activity_l2 = defaults["activity_l2"] if activity_l2 is None else activity_l2
    noise_at_inference = defaults["noise_at_inference"] if noise_at_inference is None else noise_at_inference
    for name, value in (("weight_l2", weight_l2), ("activity_l2", activity_l2)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"model.{name}: expected a number >= 0, got {value!r}")
    weight_reg = keras.regularizers.L2(weight_l2) if weight_l2 > 0 else None
    activity_reg = ActivityL2(activity_l2) if activity_l2 > 0 else None
    seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(4)] if seed is not None else [None] * 4
    init = lambda kind, i: kind(seeds[i])  # noqa: E731
    inputs = keras.Input(shape=(None, n_inputs), name="inputs")
    hidden = LeakyRNN(
        units,
        fused=fused,
        gamma=gamma,
        noise_std=noise_std,
        noise_at_inference=noise_at_inference,
        kernel_initializer=init(initializers.PortableGlorotUniform, 0),
        recurrent_initializer=init(initializers.PortableOrthogonal, 1),
        kernel_regularizer=weight_reg,
        recurrent_regularizer=weight_reg,
        activity_regularizer=activity_reg,
        seed=seeds[3],
        name="leaky_rnn",
    )(inputs)
    output = keras.layers.Dense(
        1,
        kernel_initializer=init(initializers.PortableGlorotUniform, 2),
        kernel_regularizer=weight_reg,
        activity_regularizer=activity_reg,
        name="readout",
    )(hidden)
    return keras.Model(inputs, output, name="tdnms_leaky_rnn")


def rnn_layer(model: keras.Model) -> LeakyRNN:
    return model.get_layer("leaky_rnn")


def _readout(hidden_tm, kernel, bias):
    """``hidden_tm @ kernel + bias`` (T, B, 1), with the kernel's gradient summed by XLA itself.

    Autodiff would take the kernel's gradient as one product over all T * B rows,
    which XLA hands to Eigen, whose blocks over that long sum are sized from the
    host CPU's caches: the weights would then depend on the machine. An
    elementwise product and a reduction are compiled by XLA alone, the same on
    every CPU (the step's compiled code is identical across hosts). The sum runs
    over the rows of the (T * B, U) matrix: over the (T, B) axes of the 3-D
    tensor XLA emits a strided, unvectorised window loop that cost a third of
    a 2-thread step (bench/README.md).
    """
    import tensorflow as tf

    @tf.custom_gradient
    def project(h, w, b):
        rows = tf.reshape(h, [-1, tf.shape(h)[-1]])  # (T * B, U): one product, not one per step

        def grad(d_y):
            d_w = tf.reduce_sum(rows * tf.reshape(d_y, [-1, 1]), axis=0)[:, None]
            return d_y * tf.reshape(w, [1, 1, -1]), d_w, tf.reduce_sum(d_y, axis=(0, 1))

        y = tf.matmul(rows, w) + b
        return tf.reshape(y, tf.concat([tf.shape(h)[:-1], [1]], axis=0)), grad

    return project(hidden_tm, tf.convert_to_tensor(kernel), tf.convert_to_tensor(bias))


def training_loss(model: keras.Model, inputs_tm, targets_tm, noise_tm=None, unroll: int | None = None, batch_size=None):
    """``(loss, mse)`` of a time-major batch: the fast path of the training step.

    ``inputs_tm`` (T, B, n_inputs), ``targets_tm`` (T, B, 1) and standard-normal
    ``noise_tm`` (T, B, units) or None. The value equals the mean squared error of
    ``model(inputs, training=True)`` plus ``sum(model.losses)`` when the model draws
    that same noise (a test checks it), but the batch stays time-major end to end:
    the (B, T, units) <-> (T, B, units) transposes of the Keras call and their
    gradients cost a fifth of a step. Penalties come from the layers' own
    regularizers, with activity penalties divided by the batch size as Keras does:
    ``batch_size`` (default: this batch's) when the batch is one shard of a larger
    one, so that shard losses weighted by their share add up to the whole batch's.
    ``unroll`` as in :meth:`LeakyRNN.time_major`.
    """
    rnn, readout = rnn_layer(model), model.get_layer("readout")
    cell = rnn.cell
    hidden = rnn.time_major(inputs_tm, noise_tm, unroll=unroll)
    output = _readout(hidden, readout.kernel, readout.bias)
    mse = ops.mean(ops.square(output - targets_tm))
    batch = ops.cast(ops.shape(inputs_tm)[1] if batch_size is None else batch_size, mse.dtype)
    penalties = [
        layer.activity_regularizer(acts) / batch
        for layer, acts in ((rnn, hidden), (readout, output))
        if layer.activity_regularizer is not None
    ]
    weights = (
        (cell.kernel_regularizer, cell.kernel),
        (cell.recurrent_regularizer, cell.recurrent_kernel),
        (cell.bias_regularizer, cell.bias),
        (readout.kernel_regularizer, readout.kernel),
        (readout.bias_regularizer, readout.bias),
    )
    penalties += [regularizer(w) for regularizer, w in weights if regularizer is not None]
    return mse + ops.sum(ops.stack(penalties)) if penalties else mse, mse


def hidden_model(model: keras.Model) -> keras.Model:
    """A model returning (hidden states, output) for analysis."""
    return keras.Model(model.input, [rnn_layer(model).output, model.output])


def network_parameters(model: keras.Model) -> dict:
    """Trained parameters as plain NumPy arrays for the analysis stages.

    Keys: ``W_in`` (n_inputs, units), ``W_rec`` (units, units, acting as ``h @ W_rec``),
    ``b`` (units,), ``W_out`` (units, 1), ``b_out`` (1,), and floats ``gamma``, ``noise_std``.
    """
    cell = rnn_layer(model).cell
    readout = model.get_layer("readout")
    as_np = lambda v: np.asarray(keras.ops.convert_to_numpy(v))  # noqa: E731
    return {
        "W_in": as_np(cell.kernel),
        "W_rec": as_np(cell.recurrent_kernel),
        "b": as_np(cell.bias),
        "W_out": as_np(readout.kernel),
        "b_out": as_np(readout.bias),
        "gamma": cell.gamma,
        "noise_std": cell.noise_std,
    }


def load_model(path, compile: bool = False) -> keras.Model:
    """Load a saved network; ``safe_mode`` stays on (no arbitrary code is deserialised)."""
    return keras.models.load_model(path, compile=compile, safe_mode=True)
