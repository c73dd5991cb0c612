"""TensorFlow set-up and batched inference: the one place every job gets them from.

:func:`configure_tensorflow` is the contract every job (training, simulation,
the analyses that run a network) applies before TensorFlow runs an op. It sets
TensorFlow's environment: quiet start-up logs, the XLA flags that make the
compiled code the same on every x86-64 CPU with AVX2 (:data:`PORTABLE_XLA_FLAGS`),
thread counts and op determinism. Importing this module (or ``tdnms``)
sets nothing: the environment is only touched by :func:`configure_tensorflow`.

:func:`infer` is the one noise-free forward pass used by validation during
training, scoring and the hidden-state analyses.
"""

from __future__ import annotations

import os

# TensorFlow's start-up chatter: C++ INFO/WARNING lines, and the oneDNN notice
# (TF_ENABLE_ONEDNN_OPTS=0 switches oneDNN's custom CPU kernels off, which is what
# prints it; training runs under XLA and does not use them).
QUIET_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}

# What XLA:CPU would otherwise choose for the host CPU, pinned so that a seed
# trains bit-identical weights on any x86-64 CPU with AVX2 (AMD or Intel, with
# or without AVX-512), at a given thread count:
# - code generation capped at AVX2 (+FMA): an AVX-512 host otherwise compiles
#   other instructions, and other rounding, than an AVX2 host;
# - YNNPACK (XLA's default library for some dots and reductions) off: it picks
#   its kernels, and so the order of its sums, from the host CPU;
# - XNNPACK and oneDNN off, platform-dependent math off, and the preferred
#   vector width fixed (XLA's defaults today, pinned against a change of default).
PORTABLE_XLA_FLAGS = (
    "--xla_cpu_max_isa=AVX2",
    "--xla_cpu_experimental_ynn_fusion_type=",
    "--xla_cpu_use_xnnpack=false",
    "--xla_cpu_use_onednn=false",
    "--xla_cpu_enable_platform_dependent_math=false",
    "--xla_cpu_prefer_vector_width=256",
)


def _flag_name(flag: str) -> str:
    return flag.lstrip("-").split("=", 1)[0]


def xla_flags(threads: int, existing: str = "") -> str:
    """The ``XLA_FLAGS`` value for ``threads``: ``existing`` plus every pinned flag it does not set.

    Pinned: :data:`PORTABLE_XLA_FLAGS`, and with one thread XLA's own Eigen pool
    off (XLA sizes that pool from the visible cores, not from TensorFlow's thread
    settings). A flag already in ``existing`` wins (e.g. another ``--xla_cpu_max_isa``
    to measure what it changes).
    """
    pinned = list(PORTABLE_XLA_FLAGS)
    if int(threads) == 1:
        pinned += ["--xla_cpu_multi_thread_eigen=false", "intra_op_parallelism_threads=1"]
    present = {_flag_name(f) for f in existing.split()}
    return " ".join(existing.split() + [f for f in pinned if _flag_name(f) not in present])


def configure_tensorflow(threads: int = 2, deterministic: bool = True) -> None:
    """Set TensorFlow's environment for a job: call before TensorFlow runs any op.

    Sets (values already in the environment win) :data:`QUIET_ENVIRONMENT`, and
    ``XLA_FLAGS`` (:func:`xla_flags`: the portable code generation and the thread
    flags; XLA reads them once, at its first use); then TensorFlow's intra- and
    inter-op thread counts, op determinism (``deterministic``) and a quiet
    Python-side logger. The same config and seed then give bit-identical weights
    on any x86-64 CPU with AVX2 at the same ``threads`` (docs/reproducibility.md,
    "Same network on any machine"); 1 and 2 threads give different rounding.
    """
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    os.environ["XLA_FLAGS"] = xla_flags(threads, os.environ.get("XLA_FLAGS", ""))
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
