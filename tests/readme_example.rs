//! The README's "custom problem on a manifold" example, kept compiling and
//! checked: the trust region ends at a second-order stationary point of
//! f(x) = Σ x_i⁴ on S⁹, whose minimum is 1/10 (all |x_i| = 1/√10).

use manifold::{Manifold, Sphere};
use optim::second_order::{ExactHessian, TrustRegion, TrustRegionOptions};
use optim::{HessianProblem, Problem, StopReason};
use rand::SeedableRng;

struct Quartic;
impl Problem for Quartic {
    fn cost(&mut self, x: &[f64]) -> f64 {
        x.iter().map(|t| t.powi(4)).sum()
    }
    fn cost_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        g.iter_mut().zip(x).for_each(|(g, t)| *g = 4.0 * t.powi(3));
        self.cost(x)
    }
}
impl HessianProblem for Quartic {
    fn ehess(&mut self, x: &[f64], u: &[f64], out: &mut [f64]) {
        out.iter_mut()
            .zip(x.iter().zip(u))
            .for_each(|(o, (t, s))| *o = 12.0 * t * t * s);
    }
}

#[test]
fn readme_example_reaches_the_minimum() -> Result<(), Box<dyn std::error::Error>> {
    let m = Sphere::new(10)?;
    let x0 = m.random_point(&mut rand::rngs::StdRng::seed_from_u64(3));
    let tr = TrustRegion::for_manifold(&m, TrustRegionOptions::default())?;
    let res = tr.solve(&m, &mut ExactHessian::new(&mut Quartic), x0.as_slice())?;
    assert_eq!(res.stop, StopReason::SecondOrderStationary);
    assert!(res.lambda_min.unwrap() >= -1e-6);
    // Second-order stationary points of Σx⁴ on the sphere are the points with
    // k equal-magnitude nonzero entries; only k = 10 is a local minimum.
    assert!((res.cost - 0.1).abs() <= 1e-10, "f = {}", res.cost);
    Ok(())
}

/// The README's "SaSD as a library" example: homotopy-iADM with a bias
/// recovers the random kernel of length 50 to 1e-5.
#[test]
fn readme_sasd_example_recovers_the_kernel() -> Result<(), Box<dyn std::error::Error>> {
    use sasd::metrics::kernel_error;
    use sasd::pipeline::{Deconvolution, HomotopySpec, MethodSpec};
    use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};

    let inst = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(50)), Shape::d1(5000))
        .activation(ActivationLaw::BernoulliRademacher, 50f64.powf(-0.75))
        .bias(1.0)
        .generate_seeded(1)?;
    let out = Deconvolution::new(50).bias(true).run(&inst.observation)?;
    let err = kernel_error(inst.kernel(), out.kernel())?;
    assert!(err < 1e-5, "kernel error {err}");
    assert!((out.bias.unwrap() - 1.0).abs() < 1e-3);
    let fast = MethodSpec::Homotopy(HomotopySpec::default().fixed_eta(0.3));
    let quick = Deconvolution::new(50)
        .method(fast)
        .bias(true)
        .run(&inst.observation)?;
    let err = kernel_error(inst.kernel(), quick.kernel())?;
    assert!(
        err < 1e-5 && quick.iterations < out.iterations,
        "η = 0.3: {err:e}"
    );
    // The two-stage algorithm runs through the same spec and reports its
    // stages and certificate (it has no bias, and this data's offset makes
    // it a poor model: only that it runs is asserted).
    let two_stage = Deconvolution::new(50)
        .method(MethodSpec::two_stage())
        .run(&inst.observation)?;
    assert!(two_stage.certificate.is_some() && two_stage.two_stage.is_some());
    assert!(two_stage.kernel().iter().all(|t| t.is_finite()));
    Ok(())
}
