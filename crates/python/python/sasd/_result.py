"""The result of a deconvolution: :class:`Result`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

__all__ = ["Result"]

#: dtype of :attr:`Result.events`.
EVENT_DTYPE = np.dtype(
    [("index", np.int64), ("sample", np.int64), ("amplitude", np.float64), ("kernel", np.int64)]
)
#: dtype of :attr:`Result.events` when the sampling rate is known.
TIMED_EVENT_DTYPE = np.dtype(
    [("index", np.int64), ("sample", np.int64), ("time", np.float64), ("amplitude", np.float64),
     ("kernel", np.int64)]
)


@dataclass
class Result:
    """What :func:`sasd.deconvolve` returns.

    Attributes
    ----------
    kernel : ndarray
        The first (for SaSD, the only) kernel, unit norm, shape ``(n0,)`` or
        ``(n1, n2)``.
    activation : ndarray
        The first activation map, shifted and scaled to match ``kernel``.
        Under the linear boundary it has ``n0 - 1`` more samples than ``y``
        per axis (entry ``t`` is a spike at sample ``t - origin``).
    kernels, activations : ndarray
        All ``N`` kernels / activation maps, stacked along axis 0.
    bias : float or None
        The fitted constant (with a baseline, its mean).
    baseline : ndarray or None
        The fitted slowly varying baseline, one value per sample of ``y``.
    reconstruction : ndarray
        ``sum_k kernel_k * activation_k + bias`` on the shape of ``y``.
    events : ndarray
        Structured array (``index``, ``sample``, ``amplitude``, ``kernel``):
        one event per run of the activation, kept when
        ``|amplitude| >= 3 * noise`` (``sasd::events``); ``sample`` is the
        index in ``y``'s frame (``index - origin``). With ``rate``, a
        ``time`` field after ``sample``: ``sample / rate`` seconds (the
        ``time`` column of ``sasd deconv --rate``'s events.csv).
    noise : float
        Robust noise level of the residual ``y - reconstruction``.
    history : dict of ndarray
        Per iteration: ``iteration``, ``objective``, ``elapsed`` (s),
        ``lambda`` (NaN outside a continuation), ``ffts`` (cumulative),
        ``kernel_error`` (NaN where not taken), ``step_norm``, ``step_size``.
    stop_reason : str
        Why the solver stopped (e.g. ``"schedule completed"``).
    iterations, ffts : int
        Solver iterations over all stages; real FFTs of the solve.
    elapsed : float
        Wall time of the solve, seconds.
    lam : float
        λ of the final solve.
    boundary : str
        ``"linear"`` or ``"circular"``.
    origin : int
        Where sample 0 of ``y`` sits in an activation.
    warnings : list of str
        What the result says about the kernel size.
    truth_errors : ndarray or None
        Kernel errors against ``truth_kernels``, when given.
    certificate : dict or None
        Second-order methods: ``grad_norm``, ``lambda_min``, ``hess_calls``, ``mu``.
    rate : float or None
        The sampling rate (Hz) given to :func:`sasd.deconvolve`.
    kernel_size_probes : list of (int, int) or None
        With ``kernel_size="auto"``: each run's ``(size, extent)``, in order
        (the extent of its lifted kernel, in samples); the last run's size
        is ``len(kernel)``. ``elapsed`` then covers every run.
    """

    kernels: np.ndarray
    activations: np.ndarray
    lifted_kernels: np.ndarray
    bias: Optional[float]
    baseline: Optional[np.ndarray]
    reconstruction: np.ndarray
    events: np.ndarray
    noise: float
    history: Dict[str, np.ndarray]
    stop_reason: str
    iterations: int
    ffts: int
    elapsed: float
    lam: float
    boundary: str
    origin: int
    warnings: List[str]
    truth_errors: Optional[np.ndarray]
    certificate: Optional[Dict[str, Any]]
    rate: Optional[float] = None
    kernel_size_probes: Optional[List[Tuple[int, int]]] = None
    y: Optional[np.ndarray] = field(default=None, repr=False)
    truth_kernel: Optional[np.ndarray] = field(default=None, repr=False)

    @property
    def kernel(self) -> np.ndarray:
        """The first (for SaSD, the only) kernel."""
        return self.kernels[0]

    @property
    def activation(self) -> np.ndarray:
        """The first (for SaSD, the only) activation map."""
        return self.activations[0]

    @classmethod
    def _from_native(cls, d: Dict[str, Any], y=None, truth_kernel=None) -> "Result":
        index = d["events_index"]
        timed = d["events_time"] is not None
        events = np.empty(len(index), dtype=TIMED_EVENT_DTYPE if timed else EVENT_DTYPE)
        events["index"] = index
        events["sample"] = index - d["origin"]
        if timed:
            events["time"] = d["events_time"]
        events["amplitude"] = d["events_amplitude"]
        events["kernel"] = d["events_kernel"]
        return cls(
            kernels=d["kernels"],
            activations=d["activations"],
            lifted_kernels=d["lifted_kernels"],
            bias=d["bias"],
            baseline=d["baseline"],
            reconstruction=d["reconstruction"],
            events=events,
            noise=d["noise"],
            history=d["history"],
            stop_reason=d["stop_reason"],
            iterations=d["iterations"],
            ffts=d["ffts"],
            elapsed=d["elapsed"],
            lam=d["lambda"],
            boundary=d["boundary"],
            origin=d["origin"],
            warnings=list(d["warnings"]),
            truth_errors=d["truth_errors"],
            certificate=d["certificate"],
            rate=d["rate"],
            kernel_size_probes=None if d["kernel_size_probes"] is None else [tuple(p) for p in d["kernel_size_probes"]],
            y=y,
            truth_kernel=truth_kernel,
        )

    def __repr__(self) -> str:
        return (
            f"Result(kernel shape {self.kernel.shape}, {len(self.kernels)} kernel(s), "
            f"bias {self.bias}, {len(self.events)} events, {self.iterations} iterations, "
            f"{self.ffts} FFTs, {self.elapsed:.3g} s, stopped: {self.stop_reason})"
        )

    def plot(self, truth_kernel=None, *, axes=None):
        """Draw the kernel (against a truth), the fit of the data with the events, and the convergence.

        Needs matplotlib (imported only here).

        Parameters
        ----------
        truth_kernel : array_like, optional
            A true kernel to draw beside the estimate (default: the one given
            to :func:`sasd.deconvolve`, if any).
        axes : sequence of 3 matplotlib Axes, optional
            Where to draw; a new figure otherwise.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ._plot import plot_result

        return plot_result(self, truth_kernel if truth_kernel is not None else self.truth_kernel, axes)
