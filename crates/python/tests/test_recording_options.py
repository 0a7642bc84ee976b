"""The recording options of `sasd deconv` from Python: no_refine, rate, kernel_size="auto"."""

import _thread
import csv
import json
import threading
import time

import numpy as np
import pytest

import sasd


def _recording(n0=30, m=3000, seed=4, noise=0.05):
    # A window of a linear convolution with noise: the case that refines by default.
    return sasd.synth.instance(m, n0, bias=1.0, noise=noise, convolution="linear", seed=seed)


def _cli_run(cli, tmp_path, y, *args):
    np.save(tmp_path / "y.npy", y)
    cli("deconv", tmp_path / "y.npy", *args, "--out", tmp_path / "out", "-q", "--force")
    out = tmp_path / "out"
    return out, json.loads((out / "report.json").read_text())


def _same_arrays(res, out):
    np.testing.assert_allclose(res.kernel, np.load(out / "kernel.npy"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.activation, np.load(out / "activation.npy").ravel(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.reconstruction, np.load(out / "reconstruction.npy"), rtol=0, atol=1e-12)


def test_no_refine_same_numbers_as_the_cli(cli, tmp_path):
    inst = _recording()
    out, report = _cli_run(cli, tmp_path, inst.y, "--kernel-size", 30, "--seed", 4, "--bias", "--eta", 0.3,
                           "--no-refine")
    assert report["parameters"]["no_refine"] is True and report["result"]["refinement"] is None
    res = sasd.deconvolve(inst.y, 30, seed=4, eta=0.3, no_refine=True)
    _same_arrays(res, out)
    assert res.iterations == report["result"]["iterations"]
    # The default refines this recording: another kernel than the solve's.
    refined = sasd.deconvolve(inst.y, 30, seed=4, eta=0.3)
    assert np.abs(refined.kernel - res.kernel).max() > 1e-6
    # The batch and the estimator pass it on.
    (batch,) = sasd.deconvolve_batch(inst.y[None, :], 30, seed=4, eta=0.3, no_refine=True)
    np.testing.assert_array_equal(batch.kernel, res.kernel)
    est = sasd.SaSD(kernel_size=30, seed=4, eta=0.3, no_refine=True).fit(inst.y)
    np.testing.assert_array_equal(est.kernel_, res.kernel)
    assert est.get_params()["no_refine"] is True


def test_rate_scales_the_baseline_and_times_the_events_as_the_cli(cli, tmp_path):
    inst = _recording(n0=20, m=2000, seed=6)
    rate = 250.0
    out, report = _cli_run(cli, tmp_path, inst.y, "--kernel-size", 20, "--seed", 6, "--eta", 0.3,
                           "--baseline", 0.8, "--rate", rate)
    # 0.8 s at 250 Hz: a period of 200 samples.
    assert report["parameters"]["baseline_period_samples"] == 0.8 * rate
    res = sasd.deconvolve(inst.y, 20, seed=6, eta=0.3, bias=False, baseline=0.8, rate=rate)
    _same_arrays(res, out)
    np.testing.assert_allclose(res.baseline, np.load(out / "baseline.npy").ravel(), rtol=0, atol=1e-12)
    in_samples = sasd.deconvolve(inst.y, 20, seed=6, eta=0.3, bias=False, baseline=0.8 * rate)
    np.testing.assert_array_equal(res.kernel, in_samples.kernel)
    assert in_samples.rate is None and "time" not in in_samples.events.dtype.names
    # Events: the CLI's events.csv, time = (index − origin) / rate.
    assert res.rate == rate
    assert res.events.dtype.names == ("index", "sample", "time", "amplitude", "kernel")
    with open(out / "events.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(res.events) > 10
    np.testing.assert_array_equal(res.events["sample"], [int(r["index"]) for r in rows])
    np.testing.assert_array_equal(res.events["time"], [float(r["time"]) for r in rows])
    np.testing.assert_array_equal(res.events["time"], (res.events["index"] - res.origin) / rate)


@pytest.mark.parametrize("rate, shown", [(0.0, "0"), (-2.5, "-2.5"), (float("nan"), "NaN"), (float("inf"), "inf")])
def test_rate_must_be_a_frequency(rate, shown):
    y = _recording(n0=10, m=500).y
    with pytest.raises(ValueError) as e:
        sasd.deconvolve(y, 10, rate=rate)
    assert str(e.value) == f"rate must be a frequency > 0 in Hz, got {shown}"
    with pytest.raises(ValueError, match="rate must be a frequency > 0 in Hz"):
        sasd.deconvolve_batch(np.stack([y, y]), 10, rate=rate)


def test_auto_size_holds_a_30_tap_kernel_as_the_cli(cli, tmp_path):
    inst = _recording(n0=30, m=6000, seed=2)
    out, report = _cli_run(cli, tmp_path, inst.y, "--kernel-size", "auto", "--seed", 2, "--bias", "--eta", 0.3)
    res = sasd.deconvolve(inst.y, "auto", seed=2, eta=0.3)
    chosen = int(report["result"]["kernel_size"])
    assert len(res.kernel) == chosen >= 30
    assert res.kernel_size_probes == [(p["size"], p["extent"]) for p in report["result"]["kernel_size_probes"]]
    assert res.kernel_size_probes[-1][0] == chosen
    _same_arrays(res, out)
    # The 30 taps are recovered inside the chosen window (zero-padded, any shift).
    assert sasd.metrics.kernel_error(inst.kernel, res.kernel) < 0.05
    assert sasd.deconvolve(inst.y, 30, seed=2, eta=0.3).kernel_size_probes is None
    # The estimator reads its size from the data too.
    est = sasd.SaSD(kernel_size="auto", seed=2, eta=0.3).fit(inst.y)
    np.testing.assert_array_equal(est.kernel_, res.kernel)


@pytest.mark.parametrize(
    "y, kwargs, message",
    [
        (np.random.default_rng(0).random((60, 60)), {},
         "the automatic kernel size does not support images or 2-D kernels"),
        (None, dict(kernels=2), "the automatic kernel size does not support several kernels"),
        (None, dict(truth_kernel=np.ones(30) / np.sqrt(30)),
         "the automatic kernel size does not support a truth kernel"),
    ],
    ids=["image", "kernels", "truth"],
)
def test_auto_size_refusals(y, kwargs, message):
    y = _recording(n0=10, m=1000).y if y is None else y
    with pytest.raises(ValueError) as e:
        sasd.deconvolve(y, "auto", **kwargs)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_other_refusals():
    y = _recording(n0=10, m=1000).y
    with pytest.raises(ValueError, match="kernel_size 'auto' needs one 1-D signal"):
        sasd.deconvolve_batch(np.stack([y, y]), "auto")
    with pytest.raises(ValueError, match="refine_support cannot be used with no_refine"):
        sasd.deconvolve(y, 10, refine_support=0.1, no_refine=True)
    with pytest.raises(TypeError, match="'automatic'"):
        sasd.deconvolve(y, "automatic")


def test_ctrl_c_stops_an_auto_size_run():
    y = sasd.synth.instance(50_000, 50, bias=1.0, seed=3).y
    timer = threading.Timer(0.3, _thread.interrupt_main)
    t = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        sasd.deconvolve(y, "auto", method="iadm", max_iterations=10**7)
    assert time.perf_counter() - t < 3.0
