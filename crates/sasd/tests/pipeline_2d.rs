//! 2-D deconvolution through the pipeline (LQK+20 App. C.2): a 128×128
//! image, an 8×8 kernel lifted to 22×22 on the Frobenius sphere, θ = 5·10⁻³
//! Bernoulli–Rademacher activations, no noise (release mode; fixed seeds).
//!
//! The generators and the pipeline both hold images row-major
//! (`sasd::geometry`): a non-square kernel comes back in the image's
//! orientation, not transposed.

use sasd::SasdError;
use sasd::metrics::kernel_error_2d;
use sasd::pipeline::{Deconvolution, FFTS, KERNEL_ERROR, ShiftCorrection};
use sasd::synth::{ActivationLaw, Instance, InstanceSpec, KernelSpec, Shape};

/// The transpose (row-major `cols × rows`) of a row-major `rows × cols` array.
fn transpose(v: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    (0..cols)
        .flat_map(|j| (0..rows).map(move |i| v[i * cols + j]))
        .collect()
}

fn image_instance(kernel: KernelSpec, (rows, cols): (usize, usize), seed: u64) -> Instance {
    InstanceSpec::new(kernel, Shape::d2(rows, cols))
        .activation(ActivationLaw::BernoulliRademacher, 5e-3)
        .generate_seeded(seed)
        .expect("valid instance")
}

/// Runs `spec` on the instance (row-major, as the pipeline) and returns the
/// kernel error of the result.
fn run(spec: Deconvolution, inst: &Instance, label: &str) -> f64 {
    let (rows, cols) = (inst.signal_shape.rows(), inst.signal_shape.cols());
    let (n1, n2) = (inst.kernel_shape.rows(), inst.kernel_shape.cols());
    let truth = inst.kernel().to_vec();
    let image = &inst.observation;
    let out = spec
        .truth_kernel(truth.clone())
        .run_2d(image, rows, cols)
        .expect("run");
    assert_eq!(out.kernel_dims, Shape::d2(n1, n2));
    assert_eq!(out.signal_dims, Shape::d2(rows, cols));
    assert_eq!(out.lifted_dims, Shape::d2(3 * n1 - 2, 3 * n2 - 2));
    assert_eq!(out.activation().len(), rows * cols);
    let err = kernel_error_2d(&truth, Shape::d2(n1, n2), out.kernel(), Shape::d2(n1, n2)).expect("metric");
    assert_eq!(out.truth_errors, Some(vec![err]));
    let logged = out
        .history
        .iter()
        .filter(|r| r.extra(KERNEL_ERROR).is_some())
        .count();
    let last = out.history.last().expect("history");
    eprintln!(
        "{label}: kernel error {err:.2e}, {} iterations, {} FFTs (history {:?}), {:.0} ms, stop {:?}, \
         shift {:?}, {logged} logged errors",
        out.iterations,
        out.ffts,
        last.extra(FFTS),
        out.elapsed.as_secs_f64() * 1e3,
        out.stop,
        out.shifts,
    );
    assert_eq!(last.extra(FFTS), Some(out.ffts as f64));
    err
}

#[test]
fn random_8x8_kernel_is_recovered_to_1e_3() {
    let inst = image_instance(KernelSpec::RandomSphere(Shape::d2(8, 8)), (128, 128), 1);
    let err = run(Deconvolution::new_2d(8, 8).seed(1), &inst, "random 8x8");
    assert!(err <= 1e-3, "kernel error {err:e}");
}

#[test]
fn gaussian_8x8_kernel_is_recovered_to_5e_2() {
    let kernel = KernelSpec::Gaussian2d {
        rows: 8,
        cols: 8,
        sigma: 0.5,
    };
    let inst = image_instance(kernel, (128, 128), 1);
    let err = run(Deconvolution::new_2d(8, 8).seed(1), &inst, "gaussian 8x8");
    assert!(err <= 5e-2, "kernel error {err:e}");
}

