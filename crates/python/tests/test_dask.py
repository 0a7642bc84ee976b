"""sasd.dask on a LocalCluster of 2 worker processes on loopback."""

import numpy as np
import pytest

import sasd

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as c:
        yield c


def _traces(n=12, m=1500, n0=15):
    return np.stack([sasd.synth.instance(m, n0, bias=1.0, seed=s).y for s in range(n)])


def test_results_equal_the_local_batch(client):
    ys = _traces()
    ref = sasd.deconvolve_batch(ys, 15, eta=0.3)
    out = sasd.dask.deconvolve_many(da.from_array(ys, chunks=(5, 1500)), 15, eta=0.3)
    np.testing.assert_array_equal(out.kernels, np.stack([r.kernel for r in ref]))
    np.testing.assert_array_equal(out.activations, np.stack([r.activation for r in ref]))
    np.testing.assert_array_equal(out.bias, [r.bias for r in ref])
    np.testing.assert_array_equal(out.iterations, [r.iterations for r in ref])
    assert out.stop_reasons == [r.stop_reason for r in ref]
    assert len(out.events) == sum(len(r.events) for r in ref)
    np.testing.assert_array_equal(out.events["trace"][: len(ref[0].events)], 0)
    # Both workers took part.
    assert len(client.scheduler_info()["workers"]) == 2


def test_list_input_lazy_output_and_failures(client):
    ys = list(_traces(4))
    ys[2] = np.full(1500, np.nan)
    out = sasd.dask.deconvolve_many(ys, 15, eta=0.3)
    assert out.stop_reasons[2].startswith("error: observation holds a non-finite value")
    assert np.isnan(out.kernels[2]).all() and out.iterations[2] == -1
    lazy = sasd.dask.deconvolve_many(np.stack(ys), 15, eta=0.3, compute=False, chunk=2)
    assert isinstance(lazy.kernels, da.Array)
    np.testing.assert_array_equal(lazy.kernels.compute(), out.kernels)
    with pytest.raises(ValueError, match="non-finite"):
        sasd.dask.deconvolve_many(ys, 15, eta=0.3, errors="raise")


def test_recording_options_pass_through(client):
    # no_refine and rate reach every trace; events get times; no automatic size for a batch.
    ys = _traces(3)
    ref = sasd.deconvolve_batch(ys, 15, eta=0.3, no_refine=True, rate=100.0)
    out = sasd.dask.deconvolve_many(ys, 15, eta=0.3, no_refine=True, rate=100.0, chunk=2)
    np.testing.assert_array_equal(out.kernels, np.stack([r.kernel for r in ref]))
    assert out.events.dtype.names == ("trace", "index", "sample", "time", "amplitude", "kernel")
    np.testing.assert_array_equal(out.events["time"], np.concatenate([r.events["time"] for r in ref]))
    np.testing.assert_array_equal(out.events["time"], out.events["sample"] / 100.0)
    with pytest.raises(ValueError, match="kernel_size 'auto' needs one 1-D signal"):
        sasd.dask.deconvolve_many(ys, "auto")
