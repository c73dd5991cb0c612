"""The noise-free leaky RNN map, its speed and Jacobian, and the products with ``J - I``.

Row vectors, Keras kernel convention::

    F(h, u) = (1 - gamma) h + gamma tanh(u W_in + h W_rec + b)

with ``W_in`` (n_inputs, N), ``W_rec`` (N, N) acting as ``h @ W_rec``, ``b`` (N,) and
``0 < gamma <= 1``. Every function takes ``(W_in, W_rec, b, gamma, h, u)`` in that order.
States ``h`` have shape (..., N): one state (N,), a batch (n, N), or any leading
shape such as (trials, bins, N); inputs ``u`` are one input (n_inputs,) shared by
all states, or one per state with the same leading shape as ``h``.
"""

from __future__ import annotations

import numpy as np

from .checks import check_inputs, check_network, check_states


def _rows(W_in, W_rec, b, gamma, h, u):
    """Checked parameters, states as (n, N) rows, inputs as (n, n_inputs) rows, and the leading shape."""
    W_in, W_rec, b, gamma = check_network(W_in, W_rec, b, gamma)
    h = np.asarray(h, dtype=np.float64)
    lead = h.shape[:-1] if h.ndim >= 1 else ()
    if h.ndim > 2:
        u = np.asarray(u, dtype=np.float64)
        if u.ndim == h.ndim:
            if u.shape[:-1] != lead:
                raise ValueError(f"u: expected leading shape {lead} to match h, got {u.shape}")
            u = u.reshape(-1, u.shape[-1])
        h = h.reshape(-1, h.shape[-1])
    H = check_states("h", h, W_rec.shape[0])
    U = check_inputs("u", u, H.shape[0], W_in.shape[0])
    return W_in, W_rec, b, gamma, H, U, lead


def leaky_map(W_in, W_rec, b, gamma, h, u) -> np.ndarray:
    """One noise-free step ``F(h, u)``, same shape as ``h`` (..., N)."""
    W_in, W_rec, b, gamma, H, U, lead = _rows(W_in, W_rec, b, gamma, h, u)
    out = (1.0 - gamma) * H + gamma * np.tanh(U @ W_in + H @ W_rec + b)
    return out.reshape(lead + (W_rec.shape[0],))


def speed(W_in, W_rec, b, gamma, h, u) -> np.ndarray | float:
    """``q = 0.5 ||F(h, u) - h||^2`` per state: shape ``h.shape[:-1]``, a float for one state (N,).

    Batched use, e.g. along trajectories with each time bin's own input: ``h``
    (n, N) with ``u`` (n, n_inputs) gives q (n,); ``h`` (trials, bins, N) with ``u``
    (trials, bins, n_inputs) gives (trials, bins).
    """
    W_in, W_rec, b, gamma, H, U, lead = _rows(W_in, W_rec, b, gamma, h, u)
    r = (1.0 - gamma) * H + gamma * np.tanh(U @ W_in + H @ W_rec + b) - H
    q = 0.5 * np.einsum("ij,ij->i", r, r)
    return float(q[0]) if lead == () else q.reshape(lead)


def jacobian(W_in, W_rec, b, gamma, h, u) -> np.ndarray:
    """Jacobian of the map with respect to the state, column convention: shape (..., N, N).

    ``J[i, j] = dF_i / dh_j = (1 - gamma) delta_ij + gamma (1 - tanh(z_i)^2) W_rec[j, i]``
    with ``z = u W_in + h W_rec + b``; i.e. ``J = (1 - gamma) I + gamma diag(1 - tanh(z)^2) W_rec^T``.
    The transpose appears because the weights act on row vectors (``h @ W_rec``):
    ``W_rec[j, i]`` is the weight *from* unit ``j`` *to* unit ``i``. A small displacement
    ``dh`` (a column) evolves as ``J @ dh``, and eigenvectors of ``J`` are directions
    in state space.
    """
    if np.ndim(W_rec) == 1 and np.ndim(b) == 2:
        raise ValueError("W_rec: got a vector; the argument order is jacobian(W_in, W_rec, b, gamma, h, u)")
    W_in, W_rec, b, gamma, H, U, lead = _rows(W_in, W_rec, b, gamma, h, u)
    s = 1.0 - np.tanh(U @ W_in + H @ W_rec + b) ** 2
    n_units = W_rec.shape[0]
    J = gamma * s[:, :, None] * W_rec.T[None, :, :]
    J[:, np.arange(n_units), np.arange(n_units)] += 1.0 - gamma
    return J.reshape(lead + (n_units, n_units))


