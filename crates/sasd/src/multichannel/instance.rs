//! Synthetic multichannel data (QLZ20; Qu19, Example V): one kernel a on
//! the sphere S^{n−1}, full length, and p sparse activations,
//! y_i = a ⊛ x_i (cyclic, length n).

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::error::Result;
use crate::geometry::Shape;
use crate::synth::{ActivationLaw, Convolution, activation, convolve, random_sphere_kernel};

/// A drawn multichannel instance.
#[derive(Debug, Clone, PartialEq)]
pub struct MultichannelInstance {
    /// The kernel a0, uniform on S^{n−1}.
    pub kernel: Vec<f64>,
    /// The activations x_i (p of length n).
    pub activations: Vec<Vec<f64>>,
    /// The signals y_i = a0 ⊛ x_i (p of length n).
    pub signals: Vec<Vec<f64>>,
}

impl MultichannelInstance {
    /// Draws a0 ~ Uniform(S^{n−1}), then x_1, …, x_p i.i.d. of `law` with
    /// rate θ, from `seed`. Errors: n = 0, p = 0 or θ ∉ [0, 1].
    pub fn generate(n: usize, p: usize, theta: f64, law: ActivationLaw, seed: u64) -> Result<Self> {
        if p == 0 {
            return Err(crate::SasdError::ZeroDimension {
                what: "number of signals p",
            });
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let shape = Shape::d1(n);
        let kernel = random_sphere_kernel(shape, &mut rng)?;
        let mut activations = Vec::with_capacity(p);
        let mut signals = Vec::with_capacity(p);
        for _ in 0..p {
            let x = activation(law, theta, shape, &mut rng)?;
            let (y, _) = convolve(&kernel, shape, &x, shape, Convolution::Cyclic)?;
            activations.push(x);
            signals.push(y);
        }
        Ok(Self {
            kernel,
            activations,
            signals,
        })
    }
}
