"""Batches of deconvolutions on a Dask cluster: :func:`deconvolve_many`.

Dask does the distribution: each chunk of traces becomes one task that
runs :func:`sasd.deconvolve_batch` (the library's parallel batch) on the
worker that gets it, on whatever scheduler is active — the threaded one by
default, or a ``dask.distributed`` cluster once a ``Client`` is made::

    from dask.distributed import Client
    client = Client("tcp://scheduler-host:8786")   # a multi-machine cluster
    # (start it with `dask scheduler` on one machine and
    #  `dask worker tcp://scheduler-host:8786` on each of the others;
    #  every worker needs `pip install ./crates/python` too)
    out = sasd.dask.deconvolve_many(traces, 50, nonneg=True)

Every trace is solved exactly as :func:`sasd.deconvolve` solves it alone
(same options, same seed), so the results do not depend on the chunking
or on the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

import numpy as np

__all__ = ["deconvolve_many", "BatchResult"]


@dataclass
class BatchResult:
    """What :func:`deconvolve_many` returns, one row per trace.

    Attributes
    ----------
    kernels : ndarray or dask.array.Array
        ``(traces, n0)`` with one kernel (``(traces, N, n0)`` with N).
    activations : ndarray or dask.array.Array
        ``(traces, length)`` (``(traces, N, length)`` with N kernels).
    bias : ndarray
        ``(traces,)``, NaN where no bias was fitted or the trace failed.
    iterations, ffts : ndarray
        ``(traces,)`` int64 (-1 for a failed trace).
    stop_reasons : list of str
        The solver's stop reason, or ``"error: <message>"`` for a failed trace.
    events : ndarray
        Structured array (``trace``, ``index``, ``sample``, ``amplitude``,
        ``kernel``) of every trace's events; with ``rate``, also ``time``
        (seconds, ``sample / rate``) after ``sample``.
    """

    kernels: Any
    activations: Any
    bias: np.ndarray
    iterations: np.ndarray
    ffts: np.ndarray
    stop_reasons: List[str]
    events: np.ndarray

    def events_frame(self):
        """The events as a pandas DataFrame (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.events)


EVENT_DTYPE = np.dtype([("trace", np.int64), ("index", np.int64), ("sample", np.int64),
                        ("amplitude", np.float64), ("kernel", np.int64)])
#: With a sampling rate: each event's time, seconds.
TIMED_EVENT_DTYPE = np.dtype([("trace", np.int64), ("index", np.int64), ("sample", np.int64),
                              ("time", np.float64), ("amplitude", np.float64), ("kernel", np.int64)])


def _solve_block(block, first: int, kernel_size, options: dict, errors: str) -> dict:
    """One task: the library's batch on a block of traces (runs on a worker)."""
    import sasd

    block = np.ascontiguousarray(block, dtype=np.float64)
    results = sasd.deconvolve_batch(block, kernel_size, errors=errors, **options)
    k_shape, x_shape = _shapes(kernel_size, block.shape[1], options)
    kernels = np.full((len(results),) + k_shape, np.nan)
    activations = np.full((len(results),) + x_shape, np.nan)
    bias = np.full(len(results), np.nan)
    iterations = np.full(len(results), -1, dtype=np.int64)
    ffts = np.full(len(results), -1, dtype=np.int64)
    stops, events = [], []
    dtype = EVENT_DTYPE if options.get("rate") is None else TIMED_EVENT_DTYPE
    for i, r in enumerate(results):
        if isinstance(r, Exception):
            stops.append(f"error: {r}")
            continue
        kernels[i], activations[i] = r.kernels, r.activations
        bias[i] = np.nan if r.bias is None else r.bias
        iterations[i], ffts[i] = r.iterations, r.ffts
        stops.append(r.stop_reason)
        ev = np.empty(len(r.events), dtype=dtype)
        ev["trace"] = first + i
        for name in r.events.dtype.names:
            ev[name] = r.events[name]
        events.append(ev)
    if k_shape[0] == 1:
        kernels, activations = kernels[:, 0], activations[:, 0]
    return dict(kernels=kernels, activations=activations, bias=bias, iterations=iterations, ffts=ffts,
                stop_reasons=stops, events=np.concatenate(events) if events else np.empty(0, dtype))


