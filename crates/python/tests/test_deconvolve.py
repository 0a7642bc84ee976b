"""sasd.deconvolve: the Rust library's numbers, shapes, conversions and results."""

import json

import numpy as np
import pytest

import sasd


def test_section_5_2_instance_recovered():
    # Seed 003 §5.2 (n0 = 100, m = 1e4, θ = n0^-3/4, bias 1), as `sasd demo` runs it.
    inst = sasd.synth.instance(10_000, 100, bias=1.0, seed=1)
    res = sasd.deconvolve(inst.y, 100, boundary="circular", seed=1, truth_kernel=inst.kernel)
    err = sasd.metrics.kernel_error(inst.kernel, res.kernel)
    assert err <= 1e-5
    assert res.truth_errors[0] == pytest.approx(err, abs=1e-15)
    assert res.bias == pytest.approx(1.0, abs=1e-4)
    assert res.stop_reason == "schedule completed"
    assert res.kernel.shape == (100,) and res.activation.shape == (10_000,)
    h = res.history
    assert len(h["objective"]) == res.iterations
    assert h["ffts"][-1] <= res.ffts
    assert np.isfinite(h["kernel_error"]).any()
    # The fit reproduces the data and the events are the true spikes' runs.
    assert np.abs(res.reconstruction - inst.y).max() < 1e-2
    assert abs(len(res.events) - np.count_nonzero(inst.activation)) <= 0.1 * np.count_nonzero(inst.activation)


def test_synth_equals_the_rust_generator(cli, tmp_path):
    cli("synth", "--out", tmp_path / "d", "--size", 3000, "--kernel-size", 30, "--kernel", "random",
        "--bias", 1, "--seed", 4, "-q")
    inst = sasd.synth.instance(3000, 30, bias=1.0, seed=4)
    np.testing.assert_array_equal(np.load(tmp_path / "d" / "data.npy"), inst.y)
    np.testing.assert_array_equal(np.load(tmp_path / "d" / "kernel.npy"), inst.kernel)


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (["--bias", "--boundary", "circular", "--eta", "0.3"], dict(bias=True, boundary="circular", eta=0.3)),
        (["--bias", "--nonneg", "--method", "iadm", "--max-iterations", "300"],
         dict(bias=True, nonneg=True, method="iadm", max_iterations=300)),
        (["--method", "trust-region", "--max-iterations", "200"], dict(method="trust-region", max_iterations=200)),
    ],
    ids=["homotopy-circular", "iadm-linear-nonneg", "trust-region"],
)
def test_same_numbers_as_the_rust_library(cli, tmp_path, args, kwargs):
    inst = sasd.synth.instance(3000, 30, bias=1.0, seed=4)
    np.save(tmp_path / "y.npy", inst.y)
    cli("deconv", tmp_path / "y.npy", "--kernel-size", 30, "--seed", 4, *args, "--out", tmp_path / "out", "-q")
    res = sasd.deconvolve(inst.y, 30, seed=4, **kwargs)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    np.testing.assert_allclose(res.kernel, np.load(tmp_path / "out" / "kernel.npy"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.activation, np.load(tmp_path / "out" / "activation.npy").ravel(), rtol=0,
                               atol=1e-12)
    np.testing.assert_allclose(res.reconstruction, np.load(tmp_path / "out" / "reconstruction.npy"), rtol=0,
                               atol=1e-12)
    assert res.iterations == report["result"]["iterations"]
    assert res.ffts == report["result"]["ffts"]


def test_image_and_batch():
    img = sasd.synth.instance((64, 64), (6, 6), bias=1.0, seed=2)
    res = sasd.deconvolve(img.y, (6, 6), boundary="circular")
    assert res.kernel.shape == (6, 6) and res.activation.shape == (64, 64)
    assert sasd.metrics.kernel_error(img.kernel, res.kernel) < 1e-4
    # A batch gives each signal the numbers it gets alone.
    ys = np.stack([sasd.synth.instance(1500, 15, bias=1.0, seed=s).y for s in range(3)])
    batch = sasd.deconvolve_batch(ys, 15, eta=0.3)
    for y, r in zip(ys, batch):
        alone = sasd.deconvolve(y, 15, eta=0.3)
        np.testing.assert_array_equal(r.kernel, alone.kernel)
        np.testing.assert_array_equal(r.activation, alone.activation)


def test_float32_and_strided_input_are_converted():
    inst = sasd.synth.instance(1500, 15, bias=1.0, seed=3)
    ref = sasd.deconvolve(inst.y, 15, eta=0.3)
    strided = np.repeat(inst.y, 2)[::2]
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(sasd.deconvolve(strided, 15, eta=0.3).kernel, ref.kernel)
    y32 = inst.y.astype(np.float32)
    r32 = sasd.deconvolve(y32, 15, eta=0.3)
    assert sasd.metrics.kernel_error(ref.kernel, r32.kernel) < 1e-3
    # A Fortran-ordered image is read in its logical (row-major) order.
    img = sasd.synth.instance((40, 40), (4, 4), bias=1.0, seed=5).y
    np.testing.assert_array_equal(sasd.deconvolve(np.asfortranarray(img), (4, 4), eta=0.3).kernel,
                                  sasd.deconvolve(img, (4, 4), eta=0.3).kernel)


def test_result_fields():
    inst = sasd.synth.instance(2000, 20, bias=1.0, seed=6)
    res = sasd.deconvolve(inst.y, 20, eta=0.3, baseline=200.0)
    assert res.boundary == "linear" and res.origin == 19
    assert res.activation.shape == (2000 + 19,)
    assert res.baseline.shape == (2000,)
    assert set(res.history) >= {"iteration", "objective", "elapsed", "lambda", "ffts", "kernel_error"}
    assert res.events.dtype.names == ("index", "sample", "amplitude", "kernel")
    np.testing.assert_array_equal(res.events["sample"], res.events["index"] - 19)
    assert res.elapsed > 0 and res.iterations > 0 and res.ffts > 0
    assert "iterations" in repr(res)


def test_ecg_dataset():
    rec = sasd.datasets.ecg()
    assert rec.rate == 360.0 and rec.samples.shape == (21_600,)
