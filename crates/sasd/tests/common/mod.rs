//! Helpers shared by the integration tests: random data, direct O(mn)
//! convolution, and adapters that view a two-block coupling as a `Problem`.
#![allow(dead_code)]

use optim::{Problem, TwoBlockSmooth};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn random(rng: &mut StdRng, len: usize) -> Vec<f64> {
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// N unit-norm blocks of `len` entries each.
pub fn unit_blocks(rng: &mut StdRng, len: usize, blocks: usize) -> Vec<f64> {
    let mut v = random(rng, len * blocks);
    for b in v.chunks_exact_mut(len) {
        let n = norm(b);
        b.iter_mut().for_each(|t| *t /= n);
    }
    v
}

/// Bernoulli(θ)-Gaussian sparse vector.
pub fn sparse(rng: &mut StdRng, len: usize, theta: f64) -> Vec<f64> {
    (0..len)
        .map(|_| {
            if rng.random_range(0.0..1.0) < theta {
                rng.random_range(-1.0..1.0) + 1.0
            } else {
                0.0
            }
        })
        .collect()
}

pub fn dot(u: &[f64], v: &[f64]) -> f64 {
    u.iter().zip(v).map(|(a, b)| a * b).sum()
}

pub fn norm(u: &[f64]) -> f64 {
    dot(u, u).sqrt()
}

/// ι*(ιu ⊛ ιv) on an m₁×m₂ torus (m₂ = 1 for signals), by the definition.
pub fn direct(
    (u, (u1, u2)): (&[f64], (usize, usize)),
    (v, (v1, v2)): (&[f64], (usize, usize)),
    (o1, o2): (usize, usize),
    (m1, m2): (usize, usize),
) -> Vec<f64> {
    let mut full = vec![0.0; m1 * m2];
    for (j2, k2) in (0..u2).flat_map(|a| (0..v2).map(move |b| (a, b))) {
        for j1 in 0..u1 {
            for k1 in 0..v1 {
                let (i1, i2) = ((j1 + k1) % m1, (j2 + k2) % m2);
                full[i1 + i2 * m1] += u[j1 + j2 * u1] * v[k1 + k2 * v1];
            }
        }
    }
    (0..o2)
        .flat_map(|i2| (0..o1).map(move |i1| (i1, i2)))
        .map(|(i1, i2)| full[i1 + i2 * m1])
        .collect()
}

/// Σ_k a_k ⊛ x_k (cyclic, on the image shape) by direct sums.
pub fn direct_model(a: &[f64], kernel: (usize, usize), x: &[f64], image: (usize, usize)) -> Vec<f64> {
    let (n, m) = (kernel.0 * kernel.1, image.0 * image.1);
    let mut out = vec![0.0; m];
    for (ak, xk) in a.chunks_exact(n).zip(x.chunks_exact(m)) {
        let w = direct((ak, kernel), (xk, image), image, image);
        out.iter_mut().zip(&w).for_each(|(o, t)| *o += t);
    }
    out
}

/// ψ on the product [a; x]: both partial gradients at once, so one Taylor
/// check on M × ℝ^m exercises `grad_a` and `grad_x` together.
pub struct Joint<S> {
    pub smooth: S,
    pub a_len: usize,
}

impl<S: TwoBlockSmooth> Problem for Joint<S> {
    fn cost(&mut self, p: &[f64]) -> f64 {
        let (a, x) = p.split_at(self.a_len);
        self.smooth.fix_a(a);
        self.smooth.value_x(x)
    }

    fn cost_grad(&mut self, p: &[f64], g: &mut [f64]) -> f64 {
        let (a, x) = p.split_at(self.a_len);
        let (ga, gx) = g.split_at_mut(self.a_len);
        self.smooth.fix_a(a);
        let f = self.smooth.grad_x(x, gx);
        self.smooth.fix_x(x);
        let fa = self.smooth.grad_a(a, ga);
        assert!(
            (f - fa).abs() <= 1e-12 * f.abs().max(1.0),
            "the two blocks disagree on ψ"
        );
        f
    }
}