/// A non-square image and kernel: the kernel comes back in the image's
/// (row-major) orientation, and Algorithm 8 agrees with the maximal-energy
/// window on noiseless data.
#[test]
fn non_square_kernel_keeps_its_orientation() {
    let inst = image_instance(KernelSpec::RandomSphere(Shape::d2(6, 4)), (64, 96), 2);
    let spec = || Deconvolution::new_2d(6, 4).seed(2);
    let err = run(spec(), &inst, "random 6x4 on 64x96");
    assert!(err <= 1e-3, "kernel error {err:e}");
    // The transposed kernel is a different kernel: far from the truth.
    let truth = inst.kernel().to_vec();
    let image = inst.observation.clone();
    let max_energy = spec().run_2d(&image, 64, 96).expect("run");
    let flipped = transpose(max_energy.kernel(), 6, 4);
    let transposed = kernel_error_2d(&truth, Shape::d2(6, 4), &flipped, Shape::d2(4, 6)).expect("metric");
    assert!(transposed > 0.1, "transposed error {transposed:e}");
    let alg8 = spec()
        .shift_correction(ShiftCorrection::ReconstructionError)
        .run_2d(&image, 64, 96)
        .expect("run");
    eprintln!(
        "shifts: max energy {:?}, Algorithm 8 {:?}",
        max_energy.shifts, alg8.shifts
    );
    assert_eq!(alg8.shifts, max_energy.shifts);
    assert_eq!(alg8.kernel(), max_energy.kernel());
}

/// Bad images: a typed error, never a panic or NaN output.
#[test]
fn image_edge_cases_give_typed_errors() {
    let spec = Deconvolution::new_2d(8, 8);
    let image: Vec<f64> = (0..40 * 40).map(|i| ((i * 7919) % 13) as f64).collect();
    assert!(matches!(
        spec.run_2d(&image, 40, 41),
        Err(SasdError::ShapeMismatch {
            rows: 40,
            cols: 41,
            len: 1600,
            ..
        })
    ));
    // The lifted 22×22 kernel does not fit in 20 rows.
    assert!(matches!(
        spec.run_2d(&image, 20, 80),
        Err(SasdError::KernelTooLong {
            kernel: 22,
            signal: 20,
            axis: 0
        })
    ));
    assert!(matches!(
        spec.run_2d(&image, 80, 20),
        Err(SasdError::KernelTooLong {
            kernel: 22,
            signal: 20,
            axis: 1
        })
    ));
    assert!(matches!(
        spec.run_2d(&image[..6 * 6], 6, 6),
        Err(SasdError::KernelTooLong { .. })
    ));
    assert!(matches!(
        spec.run_2d(&[0.0; 1600], 40, 40),
        Err(SasdError::NoSignal)
    ));
    assert!(matches!(
        spec.clone().bias(true).run_2d(&[2.5; 1600], 40, 40),
        Err(SasdError::NoSignal)
    ));
    let mut nan = image.clone();
    nan[77] = f64::NAN;
    assert!(matches!(
        spec.run_2d(&nan, 40, 40),
        Err(SasdError::NonFinite { index: 77, .. })
    ));
    assert!(matches!(spec.run_2d(&[], 0, 0), Err(SasdError::EmptySignal)));
    assert!(matches!(
        Deconvolution::new_2d(0, 3).run_2d(&image, 40, 40),
        Err(SasdError::ZeroDimension { .. })
    ));
    assert!(matches!(
        spec.clone().kernels(0).run_2d(&image, 40, 40),
        Err(SasdError::ZeroDimension { .. })
    ));
    assert!(matches!(
        spec.clone().truth_kernel(vec![1.0; 63]).run_2d(&image, 40, 40),
        Err(SasdError::LengthMismatch { .. })
    ));
    // A 2-D kernel on a 1-D signal is a kernel on a 1×m image.
    assert!(matches!(
        spec.run(&image),
        Err(SasdError::KernelTooLong { axis: 0, .. })
    ));
}
