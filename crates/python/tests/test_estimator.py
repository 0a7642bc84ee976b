"""sasd.SaSD: the scikit-learn estimator protocol."""

import numpy as np
import pytest

import sasd
from sasd.estimator import NotFittedError

INST = sasd.synth.instance(3000, 30, bias=1.0, seed=4)


def test_params_roundtrip_and_clone():
    est = sasd.SaSD(kernel_size=30, eta=0.3)
    p = est.get_params()
    assert p["kernel_size"] == 30 and p["eta"] == 0.3 and p["method"] == "homotopy-iadm"
    twin = type(est)(**p)  # what sklearn.base.clone does
    assert twin.get_params() == p
    assert est.set_params(lam=0.01, nonneg=True) is est and est.lam == 0.01
    with pytest.raises(ValueError, match="invalid parameter"):
        est.set_params(learning_rate=1)
    assert not any(k.endswith("_") for k in vars(sasd.SaSD()))  # __init__ only stores


def test_fit_equals_deconvolve_and_transform():
    est = sasd.SaSD(kernel_size=30, boundary="circular", eta=0.3, seed=4)
    with pytest.raises(NotFittedError):
        est.transform(INST.y)
    assert est.fit(INST.y) is est
    res = sasd.deconvolve(INST.y, 30, boundary="circular", eta=0.3, seed=4)
    np.testing.assert_array_equal(est.kernel_, res.kernel)
    np.testing.assert_array_equal(est.activation_, res.activation)
    assert est.bias_ == res.bias and est.n_features_in_ == 3000
    # transform: the activation of new data with the kernel fixed.
    # Same seed, other rate: the same kernel (drawn first) with another spike train.
    new_y = sasd.synth.instance(3000, 30, bias=1.0, seed=4, theta=0.02).y
    x = est.transform(INST.y)
    assert x.shape == (3000,)
    fit = np.fft.irfft(np.fft.rfft(x) * np.fft.rfft(est.kernel_, 3000), 3000) + est.bias_
    assert np.linalg.norm(fit - INST.y) < 0.05 * np.linalg.norm(INST.y - 1.0)
    assert est.transform(np.stack([INST.y, new_y])).shape == (2, 3000)


def test_sklearn_checks():
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline

    est = sasd.SaSD(kernel_size=30, boundary="circular", eta=0.3)
    assert clone(est).get_params() == est.get_params()
    pipe = make_pipeline(sasd.SaSD(kernel_size=30, boundary="circular", eta=0.3))
    assert pipe.fit_transform(INST.y[None, :]).shape == (1, 3000)
    from sklearn.utils.estimator_checks import check_get_params_invariance, check_set_params

    check_get_params_invariance("SaSD", est)
    check_set_params("SaSD", est)
