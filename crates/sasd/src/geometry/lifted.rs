//! Windows of lifted kernels, the maximal-energy shift correction (LQK+20
//! App. B.3), shifts that keep a product unchanged, and the direct
//! correlations of the initialisation (App. A), on engine grids.

use super::{Grid, at};

/// Shift correction by the maximal-energy window (LQK+20, App. B.3): the
/// length-n₀ window of the lifted kernel with the largest ℓ² norm, returned
/// normalised with its start and norm (the activation is scaled by the norm
/// and shifted by the start so that the product is unchanged on the window).
pub fn max_energy_window(lifted: &[f64], n0: usize) -> (usize, Vec<f64>, f64) {
    let ((s, _), kernel, norm) = energy_window(lifted, (lifted.len(), 1), (n0, 1));
    (s, kernel, norm)
}

/// [`max_energy_window`] on a grid: the start of the `kgrid` window of
/// `lifted` (on `lgrid`) of largest energy, the window normalised, its norm.
fn energy_window(lifted: &[f64], lgrid: Grid, kgrid: Grid) -> (Grid, Vec<f64>, f64) {
    let start = max_energy_start(lifted, lgrid, kgrid);
    let (kernel, norm) = normalised_window(lifted, lgrid, start, kgrid);
    (start, kernel, norm)
}

/// Start of the `kgrid` window of `lifted` (on `lgrid`) of largest energy.
pub(crate) fn max_energy_start(lifted: &[f64], lgrid: Grid, (kr, kc): Grid) -> Grid {
    let (lr, lc) = lgrid;
    let energy = |(sr, sc): Grid| {
        (0..kc)
            .flat_map(|j| (0..kr).map(move |i| lifted[at(lr, sr + i, sc + j)]))
            .map(|t| t * t)
            .sum::<f64>()
    };
    (0..=lc.saturating_sub(kc))
        .flat_map(|sc| (0..=lr.saturating_sub(kr)).map(move |sr| (sr, sc)))
        .max_by(|&s, &t| energy(s).total_cmp(&energy(t)))
        .unwrap_or((0, 0))
}

/// The window at `start`, divided by its norm (zeros if it vanishes), and
/// the norm.
pub(crate) fn normalised_window(lifted: &[f64], lgrid: Grid, start: Grid, kgrid: Grid) -> (Vec<f64>, f64) {
    let w = window(lifted, lgrid, start, kgrid);
    let norm = w.iter().map(|t| t * t).sum::<f64>().sqrt();
    let kernel = w
        .iter()
        .map(|t| if norm > 0.0 { t / norm } else { 0.0 })
        .collect();
    (kernel, norm)
}

/// c_ℓ = Σ_j a_j (y_{ℓ+j} − offset) for every ℓ of the signal grid, indices
/// cyclic per axis: the correlation ǎ ⊛ (y − offset·1) of LQK+20 App. A
/// with a (on `kgrid`) zero-padded to the signal. Direct O(m·n) summation,
/// in the same order as the 1-D formula of `crate::init::initial_lambda`.
pub(crate) fn correlate(y: &[f64], (r, c): Grid, a: &[f64], (kr, kc): Grid, offset: f64) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for lc in 0..c {
        for lr in 0..r {
            out[at(r, lr, lc)] = (0..kc)
                .flat_map(|jc| (0..kr).map(move |jr| (jr, jc)))
                .map(|(jr, jc)| a[at(kr, jr, jc)] * (y[at(r, (lr + jr) % r, (lc + jc) % c)] - offset))
                .sum::<f64>();
        }
    }
    out
}

/// The adjoint of [`correlate`] in a: out_j = Σ_ℓ v_ℓ (y_{ℓ+j} − offset) for
/// j on `kgrid` (ι*(v̌ ⊛ y) of LQK+20 App. A); zeros of v are skipped.
pub(crate) fn correlate_adjoint(y: &[f64], (r, c): Grid, v: &[f64], (kr, kc): Grid, offset: f64) -> Vec<f64> {
    let mut out = vec![0.0; kr * kc];
    for (l, &vl) in v.iter().enumerate() {
        if vl == 0.0 {
            continue;
        }
        let (lr, lc) = (l % r, l / r);
        for jc in 0..kc {
            let col = (lc + jc) % c;
            for jr in 0..kr {
                out[at(kr, jr, jc)] += vl * (y[at(r, (lr + jr) % r, col)] - offset);
            }
        }
    }
    out
}

/// The `kgrid` window of `lifted` (on `lgrid`) starting at `start`, without
/// wrap-around (the caller keeps it inside).
pub(crate) fn window(lifted: &[f64], (lr, _): Grid, (sr, sc): Grid, (kr, kc): Grid) -> Vec<f64> {
    (0..kc)
        .flat_map(|j| (0..kr).map(move |i| lifted[at(lr, sr + i, sc + j)]))
        .collect()
}

/// out_i = scale · x_{i − shift}, cyclic per axis: the activation that keeps
/// the product unchanged when its kernel moves by −shift and is divided by
/// `scale`.
pub(crate) fn shift_scaled(x: &[f64], (r, c): Grid, (sr, sc): Grid, scale: f64) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for j in 0..c {
        let src_j = (j + c - sc % c) % c;
        for i in 0..r {
            out[at(r, i, j)] = scale * x[at(r, (i + r - sr % r) % r, src_j)];
        }
    }
    out
}