class ResidualMap:
    """The map as the solver uses it: states as rows, a constant drive ``c = u W_in + b``
    per row, and products with ``A = J - I = gamma (diag(s) W_rec^T - I)``,
    ``s = 1 - tanh(z)^2``, without forming ``A``. Rows in float32 use float32 weights."""

    def __init__(self, W_rec: np.ndarray, gamma: float):
        self.W = np.ascontiguousarray(W_rec)
        self.WT = np.ascontiguousarray(W_rec.T)
        self.gamma = gamma
        self.n_units = W_rec.shape[0]
        self.diag = np.arange(self.n_units)
        self.col_norm2 = np.einsum("ji,ji->i", self.W, self.W)  # ||W_rec[:, i]||^2
        self.w_diag = np.ascontiguousarray(np.diag(self.W))
        self.W32 = self.W.astype(np.float32)
        self.WT32 = self.WT.astype(np.float32)

    def residual(self, h: np.ndarray, c: np.ndarray):
        """``(tanh(z), r = F(h) - h, q)`` for rows ``h`` with drives ``c``."""
        t = np.tanh(h @ self.W + c)
        r = self.gamma * (t - h)
        return t, r, 0.5 * np.einsum("ij,ij->i", r, r)

    def a_mul(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Rows of ``A x``: gamma (s * (x @ W_rec) - x)."""
        W = self.W32 if x.dtype == np.float32 else self.W
        return self.gamma * (s * (x @ W) - x)

    def at_mul(self, s: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Rows of ``A^T y``: gamma ((s * y) @ W_rec^T - y)."""
        WT = self.WT32 if y.dtype == np.float32 else self.WT
        return self.gamma * ((s * y) @ WT - y)

    def gradient(self, t: np.ndarray, r: np.ndarray) -> np.ndarray:
        """``grad q = A^T r`` for rows with ``t = tanh(z)``."""
        return self.at_mul(1.0 - t * t, r)

    def a_matrices(self, t: np.ndarray) -> np.ndarray:
        """Batched ``A = J - I`` (n, N, N), column convention, for rows with ``t = tanh(z)``."""
        A = (self.gamma * (1.0 - t * t))[:, :, None] * self.WT[None, :, :]
        A[:, self.diag, self.diag] -= self.gamma
        return A

    def squared_norms(self, s: np.ndarray) -> np.ndarray:
        """``||A||_F^2 / N`` per row, without forming ``A``: gamma^2 sum_ij (s_i W_ji - delta_ij)^2 / N."""
        return self.gamma**2 * (s * s @ self.col_norm2 - 2.0 * s @ self.w_diag + self.n_units) / self.n_units


def spectral_norm(W: np.ndarray, iterations: int = 30) -> float:
    """Largest singular value of ``W`` by power iteration on ``W^T W`` (a rough value suffices:
    it only sets the first step of the descent phase, which then adapts)."""
    v = np.ones(W.shape[1]) / np.sqrt(W.shape[1])
    sigma = 0.0
    for _ in range(iterations):
        w = W.T @ (W @ v)
        norm = np.linalg.norm(w)
        if norm == 0.0:
            return 0.0
        v = w / norm
        sigma = np.sqrt(norm)
    return float(sigma)
