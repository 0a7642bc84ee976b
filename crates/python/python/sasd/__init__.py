"""Short-and-sparse blind deconvolution (SaSD) from numpy.

Recovers a short kernel ``a`` and a sparse activation ``x`` from
``y = a * x + b`` (calcium traces, spike recordings, microscopy images) with
the Bilinear Lasso solvers of the ``sasd`` Rust library (Lau et al. 2020,
Zhang et al. 2019). All numerics run in Rust; this package converts arrays
and results.

Examples
--------
>>> import sasd
>>> inst = sasd.synth.instance(10_000, 100, bias=1.0, seed=1)   # LQK+20 §5.2
>>> res = sasd.deconvolve(inst.y, 100, boundary="circular")
>>> sasd.metrics.kernel_error(inst.kernel, res.kernel) < 1e-5
True
"""

from __future__ import annotations

import numpy as np

from . import _sasd, datasets, metrics, synth
from ._deblur import DeblurResult, deblur
from ._result import Result
from .estimator import SaSD

__all__ = ["deconvolve", "deblur", "DeblurResult", "Result", "SaSD", "synth", "metrics", "datasets", "METHODS",
           "as_input"]
__version__ = "0.1.0"

#: The solver names, as on the ``sasd`` command line.
METHODS = tuple(_sasd.METHODS)


def as_input(y, *, name: str = "y", min_ndim: int = 1, max_ndim: int = 2) -> np.ndarray:
    """``y`` as a C-contiguous float64 array, copied only when needed.

    A C-contiguous, aligned float64 ndarray is returned as it is (the
    solver reads its buffer in place); float32, integer, Fortran-ordered,
    strided or unaligned input is converted once.

    Raises
    ------
    TypeError
        For input that is not real numbers (strings, objects, complex).
    ValueError
        For the wrong number of dimensions.
    """
    arr = y if isinstance(y, np.ndarray) else np.asarray(y)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
    if not (min_ndim <= arr.ndim <= max_ndim):
        want = {
            (1, 2): "a 1-D signal or a 2-D image",
            (2, 3): "a 2-D image (rows, cols) or a 3-D colour one (rows, cols, channels)",
        }.get((min_ndim, max_ndim), f"{min_ndim}..{max_ndim} dimensions")
        raise ValueError(f"{name} must be {want}, got an array of {arr.ndim} dimensions")
    if arr.dtype != np.float64 or not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not arr.flags.aligned:
        # An unaligned buffer (e.g. unpickled on a Dask worker): ascontiguousarray keeps it.
        arr = arr.copy()
    return arr


def _kernel_size(kernel_size, ndim: int):
    if isinstance(kernel_size, str) and kernel_size.strip().lower() == "auto":
        return "auto"
    if isinstance(kernel_size, (str, bytes)):
        raise TypeError(f"kernel_size must be an int, a pair of ints or 'auto', got {kernel_size!r}")
    if isinstance(kernel_size, (int, np.integer)):
        n = int(kernel_size)
        sizes = [n] if ndim == 1 else [n, n]
    else:
        try:
            sizes = [int(k) for k in kernel_size]
        except TypeError:
            raise TypeError(f"kernel_size must be an int or a pair of ints, got {type(kernel_size).__name__}") from None
    if any(k < 1 for k in sizes):
        raise ValueError("kernel size must be positive")
    return sizes


def _options(kernel_size, ndim, method, lam, eta, bias, nonneg, kernels, boundary, baseline, seed,
             max_iterations, time_budget, truth_kernel, refine_support, no_refine, rate):
    truth = None
    if truth_kernel is not None:
        t = np.asarray(truth_kernel, dtype=np.float64)
        truth = [np.ascontiguousarray(t).ravel().tolist()] if t.ndim == ndim else [np.ravel(k).tolist() for k in t]
    if lam is not None:
        lam = float(lam)
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {type(method).__name__}")
    if int(kernels) != kernels or kernels < 1:
        raise ValueError("number of kernels must be positive")
    return dict(
        method=method, lam=lam, eta=eta, bias=bias, nonneg=bool(nonneg), kernels=int(kernels),
        boundary=boundary, baseline=baseline, seed=int(seed), max_iterations=max_iterations,
        time_budget=time_budget, truth_kernels=truth, refine_support=refine_support, no_refine=bool(no_refine),
        rate=None if rate is None else float(rate),
    ), _kernel_size(kernel_size, ndim)


