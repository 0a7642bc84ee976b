"""matplotlib drawing of a :class:`sasd.Result` (imported only by ``Result.plot``)."""

from __future__ import annotations

import numpy as np


def plot_result(result, truth_kernel=None, axes=None):
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("Result.plot needs matplotlib: pip install matplotlib") from e
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(14, 3.5))
    else:
        fig = axes[0].figure
    ax_k, ax_fit, ax_conv = axes
    kernel = result.kernel
    if kernel.ndim == 2:
        ax_k.imshow(kernel, cmap="gray")
        ax_k.set_title("kernel")
    else:
        ax_k.plot(kernel, label="recovered")
        if truth_kernel is not None:
            t = np.asarray(truth_kernel, dtype=float).ravel()
            if len(t) == len(kernel):
                # The truth at the circular shift and sign that best match the estimate.
                c = np.array([np.dot(np.roll(t, s), kernel) for s in range(len(t))])
                s = int(np.argmax(np.abs(c)))
                ax_k.plot(np.sign(c[s]) * np.roll(t, s), "--", label="truth")
        ax_k.legend()
        ax_k.set_title("kernel")
    if result.y is not None and np.ndim(result.y) == 1:
        ax_fit.plot(result.y, lw=0.6, label="data")
        ax_fit.plot(result.reconstruction, lw=0.6, label="fit")
        ev = result.events
        if len(ev):
            ax_fit.plot(ev["sample"], np.interp(ev["sample"], np.arange(len(result.y)), result.reconstruction),
                        "o", mfc="none", ms=4, label="events")
        ax_fit.legend()
        ax_fit.set_title("data and fit")
    elif result.reconstruction.ndim == 2:
        ax_fit.imshow(result.reconstruction, cmap="gray")
        ax_fit.set_title("reconstruction")
    h = result.history
    ax_conv.semilogy(h["iteration"], h["objective"] - np.nanmin(h["objective"]) + 1e-16, label="objective − min")
    if np.isfinite(h["kernel_error"]).any():
        ok = np.isfinite(h["kernel_error"])
        ax_conv.semilogy(h["iteration"][ok], h["kernel_error"][ok], label="kernel error")
    ax_conv.set_xlabel("iteration")
    ax_conv.legend()
    ax_conv.set_title(result.stop_reason)
    fig.tight_layout()
    return fig
