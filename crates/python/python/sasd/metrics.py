"""Recovery metrics (``sasd::metrics``)."""

from __future__ import annotations

import numpy as np

from . import _sasd

__all__ = ["kernel_error", "spike_scores", "kernel_correlation", "psnr"]


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


def spike_scores(x0, x_hat, threshold, tolerance: int = 2, *, a0=None, a_hat=None) -> dict:
    """Spike detection scores of an estimated activation against the true one.

    True spikes are the non-zeros of ``x0``; detections the entries of
    ``x_hat`` above ``threshold`` in magnitude; a detection within
    ``±tolerance`` samples of a true spike is a hit (one-to-one). With both
    kernels, ``x_hat`` is first shifted as the kernel error aligns ``a_hat``
    to ``a0`` (a blind run's kernel comes back shifted; seed 003 §6.1.1).

    Parameters
    ----------
    x0, x_hat : array_like
        True and estimated activations, of one length.
    threshold : float
        Detection threshold (e.g. a fifth of ``max |x_hat|``).
    tolerance : int, default 2
    a0, a_hat : array_like, optional
        True and estimated kernels.

    Returns
    -------
    dict
        ``true_positives``, ``false_positives``, ``false_negatives``,
        ``precision``, ``recall``, ``f1``.
    """
    c = lambda v: None if v is None else np.ascontiguousarray(v, dtype=np.float64)  # noqa: E731
    return _sasd.spike_scores(c(x0), c(x_hat), float(threshold), int(tolerance), c(a0), c(a_hat))


def kernel_correlation(k_true, k_hat) -> float:
    """Blind deblurring's kernel score: the maximum over shifts of the
    normalised cross-correlation of two 2-D kernels (1 for the same kernel
    up to a shift and a scale).

    Raises
    ------
    ValueError
        Kernels that are not 2-D, are zero or non-finite.
    """
    a = np.ascontiguousarray(k_true, dtype=np.float64)
    b = np.ascontiguousarray(k_hat, dtype=np.float64)
    return _sasd.kernel_correlation(a, b)


def psnr(image, reference, *, peak: float = 1.0, border: int = 0, max_shift: int = 0,
         subpixel: bool = False) -> float:
    """PSNR in dB, ``10 log10(peak² / MSE)``, of a 2-D image against a reference.

    Over the interior ``border`` pixels in from every side, at the best
    shift of ``image`` within ``±max_shift`` pixels (a blind deblurring
    result is known up to a shift): whole pixels, or with ``subpixel``
    refined to 1/64 pixel, so that the score does not depend on the frame
    the image is drawn in.

    Raises
    ------
    ValueError
        Arrays that are not 2-D of one shape, non-finite values, a border
        that leaves nothing.
    """
    a = np.ascontiguousarray(image, dtype=np.float64)
    b = np.ascontiguousarray(reference, dtype=np.float64)
    return _sasd.psnr(a, b, peak=peak, border=border, max_shift=max_shift, subpixel=subpixel)
