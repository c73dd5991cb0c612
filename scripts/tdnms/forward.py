"""The trained network's forward pass in NumPy: the leaky map and its readout, no TensorFlow.

The model's recurrence (row vectors, Keras kernel convention)::

    h[t+1] = (1 - gamma) h[t] + gamma tanh(x[t] W_in + h[t] W_rec + b + xi[t])
    y[t]   = h[t+1] W_out + b_out

from ``h = 0``, in float32 as the model runs. Parameters are the dict of
:func:`tdnms.parameters.read_parameters` (or :func:`tdnms.model.network_parameters`).
:func:`forward` is the whole pass (hidden states and outputs, as
:func:`tdnms.runtime.infer`); :func:`states` is the step loop underneath, for
callers that reduce each step instead of keeping every state (the probes).
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

F32 = np.float32


def drive(params: dict, inputs: np.ndarray) -> np.ndarray:
    """The input drive ``x W_in + b``, time-major: (T, n, units) float32 for ``inputs`` (n, T, n_inputs)."""
    x = np.asarray(inputs, dtype=F32)
    if x.ndim != 3 or x.shape[2] != params["W_in"].shape[0]:
        raise ValueError(f"inputs: expected shape (n, T, {params['W_in'].shape[0]}), got {x.shape}")
    return np.ascontiguousarray((x @ params["W_in"].astype(F32) + params["b"].astype(F32)).transpose(1, 0, 2))


def states(
    params: dict, drive_tm: np.ndarray, shape: tuple, noise: Callable[[int, np.ndarray], None] | None = None
) -> Iterator[np.ndarray]:
    """Yield the state after each step t = 0 .. T-1 of the leaky map.

    Args:
        params: network parameters (``W_rec``, ``gamma``).
        drive_tm: (T, ...) noise-free drive per step, broadcastable to ``shape``.
        shape: shape of the state, (..., units), e.g. (n, units) or (probes, repeats, units).
        noise: ``noise(t, z)`` adds step t's noise to the pre-activation ``z`` (``shape``) in
            place; None runs noise-free.

    The yielded array is updated in place by the next step: copy what you keep.
    """
    w_rec = params["W_rec"].astype(F32)
    gamma = F32(params["gamma"])
    h = np.zeros(shape, dtype=F32)
    z = np.empty_like(h)
    for t in range(drive_tm.shape[0]):
        np.matmul(h, w_rec, out=z)
        z += drive_tm[t]
        if noise is not None:
            noise(t, z)
        np.tanh(z, out=z)
        h *= 1 - gamma
        z *= gamma
        h += z
        yield h


def readout(params: dict, hidden: np.ndarray) -> np.ndarray:
    """Output ``h W_out + b_out`` for states (..., units): shape (...), float32."""
    return hidden @ params["W_out"][:, 0].astype(F32) + F32(params["b_out"][0])


def forward(params: dict, inputs: np.ndarray, noise: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Hidden states (n, T, units) and outputs (n, T), float32, for ``inputs`` (n, T, n_inputs).

    ``noise``: None (noise-free, as scoring and the analyses run) or standard-normal
    private noise (n, T, units), scaled here by the network's ``noise_std`` as in
    :meth:`tdnms.model.LeakyRNN.time_major`.
    """
    drive_tm = drive(params, inputs)
    n_bins, n, units = drive_tm.shape
    add = None
    if noise is not None:
        noise = np.asarray(noise, dtype=F32)
        if noise.shape != (n, n_bins, units):
            raise ValueError(f"noise: expected shape {(n, n_bins, units)}, got {noise.shape}")
        sd = F32(params["noise_std"])

        def add(t, z):
            z += sd * noise[:, t]

    hidden = np.empty((n_bins, n, units), dtype=F32)
    for t, h in enumerate(states(params, drive_tm, (n, units), add)):
        hidden[t] = h
    hidden = np.ascontiguousarray(hidden.transpose(1, 0, 2))
    return hidden, readout(params, hidden)
