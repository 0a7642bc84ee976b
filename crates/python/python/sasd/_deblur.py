"""Blind deblurring of photographs (``sasd::deblur::BlindDeblur``)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _sasd

__all__ = ["DeblurResult", "deblur"]


class DeblurResult(NamedTuple):
    """The outcome of :func:`sasd.deblur`."""

    #: The blur kernel, ``(k1, k2)``, entries >= 0 summing to 1, centred at
    #: ``(k1 // 2, k2 // 2)`` to a whole pixel.
    kernel: np.ndarray
    #: The restored image, of the input's shape and units.
    restored: np.ndarray
    #: The noise standard deviation used (given or estimated), in the
    #: image's units.
    noise: float
    #: Pyramid levels run, coarsest to finest.
    levels: int
    #: Wall time of the kernel estimate, in seconds.
    seconds: float


def deblur(image, kernel_size, *, noise=None, lam=None) -> DeblurResult:
    """Blind deblurring of a photograph: the blur kernel and the sharp image.

    One kernel is estimated coarse to fine from the luminance (Rec. 601 for
    three channels, the mean of the channels otherwise): ℓ⁰ gradient maps
    and a non-negative least-squares kernel read from the image's useful
    edges, on a smoothly periodic extension of the image (so real,
    non-periodic borders are fine). Every channel is then restored with a
    hyper-Laplacian prior (Krishnan & Fergus 2009), in the frame of the
    kernel's centre of mass: the restored image lies over the input. The
    GIL is released while it runs; Ctrl-C takes effect when it returns
    (under a second at 256², about ten at 1024²).

    Parameters
    ----------
    image : array_like
        ``(rows, cols)`` grey or ``(rows, cols, channels)`` colour, any
        real dtype and range (8-bit values are fine). Three channels are
        read as RGB; with four (RGBA) or two (grey and alpha) the last is
        alpha, left out of the estimate and returned as it is (as ``sasd
        deblur`` drops it); other counts are averaged for the estimate.
    kernel_size : int or (int, int)
        The blur's support; at most a quarter of each side of the image.
        Err on the large side: a kernel larger than the blur is fine.
    noise : float, optional
        The noise standard deviation in the image's units (estimated from
        the image if not given).
    lam : float, optional
        The initial ℓ⁰ weight on the image scaled to [0, 1] (default
        ``max(6e-3, 60 σ²)``, σ the noise level on that scale).

    Returns
    -------
    DeblurResult

    Raises
    ------
    ValueError
        Empty, non-finite, constant or 1-D images; a kernel larger than a
        quarter of the image; bad options.
    TypeError
        Input that is not real numbers.

    Examples
    --------
    >>> import sasd
    >>> photo = sasd.datasets.photograph("camera")
    >>> out = sasd.deblur(photo, 9)
    >>> out.kernel.shape, out.restored.shape
    ((9, 9), (256, 256))
    """
    from . import as_input

    img = as_input(image, name="image", min_ndim=2, max_ndim=3)
    if isinstance(kernel_size, (int, np.integer)):
        size = (int(kernel_size), int(kernel_size))
    else:
        try:
            size = tuple(int(k) for k in kernel_size)
        except TypeError:
            raise TypeError(f"kernel_size must be an int or a pair of ints, got {type(kernel_size).__name__}") from None
        if len(size) != 2:
            raise ValueError(f"an image's kernel_size is a pair (rows, cols), got {len(size)} sizes")
    if min(size) < 1:
        raise ValueError("kernel size must be positive")
    alpha = None
    if img.ndim == 3 and img.shape[2] in (2, 4):
        alpha, img = img[..., -1:], np.ascontiguousarray(img[..., :-1])
    d = _sasd.deblur(img, size, noise=noise, lam=lam)
    restored = d["restored"]
    if alpha is not None:
        restored = np.concatenate([restored, alpha], axis=-1)
    return DeblurResult(d["kernel"], restored, d["noise"], d["levels"], d["seconds"])
