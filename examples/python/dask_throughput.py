"""Throughput of sasd.dask.deconvolve_many on a 2-worker LocalCluster against the in-process Rust batch.

Both solve the same traces with the same options: `sasd.deconvolve_batch`
(the library's rayon batch, `sasd::pipeline::deconvolve_batch`, on every
core of this machine) and `sasd.dask.deconvolve_many` on a LocalCluster of
2 worker processes with 1 thread each on loopback. Prints traces per second
of each, their ratio, and checks that the kernels are identical.

    python examples/python/dask_throughput.py [--traces 1000] [--samples 10000] [--kernel 50]
"""

import argparse
import time

import numpy as np

import sasd
import sasd.dask

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--traces", type=int, default=1000)
    p.add_argument("--samples", type=int, default=10_000)
    p.add_argument("--kernel", type=int, default=50)
    p.add_argument("--chunk", type=int, default=50)
    a = p.parse_args()
    opts = dict(boundary="circular", eta=0.3)
    ys = np.stack([sasd.synth.instance(a.samples, a.kernel, bias=1.0, seed=s).y for s in range(a.traces)])

    t = time.perf_counter()
    ref = sasd.deconvolve_batch(ys, a.kernel, **opts)
    rust = time.perf_counter() - t

    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        t = time.perf_counter()
        out = sasd.dask.deconvolve_many(ys, a.kernel, chunk=a.chunk, **opts)
        dask_s = time.perf_counter() - t
    same = np.array_equal(out.kernels, np.stack([r.kernel for r in ref]))
    print(f"{a.traces} traces of {a.samples} samples, kernel {a.kernel}, {opts}")
    print(f"Rust batch (rayon, in process): {rust:.1f} s, {a.traces / rust:.1f} traces/s")
    print(f"Dask, 2-worker LocalCluster:    {dask_s:.1f} s, {a.traces / dask_s:.1f} traces/s")
    print(f"Dask / Rust throughput: {rust / dask_s:.2f}; kernels identical: {same}")
