"""The kinds of point the finder reports, defined once (tables, plots and counts use them).

For the discrete-time map the Jacobian's eigenvalues are ``lambda = 1 - gamma + gamma mu``
with ``mu`` an eigenvalue of ``diag(1 - tanh(z)^2) W_rec^T``. A fixed point is

* ``"stable"``   when every eigenvalue has ``|lambda| < 1`` (an attractor),
* ``"saddle"``   when some have ``|lambda| > 1`` and the others ``|lambda| <= 1``,
* ``"unstable"`` when every eigenvalue has ``|lambda| > 1`` (a repeller);

``"slow"`` is a point that is not a fixed point but a local minimum of the speed ``q``
below ``slow_point_threshold`` (its eigenvalue counts are still reported). An
eigenvalue of modulus exactly 1 counts as not unstable.
"""

from __future__ import annotations

import numpy as np

KINDS = ("stable", "saddle", "unstable", "slow")  # in order of instability; slow points last


def classify(n_unstable: np.ndarray, n_units: int, is_fixed: np.ndarray) -> np.ndarray:
    """Kind of each point from its count of eigenvalues with modulus > 1 and whether it is a fixed point."""
    kind = np.where(n_unstable == 0, "stable", np.where(n_unstable == n_units, "unstable", "saddle"))
    kind[~is_fixed] = "slow"
    return kind