def deconvolve(y, kernel_size, *, method: str = "homotopy-iadm", lam=None, eta=None, bias=None,
               nonneg: bool = False, kernels: int = 1, boundary=None, baseline=None, seed: int = 0,
               max_iterations=None, time_budget=None, truth_kernel=None, refine_support=None,
               no_refine: bool = False, rate=None) -> Result:
    """Recover kernel(s) and sparse activation(s) from a signal or an image.

    Solves the Bilinear Lasso of Lau et al. (2020) (or, with a second-order
    ``method``, the Huber-smoothed objective of Zhang et al. 2019) through
    ``sasd::pipeline::Deconvolution``: the same numbers as the Rust library
    and the ``sasd deconv`` command for the same options and seed.

    The solve releases the GIL (threads solve in parallel) and stops on
    Ctrl-C with ``KeyboardInterrupt``. A C-contiguous float64 ``y`` is read
    in place, without a copy; do not modify it from another thread during
    the solve.

    Parameters
    ----------
    y : array_like
        A 1-D signal or a 2-D image (float64 is used in place; float32,
        integers and non-contiguous arrays are converted).
    kernel_size : int, (int, int) or "auto"
        Kernel length n0, or (n1, n2) for an image (an int means square).
        ``"auto"`` (a 1-D signal, one kernel, no ``truth_kernel``) reads
        the length from the data, as ``sasd deconv --kernel-size auto``
        (``Deconvolution::run_auto_size``): runs from 64 samples, each at
        1.25x the extent (the shortest stretch holding 95 % of the energy)
        of the previous run's lifted kernel, until the kernel fits; the
        result is the last run's, with :attr:`Result.kernel_size_probes`.
    method : str, default "homotopy-iadm"
        One of :data:`sasd.METHODS`: ``adm``, ``iadm``, ``ipalm``,
        ``homotopy-adm``, ``homotopy-iadm``, ``reweighted-iadm``,
        ``homotopy-reweighted-iadm`` (Bilinear Lasso), ``trust-region``,
        ``curvilinear``, ``two-stage`` (second order; 1-D, one kernel,
        no bias).
    lam : float, optional
        λ (fixed-λ methods) or the final λ of a homotopy. Default:
        max(0.1/√n, 2σ̂) for recordings and the reweighted methods, 0.1/√n
        otherwise (n = 3·n0 − 2).
    eta : float, optional
        Fixed decay of λ per homotopy stage in (0, 1) (LQK+20 uses 0.9).
        Default: adaptive, from 0.9 towards 0.3 while the kernel stays put.
    bias : bool, optional
        Fit a constant offset b. Default: True for the Bilinear Lasso
        methods, False for the second-order ones (which do not support it).
    nonneg : bool, default False
        Constrain the activation to x ≥ 0.
    kernels : int, default 1
        Number of kernels N (convolutional dictionary learning when > 1).
    boundary : {"linear", "circular"}, optional
        Observation model: ``linear`` (a recording window; the default of
        the Bilinear Lasso methods) or ``circular`` (the papers' cyclic
        model; the only one of the second-order methods).
    baseline : float, optional
        Fit a slowly varying baseline of this shortest period (samples, or
        seconds with ``rate``) instead of a constant bias (1-D).
    seed : int, default 0
        Seed of the initialisation.
    max_iterations : int, optional
        Iteration budget (default 20,000 over all stages).
    time_budget : float, optional
        Wall-time budget, seconds.
    truth_kernel : array_like, optional
        A true kernel (or N): the history then records the kernel error.
    refine_support : float, optional
        Refine a 1-D, one-kernel result by support selection, given the
        data's noise level σ (0 for noiseless data). A recording's 1-D,
        one-kernel run under the linear boundary refines by default, at the
        noise level estimated from the data.
    no_refine : bool, default False
        No refinement at all, not even a recording's default one (as
        ``sasd deconv --no-refine``; not with ``refine_support``).
    rate : float, optional
        Sampling rate in Hz (as ``--rate``): ``baseline`` is then in
        seconds (period × rate samples) and :attr:`Result.events` gets a
        ``time`` field, ``sample / rate`` seconds.

    Returns
    -------
    Result
        Kernel(s), activation(s), bias/baseline, events, history and solver
        statistics.

    Raises
    ------
    ValueError
        Invalid options or data (the library's one-line message), e.g.
        ``rate <= 0``, or ``kernel_size="auto"`` for an image, several
        kernels or a truth kernel.
    TypeError
        ``y`` not an array of real numbers, or arguments of the wrong type.
    KeyboardInterrupt
        On Ctrl-C during the solve.

    Examples
    --------
    >>> inst = sasd.synth.instance(5000, 50, bias=1.0, seed=1)
    >>> res = sasd.deconvolve(inst.y, 50, boundary="circular")
    >>> res.kernel.shape, res.stop_reason
    ((50,), 'schedule completed')
    """
    arr = as_input(y)
    opts, sizes = _options(kernel_size, arr.ndim, method, lam, eta, bias, nonneg, kernels, boundary,
                           baseline, seed, max_iterations, time_budget, truth_kernel, refine_support, no_refine,
                           rate)
    d = _sasd.deconvolve(arr, sizes, **opts)
    return Result._from_native(d, y=arr, truth_kernel=truth_kernel)


