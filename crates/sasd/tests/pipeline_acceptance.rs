//! The pipeline on the papers' own experiments (release mode; fixed seeds).
//!
//! Seed 003 §5.2 instance: n₀ = 100, m = 10⁴, θ = n₀^{−3/4}, Bernoulli–
//! Rademacher activations, bias b = 1, no noise, random kernel on the sphere.

use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, Method};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};

fn section_5_2(seed: u64) -> sasd::synth::Instance {
    let n0 = 100;
    InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(n0)), Shape::d1(10_000))
        .activation(ActivationLaw::BernoulliRademacher, (n0 as f64).powf(-0.75))
        .bias(1.0)
        .generate_seeded(seed)
        .expect("valid instance")
}

#[test]
fn homotopy_iadm_recovers_a_random_kernel_to_1e_5_on_5_of_5_seeds() {
    for seed in 1..=5 {
        let inst = section_5_2(seed);
        let out = Deconvolution::new(100)
            .method(Method::HomotopyIadm)
            .bias(true)
            .seed(seed)
            .run(&inst.observation)
            .expect("run");
        let err = kernel_error(inst.kernel(), &out.kernel).expect("metric");
        eprintln!(
            "seed {seed}: kernel error {err:.2e}, {} iterations, {} FFTs, {:.0} ms, bias {:?}, stop {:?}",
            out.iterations,
            out.ffts,
            out.elapsed.as_secs_f64() * 1e3,
            out.bias,
            out.stop
        );
        assert!(err <= 1e-5, "seed {seed}: kernel error {err:e}");
        assert!(
            (out.bias.unwrap() - 1.0).abs() <= 1e-3,
            "seed {seed}: bias {:?}",
            out.bias
        );
    }
}
