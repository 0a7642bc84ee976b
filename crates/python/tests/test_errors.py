"""Errors: ValueError / TypeError with the library's one-line messages, never a crash."""

import numpy as np
import pytest

import sasd

Y = sasd.synth.instance(2000, 20, bias=1.0, seed=1).y


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(method="newton"), "unknown method 'newton': expected one of adm, iadm"),
        (dict(lam=-1.0), "lambda must be finite and > 0, got -1"),
        (dict(kernels=0), "number of kernels must be positive"),
        (dict(boundary="periodic"), "unknown boundary 'periodic'"),
        (dict(method="two-stage", bias=True), "the two-stage algorithm does not support a bias"),
        (dict(eta=1.5), "eta must be in (0, 1), got 1.5"),
        (dict(baseline=5.0), "baseline period 5 must be finite and at least the kernel length"),
    ],
)
def test_bad_options_are_value_errors(kwargs, message):
    with pytest.raises(ValueError) as e:
        sasd.deconvolve(Y, 20, **kwargs)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_bad_data():
    with pytest.raises(ValueError, match="kernel_size 100 is too large for a signal of 200 samples"):
        sasd.deconvolve(Y[:200], 100)
    y = Y.copy()
    y[7] = np.nan
    with pytest.raises(ValueError, match="observation holds a non-finite value at index 7"):
        sasd.deconvolve(y, 20)
    with pytest.raises(ValueError, match="constant"):
        sasd.deconvolve(np.ones(500), 10, bias=True)
    with pytest.raises(ValueError, match="a 1-D signal or a 2-D image"):
        sasd.deconvolve(np.zeros((3, 3, 3)), 2)
    with pytest.raises(ValueError, match="kernel size must be positive"):
        sasd.deconvolve(Y, 0)


def test_bad_types_are_type_errors():
    with pytest.raises(TypeError, match="real numbers"):
        sasd.deconvolve(np.array(["a", "b"]), 1)
    with pytest.raises(TypeError, match="real numbers"):
        sasd.deconvolve(Y.astype(complex), 20)
    with pytest.raises(TypeError):
        sasd.deconvolve(Y, "twenty")
    with pytest.raises(TypeError):
        sasd.deconvolve(Y, 20, method=3)


def test_batch_errors_per_signal():
    ys = np.stack([Y, np.full_like(Y, np.inf)])
    out = sasd.deconvolve_batch(ys, 20, eta=0.3, errors="return")
    assert isinstance(out[0], sasd.Result) and isinstance(out[1], ValueError)
    with pytest.raises(ValueError, match="signal 1: observation holds a non-finite value at index 0"):
        sasd.deconvolve_batch(ys, 20, eta=0.3)


def test_metrics_errors():
    with pytest.raises(ValueError):
        sasd.metrics.kernel_error(np.zeros(5), np.ones(5))
    with pytest.raises(ValueError, match="unknown kernel"):
        sasd.synth.instance(100, 5, kernel="square")