def deconvolve_batch(ys, kernel_size, *, errors: str = "raise", **options):
    """Deconvolve many signals (or images) of one shape in parallel, in this process.

    Each is solved exactly as :func:`deconvolve` would solve it alone, on
    the library's thread pool (``sasd::pipeline::deconvolve_batch``), with
    the GIL released.

    Parameters
    ----------
    ys : array_like or list of array_like
        A 2-D array (signals × samples), a 3-D stack of images, or a list of
        equally shaped arrays.
    kernel_size : int or (int, int)
        As in :func:`deconvolve` (not ``"auto"``: one size for all).
    errors : {"raise", "return"}, default "raise"
        On a signal that fails: raise its ``ValueError``, or put the
        ``ValueError`` in its place in the returned list.
    **options
        Any keyword of :func:`deconvolve` (``no_refine``, ``rate``, …).

    Returns
    -------
    list of Result (or ValueError with ``errors="return"``)
    """
    if isinstance(ys, (list, tuple)):
        ys = np.stack([as_input(y) for y in ys]) if len(ys) else np.empty((0, 1))
    arr = as_input(ys, name="ys", min_ndim=2, max_ndim=3)
    truth = options.get("truth_kernel")
    opts, sizes = _options(kernel_size, arr.ndim - 1, **{**_DEFAULTS, **options})
    out = []
    for i, d in enumerate(_sasd.deconvolve_batch(arr, sizes, **opts)):
        if isinstance(d, str):
            if errors == "raise":
                raise ValueError(f"signal {i}: {d}")
            out.append(ValueError(d))
        else:
            out.append(Result._from_native(d, y=arr[i], truth_kernel=truth))
    return out


_DEFAULTS = dict(method="homotopy-iadm", lam=None, eta=None, bias=None, nonneg=False, kernels=1,
                 boundary=None, baseline=None, seed=0, max_iterations=None, time_budget=None,
                 truth_kernel=None, refine_support=None, no_refine=False, rate=None)


def __getattr__(name):
    # sasd.dask imports dask; load it only when asked for.
    if name == "dask":
        import importlib

        return importlib.import_module(".dask", __name__)
    raise AttributeError(f"module 'sasd' has no attribute {name!r}")
