//! A whole synthetic SaSD / SaS-CDL instance,
//! `y = Σ_{k=1}^{N} a_{0k} ⊛ x_{0k} + b·1 + σ·n`, `n ~ N(0, I)`
//! (LQK+20 eq. 6.1; N = 1 is SaSD, N > 1 the CDL model of eq. 4.6).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use super::{
    ActivationLaw, Convolution, KernelSpec, Result, Shape, SynthError, activation, check_param, convolve,
};

/// What to generate: kernels, activation law and rate, bias, noise, model.
///
/// Built with [`InstanceSpec::new`] and the chained setters, then drawn with
/// [`InstanceSpec::generate_seeded`] (reproducible from a `u64`) or
/// [`InstanceSpec::generate`] (any caller RNG). Draw order: the kernels in
/// order, then the activations in order, then the noise, so the same seed
/// always gives the same instance.
///
/// ```
/// use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};
/// // LQK+20 §5.2: n0 = 100, m = 1e4, θ = n0^(-3/4), BR activations, b = 1, no noise.
/// let inst = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(100)), Shape::d1(10_000))
///     .activation(ActivationLaw::BernoulliRademacher, 100f64.powf(-0.75))
///     .bias(1.0)
///     .generate_seeded(7)
///     .unwrap();
/// assert_eq!(inst.observation.len(), 10_000);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSpec {
    /// One specification per kernel (all of the same shape).
    pub kernels: Vec<KernelSpec>,
    /// Shape of each activation map: `m` or `m1 × m2`.
    pub signal: Shape,
    /// Law of the activations.
    pub law: ActivationLaw,
    /// Bernoulli rate θ.
    pub theta: f64,
    /// Constant bias `b` added to every sample of `y`.
    pub bias: f64,
    /// Standard deviation σ of the additive white Gaussian noise.
    pub noise_std: f64,
    /// Cyclic (output shape of the signal) or linear (full) convolution.
    pub convolution: Convolution,
}

impl InstanceSpec {
    /// One kernel, activations of shape `signal`; defaults: Bernoulli–Rademacher
    /// with `θ = n0^{−3/4}` (`n0` = number of kernel entries, LQK+20 §5.2),
    /// no bias, no noise, cyclic convolution.
    pub fn new(kernel: KernelSpec, signal: Shape) -> Self {
        let theta = (kernel.shape().len().max(1) as f64).powf(-0.75);
        Self {
            kernels: vec![kernel],
            signal,
            law: ActivationLaw::BernoulliRademacher,
            theta,
            bias: 0.0,
            noise_std: 0.0,
            convolution: Convolution::Cyclic,
        }
    }

    /// Replaces the kernels by several (CDL, LQK+20 §4.3); each gets its own
    /// activation map drawn from the same law.
    pub fn kernels(mut self, kernels: Vec<KernelSpec>) -> Self {
        self.kernels = kernels;
        self
    }

    /// Sets the activation law and its rate θ.
    pub fn activation(mut self, law: ActivationLaw, theta: f64) -> Self {
        self.law = law;
        self.theta = theta;
        self
    }

    /// Sets the bias `b`.
    pub fn bias(mut self, bias: f64) -> Self {
        self.bias = bias;
        self
    }

    /// Sets the noise standard deviation σ.
    pub fn noise(mut self, noise_std: f64) -> Self {
        self.noise_std = noise_std;
        self
    }

    /// Sets the convolution model.
    pub fn convolution(mut self, convolution: Convolution) -> Self {
        self.convolution = convolution;
        self
    }

    /// Draws an instance from `StdRng::seed_from_u64(seed)` and records the seed.
    pub fn generate_seeded(&self, seed: u64) -> Result<Instance> {
        let mut instance = self.generate(&mut StdRng::seed_from_u64(seed))?;
        instance.seed = Some(seed);
        Ok(instance)
    }

    /// Draws an instance from the caller's generator (`seed` is left `None`).
    pub fn generate<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Instance> {
        let kernel_shape = self.kernels.first().ok_or(SynthError::NoKernel)?.shape();
        if let Some(other) = self
            .kernels
            .iter()
            .map(KernelSpec::shape)
            .find(|s| *s != kernel_shape)
        {
            // One observation grid needs one kernel shape (and CDL assumes it).
            return Err(SynthError::LengthMismatch {
                what: "kernel (all kernels of an instance share one shape)",
                expected: kernel_shape.len(),
                found: other.len(),
            });
        }
        check_param("bias", self.bias, true, "must be finite")?;
        check_param(
            "noise std",
            self.noise_std,
            self.noise_std >= 0.0,
            "must be finite and >= 0",
        )?;
        let observation_shape = self.convolution.output_shape(kernel_shape, self.signal)?;

        let kernels = self
            .kernels
            .iter()
            .map(|k| k.generate(rng))
            .collect::<Result<Vec<_>>>()?;
        let activations = (0..kernels.len())
            .map(|_| activation(self.law, self.theta, self.signal, rng))
            .collect::<Result<Vec<_>>>()?;

        let mut clean = vec![0.0; observation_shape.len()];
        for (a, x) in kernels.iter().zip(&activations) {
            let (ax, _) = convolve(a, kernel_shape, x, self.signal, self.convolution)?;
            clean.iter_mut().zip(ax).for_each(|(c, v)| *c += v);
        }
        let mut observation: Vec<f64> = clean.iter().map(|c| c + self.bias).collect();
        if self.noise_std > 0.0 {
            for y in &mut observation {
                let n: f64 = StandardNormal.sample(rng);
                *y += self.noise_std * n;
            }
        }
        Ok(Instance {
            kernels,
            kernel_shape,
            activations,
            signal_shape: self.signal,
            clean,
            observation,
            observation_shape,
            bias: self.bias,
            noise_std: self.noise_std,
            law: self.law,
            theta: self.theta,
            convolution: self.convolution,
            seed: None,
        })
    }
}

/// A drawn instance: ground truth and observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Ground-truth kernels `a_{0k}`, each on the unit sphere, row-major.
    pub kernels: Vec<Vec<f64>>,
    /// Shape shared by the kernels.
    pub kernel_shape: Shape,
    /// Ground-truth activations `x_{0k}`.
    pub activations: Vec<Vec<f64>>,
    /// Shape of each activation map.
    pub signal_shape: Shape,
    /// `Σ_k a_{0k} ⊛ x_{0k}` without bias and noise.
    pub clean: Vec<f64>,
    /// The observation `y = clean + b·1 + σ·n`.
    pub observation: Vec<f64>,
    /// Shape of `clean` and `observation` (signal shape if cyclic, full shape
    /// if linear).
    pub observation_shape: Shape,
    /// Bias `b`.
    pub bias: f64,
    /// Noise standard deviation σ.
    pub noise_std: f64,
    /// Activation law.
    pub law: ActivationLaw,
    /// Bernoulli rate θ.
    pub theta: f64,
    /// Convolution model.
    pub convolution: Convolution,
    /// The seed, when drawn with [`InstanceSpec::generate_seeded`].
    pub seed: Option<u64>,
}

impl Instance {
    /// The first (for SaSD, the only) kernel `a0`.
    /// Empty only if the public fields were emptied by hand.
    pub fn kernel(&self) -> &[f64] {
        self.kernels.first().map_or(&[], Vec::as_slice)
    }

    /// The first (for SaSD, the only) activation `x0`.
    /// Empty only if the public fields were emptied by hand.
    pub fn activation(&self) -> &[f64] {
        self.activations.first().map_or(&[], Vec::as_slice)
    }
}
