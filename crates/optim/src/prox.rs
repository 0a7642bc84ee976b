//! Penalties g with cheap proximal operators, for the composite problems
//! min ψ(a, x) + λ·g(x) (LQK+20, App. B.1.1, C.1.1, B.3).
//!
//! `prox(z, ρ)` is argmin_u ρ·g(u) + ½‖u − z‖²; solvers call it with ρ = λ·t.

use pulp::{Arch, Simd, WithSimd};

use crate::problem::{ProxTrial, Regularizer};

/// S_ρ(z) = sign(z)·max(|z| − ρ, 0), the soft-thresholding operator.
#[inline]
pub fn soft_threshold(z: f64, rho: f64) -> f64 {
    z.signum() * (z.abs() - rho).max(0.0)
}

/// g(x) = ‖x‖₁; prox = soft thresholding (LQK+20, App. C.1.1). With
/// `nonnegative`, g also includes the indicator of x ≥ 0 and the prox becomes
/// max(z − ρ, 0) (LQK+20, B.11).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct L1 {
    /// Constrain x ≥ 0.
    pub nonnegative: bool,
}

/// g(x) = Σ w_i|x_i| with w ≥ 0 (LQK+20, B.6/B.8, the reweighted penalty);
/// optional non-negativity as for [`L1`].
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedL1 {
    /// The weights w (one per entry of x, all ≥ 0 and finite), or none:
    /// every weight is 1 ([`uniform`](Self::uniform)). Why empty rather
    /// than a vector of ones: at m = 10⁷ the ones take 80 MB, and reading
    /// them adds a stream to every prox pass.
    pub weights: Vec<f64>,
    /// Constrain x ≥ 0.
    pub nonnegative: bool,
}

/// The indicator of the non-negative orthant: prox = max(z, 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NonNegative;

/// The indicator of the ℓ² ball {‖x‖ ≤ r}: prox = projection onto the ball.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct L2Ball {
    /// The radius r > 0.
    pub radius: f64,
}

fn outside_orthant(x: &[f64]) -> bool {
    x.iter().any(|t| *t < 0.0)
}

impl Regularizer for L1 {
    fn value(&self, x: &[f64]) -> f64 {
        if self.nonnegative && outside_orthant(x) {
            return f64::INFINITY;
        }
        x.iter().map(|t| t.abs()).sum()
    }

    fn prox(&self, z: &[f64], rho: f64, out: &mut [f64]) {
        if self.nonnegative {
            out.iter_mut().zip(z).for_each(|(o, zi)| *o = (zi - rho).max(0.0));
        } else {
            out.iter_mut()
                .zip(z)
                .for_each(|(o, zi)| *o = soft_threshold(*zi, rho));
        }
    }

    fn trial_needs_scratch(&self) -> bool {
        false
    }

    /// One pass (the module's fused kernel): the arithmetic of [`prox`](Regularizer::prox),
    /// [`ProxTrial::sums`] and g(u) (u ≥ 0 under `nonnegative`: the
    /// orthant test of [`value`](Regularizer::value) cannot fail).
    fn prox_trial(
        &self,
        w: &[f64],
        grad: &[f64],
        v: &[f64],
        t: f64,
        rho: f64,
        _z: &mut [f64],
        out: &mut [f64],
    ) -> ProxTrial {
        if self.nonnegative {
            fused(w, grad, v, t, rho, Unit, out, ShrinkNonNegative)
        } else {
            fused(w, grad, v, t, rho, Unit, out, Shrink)
        }
    }
}

/// Per-entry weights of a separable penalty in [`fused`]: none (all 1, which
/// leaves ρ and |u| exactly as they are) or a slice.
trait Weights: Copy + Send + Sync {
    /// ω_i for the entries `start..start + LANES`.
    fn lanes(self, start: usize) -> [f64; LANES];
    /// ω_i.
    fn at(self, i: usize) -> f64;
    /// ω_i for the entries `start..start + S::F64_LANES`, as a vector.
    fn vector<S: Simd>(self, simd: S, start: usize) -> S::f64s;
    /// The weights of the entries `start..`.
    fn skip(self, start: usize) -> Self;
}

#[derive(Clone, Copy)]
struct Unit;

