"""The portable initializers: right distributions, and the same bits everywhere.

Their golden hashes are host-independent by construction (integer PCG64 draws,
then only correctly rounded elementwise float64 operations in a fixed order), and
were checked here under NumPy's baseline and AVX-512 dispatch and under emulated
CPUs (bench/README.md, "Same network on any machine").
"""

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tdnms import initializers


def sha(a) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def test_golden_bits():
    assert sha(initializers.orthogonal((128, 128), 12345)) == GOLDEN["orthogonal"]
    assert sha(initializers.glorot_uniform((2, 128), 12345)) == GOLDEN["glorot"]
    assert sha(initializers.standard_normal(np.random.Generator(np.random.PCG64(7)), 1000)) == GOLDEN["normal"]


GOLDEN = {"orthogonal": "4aed0901ef565ceb", "glorot": "c9df073333ca804d", "normal": "114eef38a8e8f933"}


@settings(max_examples=20, deadline=None)
@given(rows=st.integers(1, 40), cols=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_orthogonal_has_orthonormal_rows_or_columns(rows, cols, seed):
    q = initializers.orthogonal((rows, cols), seed).astype(np.float64)
    gram = q.T @ q if rows >= cols else q @ q.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-6)
    np.testing.assert_array_equal(q, initializers.orthogonal((rows, cols), seed))


def test_orthogonal_is_haar_distributed():
    """Haar: each entry of a random n x n orthogonal matrix has mean 0 and variance 1/n; Q's R has a positive diagonal."""
    n = 16
    entries = np.stack([initializers.orthogonal((n, n), seed)[0, 0] for seed in range(2000)])
    assert abs(entries.mean()) < 4 * np.sqrt(1 / n / 2000)
    assert entries.var() == pytest.approx(1 / n, rel=0.1)
    gauss = initializers.standard_normal(initializers._generator(3), n * n).reshape(n, n)
    q = initializers._gram_schmidt(gauss)
    assert (np.diag(q.T @ gauss) > 0).all()


def test_standard_normal_is_standard_normal():
    z = initializers.standard_normal(np.random.Generator(np.random.PCG64(0)), 100_000)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert len(z) == 100_000


def test_glorot_uniform_limits():
    w = initializers.glorot_uniform((64, 128), 1).astype(np.float64)
    limit = np.sqrt(6 / (64 + 128))
    assert w.min() >= -limit and w.max() < limit
    assert stats.kstest(w.ravel(), "uniform", args=(-limit, 2 * limit)).pvalue > 1e-3


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50))
def test_ordered_sum_adds_first_to_last(values):
    expected = 0.0
    for v in values:
        expected = expected + v
    assert initializers.ordered_sum(np.array(values)) == expected


def test_log_matches_numpy():
    x = np.concatenate([np.random.default_rng(0).random(10_000), [1.0, 1e-300, 0.5, 2.0**-1074]])
    np.testing.assert_allclose(initializers._log(x), np.log(x), rtol=4e-16, atol=1e-15)


def test_keras_initializers_round_trip_and_differ_by_seed():
    import keras

    from tdnms.initializers import PortableOrthogonal

    init = PortableOrthogonal(seed=5)
    again = keras.initializers.deserialize(keras.initializers.serialize(init))
    np.testing.assert_array_equal(np.asarray(init((8, 8))), np.asarray(again((8, 8))))
    assert not np.array_equal(np.asarray(init((8, 8))), np.asarray(PortableOrthogonal(seed=6)((8, 8))))
