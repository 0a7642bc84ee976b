"""The calcium case end to end, notebook style (seed 003 §6.1.1).

An AR(2) calcium trace (rise 30 ms, decay 200 ms at 100 Hz, spikes at rate
n0^-0.8, offset 1, noise σ = 0.05) is generated with ground truth, then
deconvolved blind with x ≥ 0 by reweighted iADM — the settings of the
`sasd demo` calcium case — and scored: kernel error, spike F1, bias, events.
Pass --plot to draw it (needs matplotlib).

    pip install ./crates/python
    python examples/python/calcium.py [--seed 1] [--plot out.png]
"""

import argparse

import numpy as np

import sasd

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--plot", metavar="PNG", help="save the figure of the result (matplotlib)")
args = parser.parse_args()

# 1. Data with ground truth: 10^4 samples, a 100-sample AR(2) transient.
n0 = 100
inst = sasd.synth.instance(10_000, n0, kernel="ar2", tau=(0.2, 0.03), rate=100.0, activation="bernoulli",
                           theta=n0 ** -0.8, bias=1.0, noise=0.05, seed=args.seed)
print(f"trace: {inst.y.size} samples, {np.count_nonzero(inst.activation)} spikes, noise {inst.noise}")

# 2. Blind deconvolution: kernel, non-negative activation, offset.
res = sasd.deconvolve(inst.y, n0, method="reweighted-iadm", nonneg=True, lam=0.1, bias=True,
                      boundary="circular", seed=args.seed, truth_kernel=inst.kernel)
print(res)

# 3. Scores against the truth.
err = sasd.metrics.kernel_error(inst.kernel, res.kernel)
threshold = 0.2 * np.abs(res.activation).max()
scores = sasd.metrics.spike_scores(inst.activation, res.activation, threshold, 2, a0=inst.kernel, a_hat=res.kernel)
print(f"kernel error {err:.2e}   spikes: {scores['true_positives']} of "
      f"{np.count_nonzero(inst.activation)} found, F1 {scores['f1']:.3f}   bias {res.bias:.4f} (true 1)")
print(f"{len(res.events)} events (3σ̂ rule, σ̂ = {res.noise:.3f}); first five:")
print(res.events[:5])
print(f"history: {len(res.history['objective'])} iterations, final objective {res.history['objective'][-1]:.4f}")

# 4. The same as a scikit-learn-style estimator, and the learned kernel on a new trace.
est = sasd.SaSD(kernel_size=n0, method="reweighted-iadm", nonneg=True, lam=0.1, boundary="circular",
                seed=args.seed).fit(inst.y)
new = sasd.synth.instance(10_000, n0, kernel="ar2", tau=(0.2, 0.03), rate=100.0, activation="bernoulli",
                          theta=n0 ** -0.8, bias=1.0, noise=0.05, seed=args.seed + 100)
x_new = est.transform(new.y)
print(f"transform of a new trace: {np.count_nonzero(x_new > 0.2 * x_new.max())} detections for "
      f"{np.count_nonzero(new.activation)} spikes")

if args.plot:
    fig = res.plot(inst.kernel)
    fig.savefig(args.plot, dpi=120)
    print(f"figure: {args.plot}")
