"""Plots (only with matplotlib), spike scores, stubs."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import sasd


def test_import_loads_neither_matplotlib_nor_dask():
    code = "import sys, sasd; print('matplotlib' in sys.modules, 'dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["False", "False"]


def test_plot():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    inst = sasd.synth.instance(2000, 20, bias=1.0, seed=1)
    res = sasd.deconvolve(inst.y, 20, boundary="circular", eta=0.3, truth_kernel=inst.kernel)
    fig = res.plot()
    assert len(fig.axes) == 3


def test_spike_scores():
    inst = sasd.synth.instance(5000, 50, bias=1.0, seed=1)
    res = sasd.deconvolve(inst.y, 50, boundary="circular", seed=1)
    thr = 0.2 * np.abs(res.activation).max()
    s = sasd.metrics.spike_scores(inst.activation, res.activation, thr, 2, a0=inst.kernel, a_hat=res.kernel)
    assert s["f1"] > 0.99
    exact = sasd.metrics.spike_scores(inst.activation, inst.activation, 0.5)
    assert exact["f1"] == 1.0 and exact["false_positives"] == 0
    with pytest.raises(ValueError, match="both kernels"):
        sasd.metrics.spike_scores(inst.activation, res.activation, thr, a0=inst.kernel)


def test_stubs_ship_with_the_package():
    pkg = pathlib.Path(sasd.__file__).parent
    for name in ("__init__.pyi", "_sasd.pyi", "py.typed"):
        assert (pkg / name).is_file(), name
    assert "Parameters\n    ----------" in sasd.deconvolve.__doc__
