"""Initial weights that are the same bits on every CPU.

Keras's ``Orthogonal`` initializer orthogonalises a Gaussian matrix with
TensorFlow's QR, whose blocked products take their block sizes from the host's
caches, so the initial recurrent weights (and everything trained from them)
depended on the machine. These initializers draw from NumPy's PCG64 (integer
arithmetic, and ``(bits >> 11) * 2**-53`` for a uniform double), and compute
everything else elementwise in float64, in a fixed order, with only ``+ - * /``,
``sqrt`` and ``frexp``: IEEE 754 rounds each of those correctly, so every CPU gets
the same bits. No library reduction (whose order may follow the CPU) and no
libm function is used; the result is rounded to float32 once.
:class:`PortableGlorotUniform` and :class:`PortableOrthogonal` are the Keras
initializers that call them.

* :func:`glorot_uniform`: uniform on ``[-limit, limit)``,
  ``limit = sqrt(6 / (fan_in + fan_out))``, as Keras's ``GlorotUniform``.
* :func:`orthogonal`: the Q factor (with R's diagonal positive) of a
  standard-normal matrix, i.e. a Haar-distributed orthogonal matrix, as Keras's
  ``Orthogonal`` with gain 1. Normals by Marsaglia's polar method, Q by
  classical Gram-Schmidt applied twice per column (orthogonal to about 1e-15).
"""

from __future__ import annotations

import keras
import numpy as np

PACKAGE = "tdnms"
_LN2 = 0.6931471805599453  # float64 nearest to log(2)
_LOG_TERMS = 20  # terms of the atanh series: |s| <= 1/3 gives 9**-20, far below float64's resolution


def _generator(seed) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


def ordered_sum(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Sum along ``axis`` strictly from the first element to the last (NumPy's own sum may reorder)."""
    x = np.moveaxis(np.asarray(x, np.float64), axis, 0)
    total = np.zeros(x.shape[1:], np.float64)
    for part in x:
        total = total + part
    return total


def _log(x: np.ndarray) -> np.ndarray:
    """Natural log of positive float64 ``x`` from ``frexp`` and the series of ``2 atanh(s)``."""
    mantissa, exponent = np.frexp(x)  # x = mantissa * 2**exponent, mantissa in [0.5, 1)
    s = (mantissa - 1.0) / (mantissa + 1.0)
    s2 = s * s
    series = np.full_like(s, 1.0 / (2 * _LOG_TERMS + 1))
    for k in range(_LOG_TERMS - 1, -1, -1):
        series = series * s2 + 1.0 / (2 * k + 1)
    return 2.0 * s * series + exponent * _LN2


def standard_normal(generator: np.random.Generator, n: int) -> np.ndarray:
    """``n`` standard normals (float64) by Marsaglia's polar method, in the order they are accepted."""
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        v = 2.0 * generator.random((n, 2)) - 1.0
        s = v[:, 0] * v[:, 0] + v[:, 1] * v[:, 1]
        keep = (s > 0.0) & (s < 1.0)
        v, s = v[keep], s[keep]
        pairs = v * np.sqrt(-2.0 * _log(s) / s)[:, None]
        out.append(pairs.reshape(-1))
        have += out[-1].size
    return np.concatenate(out)[:n]


def glorot_uniform(shape, seed) -> np.ndarray:
    """float32 ``shape`` uniform on ``[-limit, limit)``, ``limit = sqrt(6 / (fan_in + fan_out))``."""
    shape = tuple(int(n) for n in shape)
    fan_in, fan_out = _fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return (limit * (2.0 * _generator(seed).random(shape) - 1.0)).astype(np.float32)


def orthogonal(shape, seed) -> np.ndarray:
    """float32 ``shape`` (2-D, or flattened to rows x last axis) with orthonormal rows or columns."""
    shape = tuple(int(n) for n in shape)
    rows, cols = int(np.prod(shape[:-1])), shape[-1]
    tall, short = max(rows, cols), min(rows, cols)
    gauss = standard_normal(_generator(seed), tall * short).reshape(tall, short)
    q = _gram_schmidt(gauss)
    return (q if rows >= cols else q.T).reshape(shape).astype(np.float32)


def _gram_schmidt(a: np.ndarray) -> np.ndarray:
    """Orthonormal columns spanning ``a``'s leading columns (Q of QR with R's diagonal > 0)."""
    q = np.zeros_like(a)
    for j in range(a.shape[1]):
        v = a[:, j]
        for _ in range(2):  # a second pass restores orthogonality lost to rounding
            r = ordered_sum(q[:, :j] * v[:, None], axis=0)
            v = v - ordered_sum(q[:, :j] * r[None, :], axis=1)
        q[:, j] = v / np.sqrt(ordered_sum(v * v))
    return q


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class _Portable(keras.initializers.Initializer):
    """Base of the portable initializers: ``seed`` (an integer, or None for fresh entropy)."""

    make = None  # (shape, seed) -> float32 array

    def __init__(self, seed: int | None = None):
        self.seed = None if seed is None else int(seed)

    def __call__(self, shape, dtype=None):
        return keras.ops.convert_to_tensor(type(self).make(shape, self.seed), dtype=dtype or "float32")

    def get_config(self):
        return {"seed": self.seed}


@keras.saving.register_keras_serializable(package=PACKAGE)
class PortableGlorotUniform(_Portable):
    """Glorot-uniform weights with the same bits on every CPU (:func:`glorot_uniform`)."""

    make = staticmethod(glorot_uniform)


@keras.saving.register_keras_serializable(package=PACKAGE)
class PortableOrthogonal(_Portable):
    """A Haar-random orthogonal matrix with the same bits on every CPU (:func:`orthogonal`)."""

    make = staticmethod(orthogonal)
