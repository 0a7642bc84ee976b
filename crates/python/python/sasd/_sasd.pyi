# The native module (Rust, PyO3): use the functions of `sasd` instead.
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

METHODS: List[str]

def deconvolve(
    y: npt.NDArray[np.float64],
    kernel_size: Union[Sequence[int], str],
    *,
    method: str = ...,
    lam: Optional[float] = ...,
    eta: Optional[float] = ...,
    bias: Optional[bool] = ...,
    nonneg: bool = ...,
    kernels: int = ...,
    boundary: Optional[str] = ...,
    baseline: Optional[float] = ...,
    seed: int = ...,
    max_iterations: Optional[int] = ...,
    time_budget: Optional[float] = ...,
    truth_kernels: Optional[List[List[float]]] = ...,
    refine_support: Optional[float] = ...,
    no_refine: bool = ...,
    rate: Optional[float] = ...,
) -> Dict[str, Any]: ...
def deconvolve_batch(
    ys: npt.NDArray[np.float64],
    kernel_size: Union[Sequence[int], str],
    *,
    method: str = ...,
    lam: Optional[float] = ...,
    eta: Optional[float] = ...,
    bias: Optional[bool] = ...,
    nonneg: bool = ...,
    kernels: int = ...,
    boundary: Optional[str] = ...,
    baseline: Optional[float] = ...,
    seed: int = ...,
    max_iterations: Optional[int] = ...,
    time_budget: Optional[float] = ...,
    truth_kernels: Optional[List[List[float]]] = ...,
    refine_support: Optional[float] = ...,
    no_refine: bool = ...,
    rate: Optional[float] = ...,
) -> List[Union[Dict[str, Any], str]]: ...
def synth_instance(
    size: Sequence[int],
    kernel_size: Sequence[int],
    *,
    kernel: str = ...,
    activation: str = ...,
    theta: Optional[float] = ...,
    bias: float = ...,
    noise: float = ...,
    kernels: int = ...,
    convolution: str = ...,
    seed: int = ...,
    sigma: float = ...,
    tau: Tuple[float, float] = ...,
    rate: float = ...,
) -> Dict[str, Any]: ...
def kernel_error(a0: npt.NDArray[np.float64], a_hat: npt.NDArray[np.float64]) -> float: ...
def ecg() -> Tuple[npt.NDArray[np.float64], float, str]: ...
def spike_scores(
    x0: npt.NDArray[np.float64],
    x_hat: npt.NDArray[np.float64],
    threshold: float,
    tolerance: int = ...,
    a0: Optional[npt.NDArray[np.float64]] = ...,
    a_hat: Optional[npt.NDArray[np.float64]] = ...,
) -> Dict[str, Any]: ...

PHOTOGRAPHS: List[str]
def deblur(
    image: npt.NDArray[np.float64],
    kernel_size: Tuple[int, int],
    *,
    noise: Optional[float] = ...,
    lam: Optional[float] = ...,
) -> Dict[str, Any]: ...
def kernel_correlation(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float: ...
def psnr(
    image: npt.NDArray[np.float64],
    reference: npt.NDArray[np.float64],
    *,
    peak: float = ...,
    border: int = ...,
    max_shift: int = ...,
    subpixel: bool = ...,
) -> float: ...
def photograph(name: str) -> npt.NDArray[np.float64]: ...