impl Weights for Unit {
    #[inline(always)]
    fn lanes(self, _: usize) -> [f64; LANES] {
        [1.0; LANES]
    }
    #[inline(always)]
    fn at(self, _: usize) -> f64 {
        1.0
    }
    #[inline(always)]
    fn vector<S: Simd>(self, simd: S, _: usize) -> S::f64s {
        simd.splat_f64s(1.0)
    }
    fn skip(self, _: usize) -> Self {
        self
    }
}

impl Weights for &[f64] {
    #[inline(always)]
    fn lanes(self, start: usize) -> [f64; LANES] {
        self[start..start + LANES].try_into().expect("LANES entries")
    }
    #[inline(always)]
    fn at(self, i: usize) -> f64 {
        self[i]
    }
    #[inline(always)]
    fn vector<S: Simd>(self, _: S, start: usize) -> S::f64s {
        S::as_simd_f64s(&self[start..start + S::F64_LANES]).0[0]
    }
    fn skip(self, start: usize) -> Self {
        &self[start..]
    }
}

/// Running sums of [`fused`], one per lane.
const LANES: usize = 4;

/// The lanes' partial sums of [`fused`].
#[derive(Clone, Copy, Default)]
struct Lanes {
    lin: [f64; LANES],
    sq: [f64; LANES],
    peak: [f64; LANES],
    moved: [f64; LANES],
    norm: [f64; LANES],
    value: [f64; LANES],
    /// Σ 0·∇_i: ±0 while every ∇_i is finite, NaN after any is not.
    bad: [f64; LANES],
}

impl Lanes {
    /// Entry (u, w, ∇, v, ω) into lane l.
    #[inline(always)]
    fn add(&mut self, l: usize, u: f64, w: f64, g: f64, v: f64, omega: f64) {
        self.bad[l] += g * 0.0;
        let d = u - w;
        self.lin[l] += d * g;
        self.sq[l] += d * d;
        // As f64::max (a NaN |d| leaves the peak), one instruction.
        let a = d.abs();
        self.peak[l] = if a > self.peak[l] { a } else { self.peak[l] };
        let m = v - u;
        self.moved[l] += m * m;
        self.norm[l] += u * u;
        self.value[l] += omega * u.abs();
    }

    /// The last n mod [`LANES`] entries, from `whole` on, into lanes 0, 1, ….
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn tail<W: Weights, T: Threshold>(
        &mut self,
        whole: usize,
        out: &mut [f64],
        w: &[f64],
        grad: &[f64],
        v: &[f64],
        t: f64,
        rho: f64,
        weights: W,
        threshold: T,
    ) {
        for i in whole..out.len() {
            let omega = weights.at(i);
            out[i] = threshold.scalar(w[i] - t * grad[i], rho * omega);
            self.add(i - whole, out[i], w[i], grad[i], v[i], omega);
        }
    }

    /// The lanes of two consecutive parts of a pass, lane by lane (the
    /// second part starts at a multiple of [`LANES`]).
    fn merge(mut self, other: Self) -> Self {
        for l in 0..LANES {
            self.lin[l] += other.lin[l];
            self.sq[l] += other.sq[l];
            self.peak[l] = if other.peak[l] > self.peak[l] {
                other.peak[l]
            } else {
                self.peak[l]
            };
            self.moved[l] += other.moved[l];
            self.norm[l] += other.norm[l];
            self.value[l] += other.value[l];
            self.bad[l] += other.bad[l];
        }
        self
    }

    fn total(&self) -> ProxTrial {
        let add = |a: [f64; LANES]| (a[0] + a[1]) + (a[2] + a[3]);
        ProxTrial {
            lin: add(self.lin),
            sq: add(self.sq),
            peak: self.peak.iter().fold(0.0_f64, |p, q| p.max(*q)),
            finite: add(self.bad) == 0.0,
            moved_sq: add(self.moved),
            norm_sq: add(self.norm),
            value: Some(add(self.value)),
        }
    }
}

