//! The phase-retrieval objective of examples/phase_retrieval: derivatives by
//! central differences, and the error metric's sign/phase invariance.

#[path = "../examples/phase_retrieval/problem.rs"]
#[allow(dead_code)]
mod problem;

use nalgebra::DVector;
use optim::{HessianProblem, Problem};
use problem::{Field, PhaseRetrieval, relative_error};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn check_derivatives(field: Field) {
    let mut rng = StdRng::seed_from_u64(5);
    let mut inst = PhaseRetrieval::planted(6, 30, field, &mut rng);
    let d = inst.truth.len();
    let x = DVector::from_fn(d, |i, _| ((i * 7 + 3) % 5) as f64 * 0.3 - 0.5);
    let u = DVector::from_fn(d, |i, _| ((i * 3 + 1) % 4) as f64 * 0.25 - 0.4);
    let p = &mut inst.problem;
    let mut g = DVector::zeros(d);
    p.cost_grad(x.as_slice(), g.as_mut_slice());
    let mut h = DVector::zeros(d);
    p.ehess(x.as_slice(), u.as_slice(), h.as_mut_slice());
    let t = 1e-5;
    let (xp, xm) = (&x + &u * t, &x - &u * t);
    let fd = (p.cost(xp.as_slice()) - p.cost(xm.as_slice())) / (2.0 * t);
    assert!(
        (fd - g.dot(&u)).abs() <= 1e-7 * g.dot(&u).abs().max(1.0),
        "{field:?}: {fd} vs {}",
        g.dot(&u)
    );
    let (mut gp, mut gm) = (DVector::zeros(d), DVector::zeros(d));
    p.cost_grad(xp.as_slice(), gp.as_mut_slice());
    p.cost_grad(xm.as_slice(), gm.as_mut_slice());
    let fdh = (gp - gm) / (2.0 * t);
    assert!(
        (&fdh - &h).norm() <= 1e-6 * h.norm(),
        "{field:?}: Hessian error {:e}",
        (&fdh - &h).norm() / h.norm()
    );
}

#[test]
fn real_derivatives() {
    check_derivatives(Field::Real);
}

#[test]
fn complex_derivatives() {
    check_derivatives(Field::Complex);
}

#[test]
fn truth_is_a_global_minimiser_up_to_phase() {
    let mut rng = StdRng::seed_from_u64(1);
    for field in [Field::Real, Field::Complex] {
        let mut inst = PhaseRetrieval::planted(8, 48, field, &mut rng);
        assert!(inst.problem.cost(inst.truth.as_slice()) <= 1e-28);
        let rotated = match field {
            Field::Real => -&inst.truth,
            Field::Complex => {
                // Multiply x = u + iv by e^{iφ}: (cos φ u − sin φ v) + i(sin φ u + cos φ v).
                let n = inst.truth.len() / 2;
                let (c, s) = (0.3_f64.cos(), 0.3_f64.sin());
                let (u, v) = (
                    inst.truth.rows(0, n).clone_owned(),
                    inst.truth.rows(n, n).clone_owned(),
                );
                let mut r = inst.truth.clone();
                r.rows_mut(0, n).copy_from(&(&u * c - &v * s));
                r.rows_mut(n, n).copy_from(&(&u * s + &v * c));
                r
            }
        };
        assert!(
            inst.problem.cost(rotated.as_slice()) <= 1e-28,
            "{field:?}: global phase is a symmetry"
        );
        assert!(relative_error(&rotated, &inst.truth, field) <= 1e-14);
        let off = &inst.truth * 1.1;
        assert!((relative_error(&off, &inst.truth, field) - 0.1).abs() <= 1e-12);
    }
}

#[test]
fn wirtinger_flow_recovers_at_high_oversampling() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut inst = PhaseRetrieval::planted(16, 16 * 8, Field::Real, &mut rng);
    let (z, _) = problem::wirtinger_flow(&mut inst.problem, 1e-12, 5000);
    assert!(relative_error(&z, &inst.truth, Field::Real) <= 1e-6);
}