def deconvolve_many(traces, kernel_size, *, compute: bool = True, errors: str = "return",
                    chunk: Optional[int] = None, **options) -> BatchResult:
    """Deconvolve many 1-D traces on the active Dask scheduler.

    Parameters
    ----------
    traces : dask.array.Array, ndarray or list of array_like
        ``traces × samples``. A dask array is rechunked to whole traces
        (its chunking along the traces is kept); a numpy array or a list is
        split into chunks of ``chunk`` traces.
    kernel_size : int
        Kernel length n0.
    compute : bool, default True
        Compute now (numpy results), or return ``kernels`` and
        ``activations`` as lazy dask arrays (``bias``, ``events``, … are
        then computed with them: call ``dask.compute`` on the arrays).
    errors : {"return", "raise"}, default "return"
        A failed trace is marked in ``stop_reasons`` (NaN kernel), or raises.
    chunk : int, optional
        Traces per task for numpy or list input (default: about 4 tasks per
        worker thread of the active scheduler, at least 1 trace).
    **options
        Any keyword of :func:`sasd.deconvolve` (method, lam, bias, nonneg,
        boundary, seed, no_refine, rate, …).

    Returns
    -------
    BatchResult

    Examples
    --------
    >>> from dask.distributed import Client, LocalCluster
    >>> client = Client(LocalCluster(n_workers=2, processes=True))   # or Client("tcp://host:8786")
    >>> out = sasd.dask.deconvolve_many(traces, 50, boundary="circular")
    >>> out.kernels.shape
    (1000, 50)
    """
    import dask
    import dask.array as da

    if isinstance(kernel_size, str) and kernel_size.strip().lower() == "auto":
        raise ValueError("kernel_size 'auto' needs one 1-D signal (not a batch): give a size")
    if not isinstance(kernel_size, (int, np.integer)):
        raise TypeError("deconvolve_many handles 1-D traces: kernel_size must be an int")
    if isinstance(traces, (list, tuple)):
        traces = np.stack([np.asarray(t, dtype=np.float64) for t in traces])
    solve = dask.delayed(_solve_block, pure=True)
    if isinstance(traces, da.Array):
        if traces.ndim != 2:
            raise ValueError(f"traces must be 2-D (traces × samples), got {traces.ndim} dimensions")
        traces = traces.rechunk({1: -1})
        sizes = traces.chunks[0]
        blocks = list(traces.to_delayed().ravel())
    else:
        traces = np.asarray(traces, dtype=np.float64)
        if traces.ndim != 2:
            raise ValueError(f"traces must be 2-D (traces × samples), got {traces.ndim} dimensions")
        if chunk is None:
            chunk = max(1, -(-traces.shape[0] // (4 * _workers())))
        blocks = [traces[i:i + chunk] for i in range(0, traces.shape[0], chunk)]
        sizes = tuple(len(b) for b in blocks)
        client = _client()
        if client is not None:
            # Ship the data to the workers once, outside the task graph. Not
            # under content-hashed keys (scatter's default): a second call on
            # the same data would get the key of blocks that the first call's
            # release is removing, and its tasks fail with "lost dependencies".
            blocks = client.scatter(blocks, hash=False)
    if not len(sizes):
        raise ValueError("no traces to deconvolve")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    tasks = [solve(b, int(s), int(kernel_size), options, errors) for b, s in zip(blocks, starts)]
    m = traces.shape[1]
    if compute:
        parts = dask.compute(*tasks)
        return _merge(parts)
    # Lazy: the arrays' blocks come from the tasks.
    k_shape, x_shape = _shapes(int(kernel_size), m, options)
    if k_shape[0] == 1:
        k_shape, x_shape = k_shape[1:], x_shape[1:]
    kernels = da.concatenate([da.from_delayed(t["kernels"], shape=(c,) + k_shape, dtype=np.float64)
                              for t, c in zip(tasks, sizes)])
    activations = da.concatenate([da.from_delayed(t["activations"], shape=(c,) + x_shape, dtype=np.float64)
                                  for t, c in zip(tasks, sizes)])
    return BatchResult(kernels=kernels, activations=activations, bias=None, iterations=None, ffts=None,
                       stop_reasons=None, events=None)


def _shapes(n0: int, m: int, options: dict):
    """Shapes of one trace's kernels (N, n0) and activations (N, length), as the library makes them."""
    count = int(options.get("kernels", 1))
    second_order = options.get("method", "homotopy-iadm").replace("_", "-") in ("trust-region", "curvilinear",
                                                                                 "two-stage")
    linear = options.get("boundary") == "linear" or (options.get("boundary") is None and not second_order)
    return (count, n0), (count, m + n0 - 1 if linear else m)


def _merge(parts) -> BatchResult:
    return BatchResult(
        kernels=np.concatenate([p["kernels"] for p in parts]),
        activations=np.concatenate([p["activations"] for p in parts]),
        bias=np.concatenate([p["bias"] for p in parts]),
        iterations=np.concatenate([p["iterations"] for p in parts]),
        ffts=np.concatenate([p["ffts"] for p in parts]),
        stop_reasons=[s for p in parts for s in p["stop_reasons"]],
        events=np.concatenate([p["events"] for p in parts]),
    )


def _client():
    """The active dask.distributed client, if any."""
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):
        return None


def _workers() -> int:
    """Worker threads of the active scheduler (a distributed client's, or this machine's)."""
    client = _client()
    if client is not None:
        return max(1, sum(client.nthreads().values()))
    import os

    return os.cpu_count() or 1
