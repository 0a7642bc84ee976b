//! First- vs second-order methods on SaSD, as a library study (the `sasd
//! compare` command does the same on one instance, with plots).
//!
//! Random kernels (n₀ = 50, m = 5000, Bernoulli–Rademacher θ = n₀^(−3/4), no
//! bias, no noise), per seed: homotopy-ADM and homotopy-iADM on the Bilinear
//! Lasso (LQK+20, Alg. 1/6), trust region and curvilinear search on the
//! Huber-smoothed Bilinear Lasso at λ = 0.1 (ZLK+19 eq. 22), and the
//! two-stage algorithm (ZLK+19 Algorithm 1). Printed: kernel error
//! (LQK+20 §5.1), iterations, real FFTs and time.
//!
//! ```sh
//! cargo run --release --example first_vs_second_order -- --seed 1..=5 --json fvs.json
//! ```

mod common;

use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, MethodSpec};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};
use serde_json::json;

const USAGE: &str = "usage: first_vs_second_order [--seed N | --seed A..=B] [--json PATH] [--n0 N] [--m M]";

fn main() {
    let args = common::parse(USAGE, &[1, 2, 3]);
    let n0: usize = args.get("n0", 50);
    let m: usize = args.get("m", 5000);
    let methods = [
        ("homotopy-adm", MethodSpec::homotopy_adm()),
        ("homotopy-iadm", MethodSpec::homotopy_iadm()),
        ("trust-region", MethodSpec::trust_region()),
        ("curvilinear", MethodSpec::curvilinear()),
        ("two-stage", MethodSpec::two_stage()),
    ];
    println!(
        "{:<14} {:>4} {:>12} {:>10} {:>8} {:>9}",
        "method", "seed", "kernel err", "iterations", "FFTs", "time [ms]"
    );
    let mut rows = Vec::new();
    for &seed in &args.seeds {
        let inst = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(n0)), Shape::d1(m))
            .activation(ActivationLaw::BernoulliRademacher, (n0 as f64).powf(-0.75))
            .generate_seeded(seed)
            .expect("valid instance");
        for &(name, method) in &methods {
            let o = Deconvolution::new(n0)
                .method(method)
                .seed(seed)
                .run(&inst.observation)
                .expect("runs");
            let (iterations, ffts) = (o.iterations, o.ffts);
            let err = kernel_error(inst.kernel(), o.kernel()).expect("finite kernels");
            let ms = o.elapsed.as_secs_f64() * 1e3;
            println!("{name:<14} {seed:>4} {err:>12.2e} {iterations:>10} {ffts:>8} {ms:>9.1}");
            rows.push(json!({ "method": name, "seed": seed, "kernel_error": err, "iterations": iterations, "ffts": ffts, "ms": ms }));
        }
    }
    if let Some(path) = &args.json {
        common::write_json(path, &json!({ "n0": n0, "m": m, "runs": rows }));
    }
}