/// The fused [`Regularizer::prox_trial`] of a separable penalty: u_i =
/// `prox(z_i, ρ·ω_i)` with z_i = w_i − t·∇_i, and g(u) = Σ ω_i|u_i|, ω the
/// weights. One pass over w, ∇, v (and ω), writing u, compiled for the
/// machine's vector unit (pulp's run-time dispatch, as `sasd`'s passes).
///
/// The sums run in [`LANES`] interleaved partial sums (entry i into lane
/// i mod 4), added pairwise at the end: a single running sum is a chain of
/// dependent additions, one add latency (4 cycles) per entry, and the six
/// of them held the pass to ~8 cycles per entry where the lanes let it
/// vectorise. They differ from the entry-order sums of [`ProxTrial::sums`]
/// in rounding only (relative 1e-16 per term).
///
/// From [`SPLIT_FROM`] entries on, the pass is cut in two halves (at a
/// multiple of [`LANES`]) run by `rayon::join`, recursively, and each
/// lane's sums of the two halves are added: the cuts depend on the length
/// only, so any number of threads gives the same bits.
#[allow(clippy::too_many_arguments)]
fn fused<W: Weights, T: Threshold>(
    w: &[f64],
    grad: &[f64],
    v: &[f64],
    t: f64,
    rho: f64,
    weights: W,
    out: &mut [f64],
    threshold: T,
) -> ProxTrial {
    let pass = Fused {
        w,
        grad,
        v,
        t,
        rho,
        weights,
        out,
        threshold,
    };
    pass.split().total()
}

/// Passes of at least this many entries are split in two halves run on
/// rayon's threads (64 k entries: a leaf takes ~40 µs, against a few µs to
/// hand a half to another thread).
const SPLIT_FROM: usize = 1 << 16;

/// The prox of one entry of a separable ℓ¹ penalty, in scalar and vector
/// form (the same operations, so both give the same bits).
trait Threshold: Copy + Send + Sync {
    /// prox(z, ρ) of one entry.
    fn scalar(self, z: f64, rho: f64) -> f64;
    /// [`scalar`](Self::scalar) lane by lane.
    fn lanes<S: Simd>(self, simd: S, z: S::f64s, rho: S::f64s) -> S::f64s;
}

/// copysign(max(|z| − ρ, 0), z): [`soft_threshold`] without its NaN
/// branches; equal to it for every z but NaN (where
/// [`Regularizer::prox_trial`]'s caller discards the trial anyway: a NaN
/// z_i comes from a non-finite ∇_i).
#[derive(Clone, Copy)]
struct Shrink;

/// max(z − ρ, 0), the non-negative ℓ¹ prox.
#[derive(Clone, Copy)]
struct ShrinkNonNegative;

impl Threshold for Shrink {
    #[inline(always)]
    fn scalar(self, z: f64, rho: f64) -> f64 {
        positive_part(z.abs() - rho).copysign(z)
    }
    #[inline(always)]
    fn lanes<S: Simd>(self, simd: S, z: S::f64s, rho: S::f64s) -> S::f64s {
        let magnitude = simd.max_f64s(simd.sub_f64s(simd.abs_f64s(z), rho), simd.splat_f64s(0.0));
        // The magnitude's sign bit is clear: or-ing z's sign bit in is copysign.
        let sign = simd.and_f64s(z, simd.splat_f64s(-0.0));
        simd.or_f64s(magnitude, sign)
    }
}

impl Threshold for ShrinkNonNegative {
    #[inline(always)]
    fn scalar(self, z: f64, rho: f64) -> f64 {
        positive_part(z - rho)
    }
    #[inline(always)]
    fn lanes<S: Simd>(self, simd: S, z: S::f64s, rho: S::f64s) -> S::f64s {
        simd.max_f64s(simd.sub_f64s(z, rho), simd.splat_f64s(0.0))
    }
}

/// [`fused`] on a pulp backend.
struct Fused<'a, W, T> {
    w: &'a [f64],
    grad: &'a [f64],
    v: &'a [f64],
    t: f64,
    rho: f64,
    weights: W,
    out: &'a mut [f64],
    threshold: T,
}

