//! One kernel shared by several couplings: the objective of ZLK+19 eq. 28.

use optim::TwoBlockSmooth;

use crate::error::{Result, SasdError};
use crate::objective::BilinearLasso2d;

/// ψ(a, x₁, …, x_S) = Σ_s ψ_s(a, x_s): S two-block couplings that share the
/// kernel a, each with its own activation x_s; x = [x₁; …; x_S] (stacked).
///
/// For blind deblurring (ZLK+19 eq. 28) the parts are the 2-D Bilinear
/// Lassos ψ_s(a, x_s) = ½‖g_s − a ⊛ x_s‖² of the two gradient fields
/// g₁ = ∇ₓy, g₂ = ∇ᵧy (LQK+20 App. C.2, [`BilinearLasso2d`]); with the
/// penalty λ‖x‖₁ over the stack the composite problem is eq. 28 exactly, since
/// λr(x₁) + λr(x₂) = λ‖[x₁; x₂]‖₁.
///
/// Gradients: ∇_{x_s}ψ = ∇_{x_s}ψ_s (block by block) and
/// ∇_aψ = Σ_s ∇_aψ_s(a, x_s), the sum of the per-signal correlations
/// ι*(x̌_s ⊛ r_s) (LQK+20 App. C.1.1). Every oracle is delegated to the
/// parts, so their spectrum caches work unchanged; the price is that each
/// part transforms a trial kernel itself (S FFTs of a where one would do).
///
/// No method allocates after construction.
#[derive(Debug, Clone)]
pub struct SharedKernel<S> {
    parts: Vec<S>,
    a_len: usize,
    /// Start of each part's block in x, and the end of the last.
    offsets: Vec<usize>,
    /// One part's kernel gradient, before it is added to the sum.
    scratch: Vec<f64>,
    /// What each part's `refresh` returned.
    fresh: Vec<Option<f64>>,
}

impl<S: TwoBlockSmooth> SharedKernel<S> {
    /// The sum of `parts`, all over the same kernel block.
    ///
    /// Errors: no part ([`SasdError::ZeroDimension`]), parts with kernel
    /// blocks of different lengths ([`SasdError::LengthMismatch`]).
    pub fn new(parts: Vec<S>) -> Result<Self> {
        let a_len = parts.first().ok_or(SasdError::ZeroDimension {
            what: "number of signals",
        })?;
        let a_len = a_len.a_len();
        if let Some(p) = parts.iter().find(|p| p.a_len() != a_len) {
            return Err(SasdError::LengthMismatch {
                what: "kernel block of a part",
                expected: a_len,
                found: p.a_len(),
            });
        }
        let mut offsets = vec![0];
        for p in &parts {
            offsets.push(offsets[offsets.len() - 1] + p.x_len());
        }
        Ok(Self {
            a_len,
            offsets,
            scratch: vec![0.0; a_len],
            fresh: vec![None; parts.len()],
            parts,
        })
    }

    /// The parts ψ_s.
    pub fn parts(&self) -> &[S] {
        &self.parts
    }

    /// The block of part s in a stacked x.
    pub fn block<'v>(&self, x: &'v [f64], s: usize) -> &'v [f64] {
        &x[self.offsets[s]..self.offsets[s + 1]]
    }
}

impl SharedKernel<BilinearLasso2d> {
    /// Eq. 28's coupling: one 2-D Bilinear Lasso per image in `signals`
    /// (each column-major of shape `image`) with a shared kernel of shape
    /// `kernel`.
    ///
    /// Errors: as [`BilinearLasso2d::new_2d`] for each image, and no image.
    pub fn bilinear_lasso_2d(
        signals: &[&[f64]],
        image: (usize, usize),
        kernel: (usize, usize),
    ) -> Result<Self> {
        let parts = signals
            .iter()
            .map(|y| BilinearLasso2d::new_2d(y, image, kernel))
            .collect::<Result<Vec<_>>>()?;
        Self::new(parts)
    }

    /// Real FFTs run by all parts.
    pub fn ffts(&self) -> u64 {
        self.parts.iter().map(BilinearLasso2d::ffts).sum()
    }
}

impl<S: TwoBlockSmooth> TwoBlockSmooth for SharedKernel<S> {
    fn a_len(&self) -> usize {
        self.a_len
    }

    fn x_len(&self) -> usize {
        self.offsets[self.parts.len()]
    }

    fn fix_a(&mut self, a: &[f64]) {
        self.parts.iter_mut().for_each(|p| p.fix_a(a));
    }

    fn value_x(&mut self, x: &[f64]) -> f64 {
        let o = &self.offsets;
        (self.parts.iter_mut().enumerate())
            .map(|(s, p)| p.value_x(&x[o[s]..o[s + 1]]))
            .sum()
    }

    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        let o = &self.offsets;
        (self.parts.iter_mut().enumerate())
            .map(|(s, p)| p.grad_x(&x[o[s]..o[s + 1]], &mut grad[o[s]..o[s + 1]]))
            .sum()
    }

    fn fix_x(&mut self, x: &[f64]) {
        let o = &self.offsets;
        (self.parts.iter_mut().enumerate()).for_each(|(s, p)| p.fix_x(&x[o[s]..o[s + 1]]));
    }

    fn value_a(&mut self, a: &[f64]) -> f64 {
        self.parts.iter_mut().map(|p| p.value_a(a)).sum()
    }

    /// ∇_aψ = Σ_s ∇_aψ_s.
    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        let Some((first, rest)) = self.parts.split_first_mut() else {
            return 0.0;
        };
        let mut psi = first.grad_a(a, grad);
        for p in rest {
            psi += p.grad_a(a, &mut self.scratch);
            grad.iter_mut().zip(&self.scratch).for_each(|(g, t)| *g += t);
        }
        psi
    }

    /// Refreshes every part; `None` when no part has anything to refresh.
    /// A part without (returning `None`) is evaluated at (a, x_s) instead,
    /// which leaves a held fixed in it: solvers fix a again before they use
    /// the x-oracles.
    fn refresh(&mut self, a: &[f64], x: &[f64]) -> Option<f64> {
        let o = &self.offsets;
        for (s, (p, f)) in self.parts.iter_mut().zip(&mut self.fresh).enumerate() {
            *f = p.refresh(a, &x[o[s]..o[s + 1]]);
        }
        if self.fresh.iter().all(Option::is_none) {
            return None;
        }
        let mut psi = 0.0;
        for (s, (p, f)) in self.parts.iter_mut().zip(&self.fresh).enumerate() {
            psi += f.unwrap_or_else(|| {
                p.fix_a(a);
                p.value_x(&x[o[s]..o[s + 1]])
            });
        }
        Some(psi)
    }
}
