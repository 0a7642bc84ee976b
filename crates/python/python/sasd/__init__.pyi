from typing import Any, List, Literal, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import datasets as datasets
from . import metrics as metrics
from . import synth as synth
from ._deblur import DeblurResult as DeblurResult
from ._result import Result as Result
from .estimator import SaSD as SaSD

__version__: str
METHODS: Tuple[str, ...]

Method = Literal[
    "adm",
    "iadm",
    "ipalm",
    "homotopy-adm",
    "homotopy-iadm",
    "reweighted-iadm",
    "homotopy-reweighted-iadm",
    "trust-region",
    "curvilinear",
    "two-stage",
]
KernelSize = Union[int, Sequence[int], Literal["auto"]]

def deblur(
    image: npt.ArrayLike,
    kernel_size: Union[int, Sequence[int]],
    *,
    noise: Optional[float] = ...,
    lam: Optional[float] = ...,
) -> DeblurResult: ...
def as_input(y: npt.ArrayLike, *, name: str = ..., min_ndim: int = ..., max_ndim: int = ...) -> npt.NDArray[np.float64]: ...
def deconvolve(
    y: npt.ArrayLike,
    kernel_size: KernelSize,
    *,
    method: Method = ...,
    lam: Optional[float] = ...,
    eta: Optional[float] = ...,
    bias: Optional[bool] = ...,
    nonneg: bool = ...,
    kernels: int = ...,
    boundary: Optional[Literal["linear", "circular"]] = ...,
    baseline: Optional[float] = ...,
    seed: int = ...,
    max_iterations: Optional[int] = ...,
    time_budget: Optional[float] = ...,
    truth_kernel: Optional[npt.ArrayLike] = ...,
    refine_support: Optional[float] = ...,
    no_refine: bool = ...,
    rate: Optional[float] = ...,
) -> Result: ...
def deconvolve_batch(
    ys: Union[npt.ArrayLike, Sequence[npt.ArrayLike]],
    kernel_size: Union[int, Sequence[int]],
    *,
    errors: Literal["raise", "return"] = ...,
    **options: Any,
) -> List[Union[Result, ValueError]]: ...
from . import dask as dask