impl<W: Weights, T: Threshold> WithSimd for Fused<'_, W, T> {
    type Output = Lanes;

    /// With vectors of [`LANES`] entries (AVX2), written in the backend's
    /// vector operations: the compiler vectorised the plain lanes poorly
    /// (128-bit halves, shuffles and spills to the stack: 2.2 ns per entry
    /// at n = 10⁴ and 2.3 at 10⁶, against 0.62 and 0.92 written out).
    /// Vector lane l holds entries l mod 4 and does their arithmetic in the
    /// same order, so u and the sums are the plain path's to the bit
    /// (`vector_trials_are_the_plain_ones_to_the_bit`). Other backends take
    /// the plain path.
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> Lanes {
        let n = self.out.len();
        assert!(self.w.len() == n && self.grad.len() == n && self.v.len() == n);
        if S::F64_LANES == LANES {
            self.vectors(simd)
        } else {
            self.plain()
        }
    }
}

impl<W: Weights, T: Threshold> Fused<'_, W, T> {
    /// The lanes of the pass, split in halves from [`SPLIT_FROM`] entries on
    /// (see [`fused`]).
    fn split(self) -> Lanes {
        let n = self.out.len();
        if n < SPLIT_FROM {
            return Arch::new().dispatch(self);
        }
        let Self {
            w,
            grad,
            v,
            t,
            rho,
            weights,
            out,
            threshold,
        } = self;
        let mid = n_whole(n / 2);
        let (u1, u2) = out.split_at_mut(mid);
        let (w1, w2) = w.split_at(mid);
        let (g1, g2) = grad.split_at(mid);
        let (v1, v2) = v.split_at(mid);
        let halves = (
            Fused {
                w: w1,
                grad: g1,
                v: v1,
                t,
                rho,
                weights,
                out: u1,
                threshold,
            },
            Fused {
                w: w2,
                grad: g2,
                v: v2,
                t,
                rho,
                weights: weights.skip(mid),
                out: u2,
                threshold,
            },
        );
        let (left, right) = rayon::join(|| halves.0.split(), || halves.1.split());
        left.merge(right)
    }

    /// The pass in plain Rust: lane l of [`Lanes`] takes entries l mod 4.
    #[inline(always)]
    fn plain(self) -> Lanes {
        let Self {
            w,
            grad,
            v,
            t,
            rho,
            weights,
            out,
            threshold,
        } = self;
        let mut acc = Lanes::default();
        let blocks = out
            .chunks_exact_mut(LANES)
            .zip(w.chunks_exact(LANES))
            .zip(grad.chunks_exact(LANES))
            .zip(v.chunks_exact(LANES));
        for (c, (((u, w), g), v)) in blocks.enumerate() {
            let omega = weights.lanes(c * LANES);
            for l in 0..LANES {
                u[l] = threshold.scalar(w[l] - t * g[l], rho * omega[l]);
                acc.add(l, u[l], w[l], g[l], v[l], omega[l]);
            }
        }
        let whole = n_whole(out.len());
        acc.tail(whole, out, w, grad, v, t, rho, weights, threshold);
        acc
    }

    /// The pass in the backend's vectors of [`LANES`] entries.
    #[inline(always)]
    fn vectors<S: Simd>(self, simd: S) -> Lanes {
        let Self {
            w,
            grad,
            v,
            t,
            rho,
            weights,
            out,
            threshold,
        } = self;
        let (ws, gs, vs) = (
            S::as_simd_f64s(w).0,
            S::as_simd_f64s(grad).0,
            S::as_simd_f64s(v).0,
        );
        let us = S::as_mut_simd_f64s(out).0;
        let zero = simd.splat_f64s(0.0);
        let (tv, rv) = (simd.splat_f64s(t), simd.splat_f64s(rho));
        let [mut bad, mut lin, mut sq, mut peak, mut moved, mut norm, mut value] = [zero; 7];
        for (k, (((u, &w), &g), &v)) in us.iter_mut().zip(ws).zip(gs).zip(vs).enumerate() {
            let omega = weights.vector(simd, k * LANES);
            let z = simd.sub_f64s(w, simd.mul_f64s(tv, g));
            let x = threshold.lanes(simd, z, simd.mul_f64s(rv, omega));
            *u = x;
            bad = simd.add_f64s(bad, simd.mul_f64s(g, zero));
            let d = simd.sub_f64s(x, w);
            lin = simd.add_f64s(lin, simd.mul_f64s(d, g));
            sq = simd.add_f64s(sq, simd.mul_f64s(d, d));
            // max(a, b) is a > b ? a : b, as the plain path's peak.
            peak = simd.max_f64s(simd.abs_f64s(d), peak);
            let m = simd.sub_f64s(v, x);
            moved = simd.add_f64s(moved, simd.mul_f64s(m, m));
            norm = simd.add_f64s(norm, simd.mul_f64s(x, x));
            value = simd.add_f64s(value, simd.mul_f64s(omega, simd.abs_f64s(x)));
        }
        let lanes = |x: S::f64s| -> [f64; LANES] {
            pulp::bytemuck::cast_slice::<S::f64s, f64>(std::slice::from_ref(&x))
                .try_into()
                .expect("LANES entries")
        };
        let mut acc = Lanes {
            lin: lanes(lin),
            sq: lanes(sq),
            peak: lanes(peak),
            moved: lanes(moved),
            norm: lanes(norm),
            value: lanes(value),
            bad: lanes(bad),
        };
        let whole = n_whole(out.len());
        acc.tail(whole, out, w, grad, v, t, rho, weights, threshold);
        acc
    }
}

