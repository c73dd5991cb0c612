"""TensorFlow set-up and batched inference: the one place every job gets them from.

Importing this module (``import tdnms`` does) quiets TensorFlow's start-up
chatter before TensorFlow is loaded: C++ INFO/WARNING lines
(``TF_CPP_MIN_LOG_LEVEL=2``) and the oneDNN notice (``TF_ENABLE_ONEDNN_OPTS=0``
switches oneDNN's custom CPU kernels off, which is what prints it; the
training step runs under XLA and does not use them). Values already set in
the environment win. :func:`configure_tensorflow` then fixes thread counts
and determinism and silences TensorFlow's Python-side logger.

:func:`infer` is the one noise-free forward pass used by validation during
training, scoring and the hidden-state analyses.
"""

from __future__ import annotations

import os

QUIET_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


def quiet_environment() -> None:
    """Set the environment that keeps TensorFlow's start-up quiet (before it is imported)."""
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)


quiet_environment()


def _xla_thread_flags(threads: int) -> None:
    # XLA:CPU sizes its own pool from the visible cores, not from TensorFlow's
    # thread settings; one thread must be asked for explicitly (read at XLA's
    # first use, so this must run before anything is compiled).
    if threads == 1 and "xla_cpu_multi_thread_eigen" not in os.environ.get("XLA_FLAGS", ""):
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1".strip()


def configure_tensorflow(threads: int = 2, deterministic: bool = True) -> None:
    """Thread counts (TensorFlow and XLA), op determinism and quiet logs.

    Call before TensorFlow runs any op. With a fixed thread count the same seed
    gives bit-identical training; 1 and 2 threads give different rounding.
    """
    quiet_environment()
    _xla_thread_flags(int(threads))
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    try:
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(int(threads))
    except RuntimeError:
        pass  # already initialised in this process (tests); keep the existing pool
    if deterministic:
        tf.config.experimental.enable_op_determinism()


_FORWARD = "_tdnms_forward"  # where a model keeps its compiled inference function


def _forward(model):
    """The model's compiled inference function ``x (B, T, n_in) -> (hidden (B, T, U), output (B, T))``."""
    fn = getattr(model, _FORWARD, None)
    if fn is not None:
        return fn
    import keras
    import tensorflow as tf

    from .model import rnn_layer

    rnn, readout = rnn_layer(model), model.get_layer("readout")
    cell = rnn.cell
    noisy = cell.noise_active(training=False)  # only for networks built with noise_at_inference

    @tf.function(reduce_retracing=True)
    def forward(x):
        x_tm = tf.transpose(x, (1, 0, 2))
        noise = None
        if noisy:
            shape = tf.concat([tf.shape(x_tm)[:2], [cell.units]], axis=0)
            noise = keras.random.normal(shape, seed=cell.seed_generator, dtype=x.dtype)
        hidden = rnn.time_major(x_tm, noise)
        output = tf.matmul(hidden, readout.kernel) + readout.bias
        return tf.transpose(hidden, (1, 0, 2)), tf.transpose(output[..., 0])

    object.__setattr__(model, _FORWARD, forward)  # not a tracked Keras attribute
    return forward


def infer(model, inputs, batch_size: int = 256):
    """Hidden states (n, T, units) and outputs (n, T), float32, for ``inputs`` (n, T, n_inputs).

    Inference mode: noise-free unless the network was built with
    ``noise_at_inference``. Runs ``batch_size`` sequences at a time through one
    compiled function per model. ``import tdnms`` imports this module, so it
    imports nothing heavy at module level.
    """
    import numpy as np

    if batch_size < 1:
        raise ValueError(f"batch_size: expected an integer >= 1, got {batch_size!r}")
    forward = _forward(model)
    inputs = np.asarray(inputs, dtype=np.float32)
    hs, ys = [], []
    for i in range(0, len(inputs), batch_size):
        h, y = forward(inputs[i : i + batch_size])
        hs.append(np.asarray(h))
        ys.append(np.asarray(y))
    return np.concatenate(hs), np.concatenate(ys)


def predict(model, inputs, batch_size: int = 256):
    """Outputs (n, T) of :func:`infer`."""
    return infer(model, inputs, batch_size)[1]


hidden_states = infer  # the public name (``tdnms.hidden_states``)
