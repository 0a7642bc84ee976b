//! Initial kernels (LQK+20 eq. 3.5, App. B.3 eq. B.10, random) and the
//! homotopy's initial λ₀ (§4.2.2).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use crate::error::{Result, SasdError};
use crate::geometry::{Grid, at, correlate, correlate_adjoint, lift};

/// How the kernel(s) start, on the lifted sphere S^{n−1} (or OB(n, N)).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Init {
    /// LQK+20 eq. 3.5: a random length-n₀ window of y (an n₁×n₂ patch in
    /// 2-D) zero-padded by n₀ − 1 on each side and normalised; for N kernels,
    /// N different random windows (App. B.3, "several independent random
    /// truncations of y"). The default.
    #[default]
    Window,
    /// LQK+20 eq. B.10 (Zha19's form): one step of the generalized power
    /// method from the 3.5 window ã,
    /// a⁽⁰⁾ = P_S(−∇φ̂(ã)) = P_S(ι*(y̌ ⋆ S_λ(y ⋆ ã))),
    /// with φ̂ the approximate Bilinear Lasso marginal (soft-threshold energy)
    /// at λ = `threshold`·‖y ⋆ ã‖∞ (relative, so the step does not depend on
    /// the scale of y). The step "fills in the missing pieces" of the shifts
    /// the window cuts (LQK+20 Fig. 32). Falls back to the window when the
    /// step vanishes.
    ///
    /// Measured on the §5.2 instances (homotopy-iADM, seeds 1–5), it does not
    /// beat the plain window, as the seed itself remarks after B.10: random
    /// kernels end at the same 2–4e-7 except seed 2 (5.7e-3 with thresholds
    /// 0.25 and 0.5), and g_{100,0.5} within 5000 iterations at the same
    /// 7e-3–5e-2.
    PowerStep {
        /// λ of φ̂ relative to ‖y ⋆ ã‖∞, in [0, 1); 0.5 is a good default.
        threshold: f64,
    },
    /// A random point: a standard Gaussian length-n₀ window (n₁×n₂ patch),
    /// zero-padded like eq. 3.5 and normalised — uniform on the sphere
    /// S^{n₀−1} of the unlifted kernel, the baseline "randn" start of LQK+20
    /// Figs. 11–12 — one per kernel, from the run's seed (on a stream of its
    /// own, so that it is not the kernel a generator drew from that seed).
    Random,
}

impl Init {
    /// [`Init::PowerStep`] with threshold 0.5.
    pub const POWER_STEP: Init = Init::PowerStep { threshold: 0.5 };
}

/// Eq. 3.5: a⁽⁰⁾ = P_S([0_{n₀−1}; y_i … y_{i+n₀−1}; 0_{n₀−1}]) for a random
/// window start i (from `seed`). With a fitted bias the window is taken from
/// y − b₀ (b₀ = mean y, the bias' own initial value, App. B.3): otherwise the
/// constant dominates the window. Windows that vanish are redrawn; a signal
/// whose every window vanishes has nothing to deconvolve
/// ([`SasdError::NoSignal`]). 1-D, one kernel; `Deconvolution` uses the
/// general form (N kernels, 2-D, [`Init`]).
pub fn initial_kernel(y: &[f64], n0: usize, offset: f64, seed: u64) -> Result<Vec<f64>> {
    if n0 == 0 {
        return Err(SasdError::ZeroDimension { what: "kernel size" });
    }
    if y.len() < n0 {
        return Err(SasdError::KernelTooLong {
            kernel: n0,
            signal: y.len(),
            axis: 0,
        });
    }
    let starts = windows(y, (y.len(), 1), (n0, 1), offset, seed, 1)?;
    Ok(lift_window(y, (y.len(), 1), (n0, 1), offset, starts[0]))
}

/// λ₀ = ‖ǎ⁽⁰⁾ ⋆ y‖∞ = max_ℓ |⟨s_ℓ[ι a⁽⁰⁾], y − b₀⟩| (LQK+20 §4.2.2), the
/// smallest λ at which x = 0 solves the x-subproblem: homotopy starts sparse.
pub fn initial_lambda(y: &[f64], a0: &[f64], offset: f64) -> f64 {
    max_abs(&correlate(y, (y.len(), 1), a0, (a0.len(), 1), offset))
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().map(|t| t.abs()).fold(0.0, f64::max)
}

/// N initial kernels, blocks of the lifted grid `lgrid` = 3·`kgrid` − 2,
/// concatenated (the point of OB(n, N)).
pub(crate) fn initial_kernels(
    y: &[f64],
    grid: Grid,
    kgrid: Grid,
    offset: f64,
    seed: u64,
    count: usize,
    init: Init,
) -> Result<Vec<f64>> {
    let starts = windows(y, grid, kgrid, offset, seed, count)?;
    let mut a = Vec::new();
    match init {
        Init::Window => {
            for s in starts {
                a.extend(lift_window(y, grid, kgrid, offset, s));
            }
        }
        Init::PowerStep { threshold } => {
            crate::error::check_at_least("power-step threshold", threshold, 0.0)?;
            if threshold >= 1.0 {
                return Err(SasdError::InvalidParameter {
                    name: "power-step threshold (must be < 1)",
                    value: threshold,
                    min: 0.0,
                });
            }
            for s in starts {
                let w = lift_window(y, grid, kgrid, offset, s);
                a.extend(power_step(y, grid, kgrid, offset, &w, threshold).unwrap_or(w));
            }
        }
        Init::Random => {
            // The windows above were drawn only to reject a signal without
            // any (y ≡ 0); the random start ignores them. Its own stream: the
            // synthetic generators draw their kernels first from
            // StdRng::seed_from_u64(seed), and the same seed here would start
            // a run at the true kernel.
            let mut rng = StdRng::seed_from_u64(seed ^ RANDOM_INIT_STREAM);
            let (kr, kc) = kgrid;
            let lgrid = lift(kgrid);
            for _ in 0..count {
                let g: Vec<f64> = (0..kr * kc).map(|_| StandardNormal.sample(&mut rng)).collect();
                let mut block = vec![0.0; lgrid.0 * lgrid.1];
                place(&mut block, lgrid, kgrid, &g);
                if !normalise(&mut block) {
                    block[at(lgrid.0, kr - 1, kc - 1)] = 1.0;
                }
                a.extend(block);
            }
        }
    }
    Ok(a)
}

