//! Second-order Riemannian solvers: trust region with truncated CG,
//! curvilinear search with negative curvature, and Lanczos for the smallest
//! eigenvalue of the Riemannian Hessian.

pub mod curvilinear;
pub mod lanczos;
pub mod oracle;
pub mod tcg;
pub mod trust_region;

pub use curvilinear::{CurvilinearOptions, CurvilinearSearch};
pub use lanczos::{Eigenpair, LanczosOptions, smallest_eigenpair};
pub use oracle::{ExactHessian, FiniteDifferenceHessian, SecondOrderOracle};
pub use tcg::{Tcg, TcgOptions, TcgOutcome, TcgStop};
pub use trust_region::{InnerStop, TrustRegion, TrustRegionOptions, hessian_min_eig};
