"""Synthetic instances with ground truth (``sasd::synth``), as in the papers' experiments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence, Union

import numpy as np

from . import _sasd

__all__ = ["Instance", "instance"]


@dataclass
class Instance:
    """A drawn instance ``y = sum_k a0_k * x0_k + b + sigma * n``.

    Attributes
    ----------
    y : ndarray
        The observation.
    clean : ndarray
        ``sum_k a0_k * x0_k`` without bias and noise.
    kernels, activations : ndarray
        Ground truth, stacked along axis 0 (kernels unit norm).
    bias, noise, theta : float
        Bias b, noise σ, Bernoulli rate θ.
    seed : int
    """

    y: np.ndarray = field(repr=False)
    clean: np.ndarray = field(repr=False)
    kernels: np.ndarray = field(repr=False)
    activations: np.ndarray = field(repr=False)
    bias: float
    noise: float
    theta: float
    seed: Optional[int]

    @property
    def kernel(self) -> np.ndarray:
        """The first (for SaSD, the only) true kernel."""
        return self.kernels[0]

    @property
    def activation(self) -> np.ndarray:
        """The first true activation."""
        return self.activations[0]


def _shape(v) -> list:
    return [int(v)] if isinstance(v, (int, np.integer)) else [int(t) for t in v]


def instance(size: Union[int, Sequence[int]], kernel_size: Union[int, Sequence[int]], *, kernel: str = "random",
             activation: str = "bernoulli-rademacher", theta: Optional[float] = None, bias: float = 0.0,
             noise: float = 0.0, kernels: int = 1, convolution: str = "cyclic", seed: int = 0,
             sigma: float = 0.5, tau=(0.5, 0.05), rate: float = 100.0) -> Instance:
    """Draw a synthetic SaSD / CDL instance (``sasd::synth::InstanceSpec``).

    The same arguments and seed give the same instance as the Rust library
    (and ``sasd synth``).

    Parameters
    ----------
    size : int or (int, int)
        Length m of the activation (or its image shape).
    kernel_size : int or (int, int)
        Kernel length n0 (or n1 × n2).
    kernel : {"random", "gaussian", "ar1", "ar2"}, default "random"
        Uniform on the sphere; Gaussian window g_{n0,σ} (2-D: separable
        Gaussian); AR(1)/AR(2) calcium transients (1-D, seed 003 eq. 6.2/6.3).
    activation : {"bernoulli", "bernoulli-gaussian", "bernoulli-rademacher"}
        Law of the activation.
    theta : float, optional
        Bernoulli rate (default n0^(-3/4), LQK+20 §5.2).
    bias, noise : float
        Constant b and noise standard deviation σ.
    kernels : int, default 1
        Number of kernels (each drawn afresh for ``random``).
    convolution : {"cyclic", "linear"}
        Cyclic (y of the activation's shape) or full linear convolution.
    seed : int
    sigma : float
        Relative width of the Gaussian kernel (0.5 in LQK+20 §5).
    tau : (float, float)
        AR decay time τ1 and (AR(2)) rise time τ2, seconds.
    rate : float
        Sampling rate of the AR kernels, Hz.

    Returns
    -------
    Instance

    Examples
    --------
    >>> inst = instance(10_000, 100, bias=1.0, seed=1)   # LQK+20 §5.2
    >>> inst.y.shape, inst.kernel.shape
    ((10000,), (100,))
    """
    d = _sasd.synth_instance(_shape(size), _shape(kernel_size), kernel=kernel, activation=activation, theta=theta,
                             bias=float(bias), noise=float(noise), kernels=int(kernels), convolution=convolution,
                             seed=int(seed), sigma=float(sigma), tau=(float(tau[0]), float(tau[1])), rate=float(rate))
    return Instance(**d)
