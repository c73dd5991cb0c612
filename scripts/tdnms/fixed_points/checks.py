"""Argument checks shared by the fixed-point functions: each raises ``ValueError``
whose message starts with the name of the offending argument."""

from __future__ import annotations

import numpy as np


def as_matrix(name: str, value, ndim: int) -> np.ndarray:
    """``value`` as a finite float64 array with ``ndim`` dimensions."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected a numeric array, got {type(value).__name__}") from exc
    if arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return arr


def check_network(W_in, W_rec, b, gamma):
    """``(W_in, W_rec, b, gamma)`` as float64 arrays (n_inputs, N), (N, N), (N,) and a float in (0, 1]."""
    W_rec = as_matrix("W_rec", W_rec, 2)
    n_units = W_rec.shape[0]
    if W_rec.shape != (n_units, n_units) or n_units == 0:
        raise ValueError(f"W_rec: expected a square (n_units, n_units) matrix, got shape {W_rec.shape}")
    W_in = as_matrix("W_in", W_in, 2)
    if W_in.shape[1] != n_units:
        raise ValueError(f"W_in: expected shape (n_inputs, {n_units}) to match W_rec, got {W_in.shape}")
    b = as_matrix("b", b, 1)
    if b.shape != (n_units,):
        raise ValueError(f"b: expected shape ({n_units},) to match W_rec, got {b.shape}")
    if isinstance(gamma, (bool, np.bool_)) or not isinstance(gamma, (int, float, np.integer, np.floating)):
        raise ValueError(f"gamma: expected a number in (0, 1], got {gamma!r}")
    gamma = float(gamma)
    if not 0.0 < gamma <= 1.0:
        raise ValueError(f"gamma: expected a number in (0, 1], got {gamma!r}")
    return W_in, W_rec, b, gamma


def check_states(name: str, h, n_units: int) -> np.ndarray:
    """States as an (n, n_units) float64 array; a single state (n_units,) becomes one row."""
    h = np.asarray(h, dtype=np.float64)
    if h.ndim == 1:
        h = h[None, :]
    h = as_matrix(name, h, 2)
    if h.shape[1] != n_units:
        raise ValueError(f"{name}: expected shape (n, {n_units}) (n_units from W_rec), got {h.shape}")
    return h


def check_inputs(name: str, u, n: int, n_inputs: int) -> np.ndarray:
    """Inputs as an (n, n_inputs) array: one input (n_inputs,) is broadcast to every state."""
    u = np.asarray(u, dtype=np.float64)
    if u.ndim == 1:
        u = u[None, :]
    u = as_matrix(name, u, 2)
    if u.shape[1] != n_inputs:
        raise ValueError(f"{name}: expected {n_inputs} input channels (rows of W_in), got shape {u.shape}")
    if u.shape[0] == 1:
        u = np.broadcast_to(u, (n, n_inputs))
    elif u.shape[0] != n:
        raise ValueError(f"{name}: expected one input (n_inputs,) or one per state ({n}, {n_inputs}), got {u.shape}")
    return u


def positive(name: str, value, *, allow_none: bool = False, integer: bool = False, allow_zero: bool = False):
    """A positive (or non-negative) number as float, or int with ``integer``; None if allowed."""
    if value is None and allow_none:
        return None
    ok_types = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, ok_types):
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{name}: expected {kind}{' or None' if allow_none else ''}, got {value!r}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name}: expected a {'non-negative' if allow_zero else 'positive'} value, got {value!r}")
    return int(value) if integer else float(value)