/// Mixed into the seed of [`Init::Random`] (the 64-bit golden ratio).
pub(crate) const RANDOM_INIT_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

/// Puts a `kgrid` patch in the middle of a lifted block (offset n − 1 per
/// axis, as the zero-padding of eq. 3.5).
fn place(block: &mut [f64], (lr, _): Grid, (kr, kc): Grid, patch: &[f64]) {
    for j in 0..kc {
        for i in 0..kr {
            block[at(lr, kr - 1 + i, kc - 1 + j)] = patch[at(kr, i, j)];
        }
    }
}

/// Scales v to unit norm; false (v untouched) when its norm is 0 or not finite.
fn normalise(v: &mut [f64]) -> bool {
    let norm = v.iter().map(|t| t * t).sum::<f64>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.iter_mut().for_each(|t| *t /= norm);
        true
    } else {
        false
    }
}

/// Energy of the window of y − offset at `start`.
fn window_energy(y: &[f64], (r, _): Grid, (kr, kc): Grid, offset: f64, (sr, sc): Grid) -> f64 {
    (0..kc)
        .flat_map(|j| (0..kr).map(move |i| (i, j)))
        .map(|(i, j)| (y[at(r, sr + i, sc + j)] - offset).powi(2))
        .sum::<f64>()
}

/// `count` window starts of non-vanishing windows, drawn uniformly from
/// `seed`'s generator and different from one another whenever there are
/// enough windows; after 63 vanishing draws, the unused window of largest
/// energy. [`SasdError::NoSignal`] when the best window vanishes too.
fn windows(y: &[f64], grid: Grid, kgrid: Grid, offset: f64, seed: u64, count: usize) -> Result<Vec<Grid>> {
    let (r, c) = grid;
    let (kr, kc) = kgrid;
    let (starts_r, starts_c) = (r.saturating_sub(kr) + 1, c.saturating_sub(kc) + 1);
    let distinct = starts_r * starts_c >= count;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut chosen: Vec<Grid> = Vec::with_capacity(count);
    let usable = |s: Grid, chosen: &[Grid]| {
        let e = window_energy(y, grid, kgrid, offset, s);
        e > 0.0 && e.is_finite() && !(distinct && chosen.contains(&s))
    };
    for _ in 0..count {
        let mut found = None;
        for _ in 0..63 {
            let sr = rng.random_range(0..starts_r);
            // A 1-D signal draws one number per attempt, as it always has.
            let sc = if starts_c > 1 {
                rng.random_range(0..starts_c)
            } else {
                0
            };
            if usable((sr, sc), &chosen) {
                found = Some((sr, sc));
                break;
            }
        }
        let s = match found {
            Some(s) => s,
            None => {
                let best = (0..starts_c)
                    .flat_map(|sc| (0..starts_r).map(move |sr| (sr, sc)))
                    .filter(|s| !(distinct && chosen.contains(s)))
                    .max_by(|&s, &t| {
                        window_energy(y, grid, kgrid, offset, s)
                            .total_cmp(&window_energy(y, grid, kgrid, offset, t))
                    })
                    .ok_or(SasdError::NoSignal)?;
                if !usable(best, &chosen) {
                    return Err(SasdError::NoSignal);
                }
                best
            }
        };
        chosen.push(s);
    }
    Ok(chosen)
}

/// Eq. 3.5 for the window at `start`: the patch of y − offset placed in the
/// middle of the lifted block and normalised (the caller checked that it
/// does not vanish).
fn lift_window(y: &[f64], grid: Grid, kgrid: Grid, offset: f64, (sr, sc): Grid) -> Vec<f64> {
    let (r, _) = grid;
    let (kr, kc) = kgrid;
    let lgrid = lift(kgrid);
    let patch: Vec<f64> = (0..kc)
        .flat_map(|j| (0..kr).map(move |i| (i, j)))
        .map(|(i, j)| y[at(r, sr + i, sc + j)] - offset)
        .collect();
    let mut block = vec![0.0; lgrid.0 * lgrid.1];
    place(&mut block, lgrid, kgrid, &patch);
    normalise(&mut block);
    block
}

/// Eq. B.10: P_S(Lᵀ S_λ(L ã)) with L a = ǎ ⊛ (y − offset) and
/// λ = threshold·‖L ã‖∞; `None` when it vanishes.
fn power_step(
    y: &[f64],
    grid: Grid,
    kgrid: Grid,
    offset: f64,
    a: &[f64],
    threshold: f64,
) -> Option<Vec<f64>> {
    let lgrid = lift(kgrid);
    let c = correlate(y, grid, a, lgrid, offset);
    let lambda = threshold * max_abs(&c);
    let v: Vec<f64> = c
        .iter()
        .map(|t| t.signum() * (t.abs() - lambda).max(0.0))
        .collect();
    let mut out = correlate_adjoint(y, grid, &v, lgrid, offset);
    normalise(&mut out).then_some(out)
}
