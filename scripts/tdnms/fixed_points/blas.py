"""One BLAS/LAPACK thread for the fixed-point solver.

Its work is many small products and factorisations (n_units ~ 100): OpenBLAS's
threading costs more than it gains at that size and collapses on a loaded
machine (see ``bench/README.md``).
"""

from __future__ import annotations

import contextlib

try:  # threadpoolctl comes with scikit-learn, a project dependency; optional here
    from threadpoolctl import ThreadpoolController

    _CONTROLLER = ThreadpoolController()
except Exception:  # pragma: no cover - only without threadpoolctl
    _CONTROLLER = None


def single_blas_thread():
    """Context manager limiting BLAS to one thread (a no-op without threadpoolctl)."""
    if _CONTROLLER is None:
        return contextlib.nullcontext()
    return _CONTROLLER.limit(limits=1, user_api="blas")