/// Entries in whole groups of [`LANES`].
fn n_whole(n: usize) -> usize {
    n - n % LANES
}

/// max(x, 0) as a plain compare (one vector max instruction): equal to
/// `x.max(0.0)` for every x, NaN included (both give 0).
#[inline(always)]
fn positive_part(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

impl WeightedL1 {
    /// Unit weights (for any length; no vector held).
    pub fn uniform(nonnegative: bool) -> Self {
        Self {
            weights: Vec::new(),
            nonnegative,
        }
    }

    /// Whether the weights fit an x of `len` entries: one per entry, or
    /// none (uniform).
    pub fn fits(&self, len: usize) -> bool {
        self.weights.is_empty() || self.weights.len() == len
    }
}

impl Regularizer for WeightedL1 {
    fn value(&self, x: &[f64]) -> f64 {
        if self.nonnegative && outside_orthant(x) {
            return f64::INFINITY;
        }
        if self.weights.is_empty() {
            return x.iter().map(|t| t.abs()).sum();
        }
        x.iter().zip(&self.weights).map(|(t, w)| w * t.abs()).sum()
    }

    /// Separable: entry i is thresholded at ρ·w_i (LQK+20, after B.9).
    fn prox(&self, z: &[f64], rho: f64, out: &mut [f64]) {
        if self.weights.is_empty() {
            return L1 {
                nonnegative: self.nonnegative,
            }
            .prox(z, rho, out);
        }
        let entries = out.iter_mut().zip(z).zip(&self.weights);
        if self.nonnegative {
            entries.for_each(|((o, zi), w)| *o = (zi - rho * w).max(0.0));
        } else {
            entries.for_each(|((o, zi), w)| *o = soft_threshold(*zi, rho * w));
        }
    }

    fn trial_needs_scratch(&self) -> bool {
        false
    }

    /// One pass, as [`L1`]'s.
    fn prox_trial(
        &self,
        w: &[f64],
        grad: &[f64],
        v: &[f64],
        t: f64,
        rho: f64,
        z: &mut [f64],
        out: &mut [f64],
    ) -> ProxTrial {
        if self.weights.is_empty() {
            return L1 {
                nonnegative: self.nonnegative,
            }
            .prox_trial(w, grad, v, t, rho, z, out);
        }
        let wt = &self.weights[..out.len()];
        if self.nonnegative {
            fused(w, grad, v, t, rho, wt, out, ShrinkNonNegative)
        } else {
            fused(w, grad, v, t, rho, wt, out, Shrink)
        }
    }
}

impl Regularizer for NonNegative {
    fn value(&self, x: &[f64]) -> f64 {
        if outside_orthant(x) { f64::INFINITY } else { 0.0 }
    }

    fn prox(&self, z: &[f64], _rho: f64, out: &mut [f64]) {
        out.iter_mut().zip(z).for_each(|(o, zi)| *o = zi.max(0.0));
    }
}

impl Regularizer for L2Ball {
    fn value(&self, x: &[f64]) -> f64 {
        let n = manifold::vecops::norm(x);
        if n <= self.radius * (1.0 + 1e-12) {
            0.0
        } else {
            f64::INFINITY
        }
    }

    fn prox(&self, z: &[f64], _rho: f64, out: &mut [f64]) {
        let n = manifold::vecops::norm(z);
        let s = if n > self.radius { self.radius / n } else { 1.0 };
        out.iter_mut().zip(z).for_each(|(o, zi)| *o = s * zi);
    }
}

/// A penalty whose per-entry weights the reweighting scheme (LQK+20,
/// Alg. 7) may reset.
pub trait Reweightable: Regularizer {
    /// Replaces the weights (one per entry of x).
    fn set_weights(&mut self, weights: &[f64]);
}

impl Reweightable for WeightedL1 {
    fn set_weights(&mut self, weights: &[f64]) {
        self.weights.clear();
        self.weights.extend_from_slice(weights);
    }
}

/// The indicator of the unit sphere {‖x‖ = 1} (nonconvex); its "prox" is the
/// normalisation x/‖x‖, the metric projection (a zero vector is left as is,
/// where the projection is undefined, and has value +∞).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitSphere;

impl Regularizer for UnitSphere {
    fn value(&self, x: &[f64]) -> f64 {
        if (manifold::vecops::norm(x) - 1.0).abs() <= 1e-10 {
            0.0
        } else {
            f64::INFINITY
        }
    }

    fn prox(&self, z: &[f64], _rho: f64, out: &mut [f64]) {
        let n = manifold::vecops::norm(z);
        let s = if n > 0.0 { 1.0 / n } else { 1.0 };
        out.iter_mut().zip(z).for_each(|(o, zi)| *o = s * zi);
    }
}

/// The indicator of S^{n−1} ∩ ℝⁿ₊ = {‖x‖ = 1, x ≥ 0} (nonconvex; the kernel
/// set of ZLK+19 eq. 28); its "prox" is the metric projection:
/// max(z, 0)/‖max(z, 0)‖ when some zᵢ > 0 (⟨u, z⟩ ≤ ⟨u, z₊⟩ ≤ ‖z₊‖ for every
/// feasible u), else the basis vector e_i at i = argmax zᵢ (then
/// ⟨u, z⟩ ≤ maxᵢ zᵢ·Σuᵢ ≤ maxᵢ zᵢ, with equality at e_i): defined for every
/// finite z, so no fallback is needed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NonNegativeSphere;

impl Regularizer for NonNegativeSphere {
    fn value(&self, x: &[f64]) -> f64 {
        if !outside_orthant(x) && (manifold::vecops::norm(x) - 1.0).abs() <= 1e-10 {
            0.0
        } else {
            f64::INFINITY
        }
    }

    fn prox(&self, z: &[f64], _rho: f64, out: &mut [f64]) {
        out.iter_mut().zip(z).for_each(|(o, zi)| *o = zi.max(0.0));
        let n = manifold::vecops::norm(out);
        if n > 0.0 && n.is_finite() {
            out.iter_mut().for_each(|o| *o /= n);
        } else if let Some(i) = (0..z.len()).max_by(|&i, &j| z[i].total_cmp(&z[j])) {
            out.iter_mut().for_each(|o| *o = 0.0);
            out[i] = 1.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A penalty that takes the trait's default `prox_trial` (z, prox, an
    /// entry-order pass of sums) with `inner`'s prox and value.
    struct Plain<'p, G>(&'p G);

    impl<G: Regularizer> Regularizer for Plain<'_, G> {
        fn value(&self, x: &[f64]) -> f64 {
            self.0.value(x)
        }
        fn prox(&self, z: &[f64], rho: f64, out: &mut [f64]) {
            self.0.prox(z, rho, out);
        }
    }

    /// A trial by a fused penalty and by the default path: (u₁, u₂, ∇) ↦ sums.
    type Trial<'t> = &'t dyn Fn(&mut [f64], &mut [f64], &[f64]) -> (ProxTrial, ProxTrial);

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
    }

    /// The bits of everything a fused trial returns.
    fn bits(u: &[f64], p: &ProxTrial) -> Vec<u64> {
        let sums = [
            p.lin,
            p.sq,
            p.peak,
            p.moved_sq,
            p.norm_sq,
            p.value.unwrap_or(f64::NAN),
        ];
        u.iter()
            .chain(&sums)
            .map(|x| x.to_bits())
            .chain([p.finite as u64])
            .collect()
    }

    /// The machine's vector path of [`fused`] (AVX2 here: lanes of four)
    /// gives the plain path's bits (the scalar backend's), for u and every
    /// sum, at lengths with and without a tail, ±0 entries included, for
    /// both thresholds, unit and given weights, and a non-finite gradient.
    #[test]
    fn vector_trials_are_the_plain_ones_to_the_bit() {
        fn pair<W: Weights, T: Threshold>(
            w: &[f64],
            g: &[f64],
            v: &[f64],
            weights: W,
            threshold: T,
        ) -> [Vec<u64>; 2] {
            [Arch::Scalar, Arch::new()].map(|arch| {
                let mut out = vec![0.0; w.len()];
                let (t, rho) = (0.37, 0.21);
                let fused = Fused {
                    w,
                    grad: g,
                    v,
                    t,
                    rho,
                    weights,
                    out: &mut out,
                    threshold,
                };
                let p = arch.dispatch(fused).total();
                bits(&out, &p)
            })
        }
        let f = |i: usize, k: f64| ((i as f64 * k).sin() * 3.0).round() / 2.0 + (i as f64 * 0.37).cos();
        for n in [0, 1, 3, 4, 5, 8, 103, 1000] {
            let w: Vec<f64> = (0..n)
                .map(|i| if i % 5 == 0 { [0.0, -0.0][i % 2] } else { f(i, 1.3) })
                .collect();
            let mut g: Vec<f64> = (0..n).map(|i| f(i, 0.7)).collect();
            let v: Vec<f64> = (0..n).map(|i| f(i, 2.1)).collect();
            let omega: Vec<f64> = (0..n).map(|i| 0.5 + (i % 3) as f64).collect();
            for round in 0..2 {
                if round == 1 && n > 4 {
                    g[n / 2] = f64::INFINITY;
                }
                for [a, b] in [
                    pair(&w, &g, &v, Unit, Shrink),
                    pair(&w, &g, &v, Unit, ShrinkNonNegative),
                    pair(&w, &g, &v, omega.as_slice(), Shrink),
                    pair(&w, &g, &v, omega.as_slice(), ShrinkNonNegative),
                ] {
                    assert_eq!(a, b, "n = {n}, round {round}");
                }
            }
        }
    }

    /// A pass long enough to be split (three levels of halves and a tail)
    /// gives the same bits on one thread and on three, the very u of the
    /// unsplit pass, and its sums to rounding.
    #[test]
    fn split_trials_do_not_depend_on_the_threads() {
        let n = 8 * SPLIT_FROM + 7;
        let f = |i: usize, k: f64| ((i as f64 * k).sin() * 3.0).round() / 2.0 + (i as f64 * 0.37).cos();
        let w: Vec<f64> = (0..n).map(|i| f(i, 1.3)).collect();
        let g: Vec<f64> = (0..n).map(|i| f(i, 0.7)).collect();
        let v: Vec<f64> = (0..n).map(|i| f(i, 2.1)).collect();
        let omega: Vec<f64> = (0..n).map(|i| 0.5 + (i % 3) as f64).collect();
        let (t, rho) = (0.37, 0.21);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut out = vec![0.0; n];
                let p = fused(&w, &g, &v, t, rho, omega.as_slice(), &mut out, Shrink);
                (bits(&out, &p), out, p)
            })
        };
        let (one, u, p) = run(1);
        assert_eq!(one, run(3).0);
        let mut whole = vec![0.0; n];
        let pass = Fused {
            w: &w,
            grad: &g,
            v: &v,
            t,
            rho,
            weights: omega.as_slice(),
            out: &mut whole,
            threshold: Shrink,
        };
        let q = Arch::new().dispatch(pass).total();
        assert_eq!(u, whole);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
        assert!(close(p.lin, q.lin) && close(p.sq, q.sq) && close(p.norm_sq, q.norm_sq));
        assert!(close(p.moved_sq, q.moved_sq) && close(p.value.unwrap(), q.value.unwrap()));
        assert_eq!((p.peak, p.finite), (q.peak, q.finite));
    }

    /// Uniform weights (no vector) are exactly weights of one: the same
    /// value, prox and fused trial, bit for bit, with and without x ≥ 0.
    #[test]
    fn uniform_weights_equal_weights_of_one() {
        let n = 37;
        let z: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.91).sin() * 2.0).collect();
        let g: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.33).cos()).collect();
        for nonnegative in [false, true] {
            let uniform = WeightedL1::uniform(nonnegative);
            let ones = WeightedL1 {
                weights: vec![1.0; n],
                nonnegative,
            };
            assert!(uniform.fits(n) && ones.fits(n) && !ones.fits(n + 1));
            assert_eq!(uniform.value(&z).to_bits(), ones.value(&z).to_bits());
            let (mut p, mut q) = (vec![0.0; n], vec![0.0; n]);
            uniform.prox(&z, 0.4, &mut p);
            ones.prox(&z, 0.4, &mut q);
            assert_eq!(p, q);
            let a = uniform.prox_trial(&z, &g, &z, 0.3, 0.2, &mut [], &mut p);
            let b = ones.prox_trial(&z, &g, &z, 0.3, 0.2, &mut [], &mut q);
            assert_eq!(p, q);
            assert_eq!(a.value.map(f64::to_bits), b.value.map(f64::to_bits));
            assert_eq!((a.lin, a.sq, a.norm_sq), (b.lin, b.sq, b.norm_sq));
        }
    }

    /// The fused trials of L1 and WeightedL1 write the same u, bit for bit,
    /// as the default (z, prox) path, and the same sums to rounding; a
    /// non-finite gradient entry is reported whatever its position.
    #[test]
    fn fused_trials_match_the_default() {
        let n = 103;
        let f = |i: usize, k: f64| ((i as f64 * k).sin() * 3.0).round() / 2.0 + (i as f64 * 0.37).cos();
        let w: Vec<f64> = (0..n).map(|i| if i % 5 == 0 { 0.0 } else { f(i, 1.3) }).collect();
        let g: Vec<f64> = (0..n).map(|i| f(i, 0.7)).collect();
        let v: Vec<f64> = (0..n).map(|i| f(i, 2.1)).collect();
        let weights: Vec<f64> = (0..n).map(|i| 0.5 + (i % 3) as f64).collect();
        for nonnegative in [false, true] {
            let l1 = L1 { nonnegative };
            let wl1 = WeightedL1 {
                weights: weights.clone(),
                nonnegative,
            };
            let penalties: [Trial; 2] = [
                &|u1, u2, g| {
                    let mut z = vec![0.0; n];
                    (
                        l1.prox_trial(&w, g, &v, 0.3, 0.2, &mut [], u1),
                        Plain(&l1).prox_trial(&w, g, &v, 0.3, 0.2, &mut z, u2),
                    )
                },
                &|u1, u2, g| {
                    let mut z = vec![0.0; n];
                    (
                        wl1.prox_trial(&w, g, &v, 0.3, 0.2, &mut [], u1),
                        Plain(&wl1).prox_trial(&w, g, &v, 0.3, 0.2, &mut z, u2),
                    )
                },
            ];
            for (k, trial) in penalties.iter().enumerate() {
                let (mut u1, mut u2) = (vec![0.0; n], vec![0.0; n]);
                let (a, b) = trial(&mut u1, &mut u2, &g);
                assert!(u1.iter().zip(&u2).all(|(p, q)| p.to_bits() == q.to_bits()), "{k}");
                assert!(a.finite && b.finite);
                for (x, y) in [
                    (a.lin, b.lin),
                    (a.sq, b.sq),
                    (a.peak, b.peak),
                    (a.moved_sq, b.moved_sq),
                    (a.norm_sq, b.norm_sq),
                ] {
                    assert!(close(x, y), "{k} nonnegative {nonnegative}: {x} vs {y}");
                }
                let value = if k == 0 { l1.value(&u2) } else { wl1.value(&u2) };
                assert!(close(a.value.expect("fused sums g"), value));
                assert_eq!(b.value, None);
                for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                    for at in [0, 50, n - 1] {
                        let mut gb = g.clone();
                        gb[at] = bad;
                        let (a, b) = trial(&mut u1, &mut u2, &gb);
                        assert!(!a.finite && !b.finite, "{k}: {bad} at {at}");
                    }
                }
            }
        }
    }
}
