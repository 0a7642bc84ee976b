//! `examples/custom_solver.rs`: a Riemannian Adam written only on public
//! items, run by the executor with a stop criterion and an observer, must
//! solve the Brockett cost on Stiefel to f − f* ≤ 1e-10 with every iterate
//! on the manifold (the example returns an error otherwise).

#[path = "../examples/custom_solver.rs"]
mod custom_solver;

#[test]
fn a_users_riemannian_adam_solves_the_brockett_cost() {
    custom_solver::main().expect("f − f* ≤ 1e-10 and every iterate on St(n, p)");
}
