"""Recovery metrics (``sasd::metrics``)."""

from __future__ import annotations

import numpy as np

from . import _sasd

__all__ = ["kernel_error"]


def kernel_error(a0, a_hat) -> float:
    """Shift- and sign-invariant kernel error of Lau et al. (2020) §5.1.

    ``min over shifts l and signs of 1 - |<a0, s_l[a_hat]>|`` for unit-norm
    kernels: 0 for a perfect recovery, 1 for orthogonal kernels. ``a_hat``
    may be longer than ``a0`` (a lifted kernel).

    Parameters
    ----------
    a0, a_hat : array_like
        Both 1-D, or both 2-D (images' kernels).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Zero, non-finite or mismatched kernels.
    """
    a = np.ascontiguousarray(a0, dtype=np.float64)
    b = np.ascontiguousarray(a_hat, dtype=np.float64)
    return _sasd.kernel_error(a, b)
