"""Eigenvalues and mode directions of the Jacobian at each point, and segments for plots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .blas import single_blas_thread
from .checks import check_network, positive
from .leaky_map import jacobian

EIGEN_COLUMNS = ["point_id", "eig_index", "real", "imag", "abs", "unstable", "vector"]
_EIGEN_TYPES = ["int64", "int64", "float64", "float64", "float64", "bool", "object"]


def _points_arrays(points: pd.DataFrame, n_units: int, n_inputs: int):
    missing = {"point_id", "state", "input"} - set(points.columns)
    if missing:
        raise ValueError(f"points: missing column(s) {sorted(missing)} (expected the output of find_fixed_points)")
    if len(points) == 0:
        return np.zeros((0, n_units)), np.zeros((0, n_inputs))
    H = np.array([np.asarray(v, dtype=np.float64) for v in points["state"]])
    U = np.array([np.asarray(v, dtype=np.float64) for v in points["input"]])
    if H.ndim != 2 or H.shape[1] != n_units:
        raise ValueError(f"points: 'state' entries must have {n_units} values (units of W_rec), got shape {H.shape}")
    if U.ndim != 2 or U.shape[1] != n_inputs:
        raise ValueError(f"points: 'input' entries must have {n_inputs} values (rows of W_in), got shape {U.shape}")
    return H, U


def real_direction(v: np.ndarray) -> np.ndarray:
    """Unit real vector for a (possibly complex) eigenvector ``v`` (N,).

    Any ``v e^{i theta}`` is an eigenvector too; theta = -arg(v^T v) / 2 maximises the
    norm of the real part, which is then the major axis of the ellipse that the mode
    traces in state space (for a real eigenvalue it is ``v`` up to sign). The sign
    makes the largest-magnitude entry positive.
    """
    theta = -0.5 * np.angle(np.sum(v * v))
    w = np.real(v * np.exp(1j * theta))
    w /= np.linalg.norm(w)
    return w if w[np.argmax(np.abs(w))] >= 0 else -w


def eigen_table(points: pd.DataFrame, W_in, W_rec, b, gamma, *, vectors: str = "unstable") -> pd.DataFrame:
    """Eigenvalues (and mode directions) of the Jacobian at each point, as a tidy table.

    One row per (point, eigenvalue): ``point_id``, ``eig_index`` (0 = largest modulus,
    then decreasing modulus; ties by real then imaginary part, descending), ``real``,
    ``imag``, ``abs`` (the modulus), ``unstable`` (``abs > 1``) and ``vector``.

    ``vector`` holds, for the rows selected by ``vectors``, the unit-norm real
    direction of the eigenvector as a list of N floats (for a complex pair: the
    major axis of the ellipse the mode traces; :func:`real_direction`), and None
    elsewhere. ``vectors`` is "unstable" (default: modes with ``abs > 1``), "all" or
    "none". :func:`mode_segments` turns the table into line segments.

    ``points`` is the output of :func:`find_fixed_points` (uses ``point_id``, ``state``
    and ``input``); the Jacobian is recomputed from the parameters passed here.
    """
    if vectors not in ("unstable", "all", "none"):
        raise ValueError(f"vectors: expected 'unstable', 'all' or 'none', got {vectors!r}")
    W_in, W_rec, b, gamma = check_network(W_in, W_rec, b, gamma)
    H, U = _points_arrays(points, W_rec.shape[0], W_in.shape[0])
    if len(points) == 0:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(EIGEN_COLUMNS, _EIGEN_TYPES)})
    J = jacobian(W_in, W_rec, b, gamma, H, U)
    with single_blas_thread():
        if vectors == "none":
            lam, vec = np.linalg.eigvals(J), None
        else:
            lam, vec = np.linalg.eig(J)
    cols = {c: [] for c in EIGEN_COLUMNS}
    for p, pid in enumerate(points["point_id"].to_numpy()):
        order = np.lexsort((-lam[p].imag, -lam[p].real, -np.abs(lam[p])))
        for e, k in enumerate(order):
            mod = float(np.abs(lam[p, k]))
            cols["point_id"].append(int(pid))
            cols["eig_index"].append(e)
            cols["real"].append(float(lam[p, k].real))
            cols["imag"].append(float(lam[p, k].imag))
            cols["abs"].append(mod)
            cols["unstable"].append(mod > 1.0)
            want = vectors == "all" or (vectors == "unstable" and mod > 1.0)
            cols["vector"].append(real_direction(vec[p][:, k]).tolist() if want else None)
    out = pd.DataFrame(cols)
    out["point_id"] = out["point_id"].astype(np.int64)
    out["eig_index"] = out["eig_index"].astype(np.int64)
    out["unstable"] = out["unstable"].astype(bool)
    return out


def mode_segments(points: pd.DataFrame, eigen: pd.DataFrame, scale: float = 0.1) -> pd.DataFrame:
    """Line segments ``state -/+ scale * abs * vector`` for every eigen row that has a vector.

    Returns columns ``point_id``, ``eig_index``, ``start`` and ``end`` (lists of N
    floats): project both ends with the same transform as the states (e.g. PCA) and
    draw a line (half-length proportional to the modulus, as the FixedPointFinder plots do).
    """
    scale = positive("scale", scale)
    state = dict(zip(points["point_id"].to_numpy(), points["state"]))
    rows = eigen[eigen["vector"].notna()]
    out = {"point_id": [], "eig_index": [], "start": [], "end": []}
    for pid, e, mod, v in zip(rows["point_id"], rows["eig_index"], rows["abs"], rows["vector"]):
        h = np.asarray(state[pid])
        d = scale * mod * np.asarray(v)
        out["point_id"].append(int(pid))
        out["eig_index"].append(int(e))
        out["start"].append((h - d).tolist())
        out["end"].append((h + d).tolist())
    return pd.DataFrame(out).astype({"point_id": np.int64, "eig_index": np.int64, "start": object, "end": object})
