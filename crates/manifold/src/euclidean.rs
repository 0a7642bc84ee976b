//! The Euclidean space ℝ^n (optionally shaped as a matrix).

use rand::Rng;

use crate::error::{ManifoldError, Result, check_args, check_len, check_vector};
use crate::manifold::{Distance, Manifold, Vector, gaussian_vector};
use crate::retraction::{
    Addition, Exponential, InverseRetraction, ParallelTransport, Retraction, VectorTransport,
};
use crate::vecops::lincomb;

/// ℝ^n with the standard inner product: every vector is a point and a tangent
/// vector, the projection is the identity and so is the Hessian conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Euclidean {
    n: usize,
}

impl Euclidean {
    /// ℝ^n. Errors when n = 0.
    pub fn new(n: usize) -> Result<Self> {
        if n == 0 {
            return Err(ManifoldError::ZeroDimension {
                what: "Euclidean dimension",
            });
        }
        Ok(Self { n })
    }
}

impl Manifold for Euclidean {
    type Retraction = Addition;
    type Transport = ParallelTransport;

    fn name(&self) -> String {
        format!("Euclidean(R^{})", self.n)
    }

    fn dim(&self) -> usize {
        self.n
    }

    fn ambient_dim(&self) -> usize {
        self.n
    }

    fn project(&self, x: &[f64], v: &mut [f64]) -> Result<()> {
        check_len(x, self.n)?;
        check_len(v, self.n)
    }

    fn ehess_to_rhess(&self, x: &[f64], egrad: &[f64], u: &[f64], hess: &mut [f64]) -> Result<()> {
        check_args(self.n, &[x, egrad, u], hess)?;
        Ok(())
    }

    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Vector {
        gaussian_vector(self.n, rng)
    }

    fn typical_dist(&self) -> f64 {
        (self.n as f64).sqrt()
    }

    fn point_deviation(&self, _x: &[f64]) -> f64 {
        0.0
    }

    fn tangent_deviation(&self, _x: &[f64], _v: &[f64]) -> f64 {
        0.0
    }
}

impl Distance for Euclidean {
    fn dist(&self, x: &[f64], y: &[f64]) -> Result<f64> {
        check_vector(x, self.n)?;
        check_vector(y, self.n)?;
        Ok(x.iter()
            .zip(y)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt())
    }
}

fn add(m: &Euclidean, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
    check_args(m.n, &[x, v], out)?;
    lincomb(1.0, x, 1.0, v, out);
    Ok(())
}

fn subtract(m: &Euclidean, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
    check_args(m.n, &[x, y], out)?;
    lincomb(1.0, y, -1.0, x, out);
    Ok(())
}

impl Retraction<Euclidean> for Addition {
    fn retract(&self, m: &Euclidean, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        add(m, x, v, out)
    }
}

impl InverseRetraction<Euclidean> for Addition {
    fn inverse_retract(&self, m: &Euclidean, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        subtract(m, x, y, out)
    }
}

/// On a flat space the exponential map is the addition.
impl Retraction<Euclidean> for Exponential {
    fn retract(&self, m: &Euclidean, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        add(m, x, v, out)
    }
}

impl InverseRetraction<Euclidean> for Exponential {
    fn inverse_retract(&self, m: &Euclidean, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        subtract(m, x, y, out)
    }
}

/// On a flat space parallel transport is the identity.
impl VectorTransport<Euclidean> for ParallelTransport {
    fn transport(&self, m: &Euclidean, x: &[f64], y: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.n, &[x, y, v], out)?;
        out.copy_from_slice(v);
        Ok(())
    }
}
