//! The engine plan and Bilinear Lasso of one geometry, so that a run is
//! written once for 1-D and 2-D.

use crate::conv::{Boundary, Plan, Plan1d, Plan2d};
use crate::error::Result;
use crate::geometry::Grid;
use crate::objective::{BilinearLasso, BilinearLasso2d};

/// The engine plan and Bilinear Lasso of one geometry, so that the run is
/// written once for 1-D and 2-D.
pub(crate) trait GridPlan: Plan + Sized {
    /// The plan's shape of a grid.
    fn shape_of(grid: Grid) -> Self::Shape;
    /// A plan of the signal's grid.
    fn for_grid(grid: Grid) -> Result<Self>;
    /// The CDL Bilinear Lasso (LQK+20 eq. 4.6, App. C.2) with `kernels`
    /// kernels of the lifted grid under the observation model `boundary`
    /// (validates the shapes and y).
    fn objective(
        y: &[f64],
        grid: Grid,
        lifted: Grid,
        kernels: usize,
        boundary: Boundary,
    ) -> Result<BilinearLasso<Self>>;
    /// `objective` with a slowly varying baseline of shortest period
    /// `period` in place of the bias (1-D only:
    /// [`SasdError::Unsupported`](crate::SasdError::Unsupported) in 2-D).
    fn with_baseline(objective: BilinearLasso<Self>, period: f64) -> Result<BilinearLasso<Self>>;
}

impl GridPlan for Plan1d {
    fn shape_of((r, _): Grid) -> usize {
        r
    }
    fn for_grid((r, _): Grid) -> Result<Self> {
        Plan1d::new(r)
    }
    fn objective(
        y: &[f64],
        _grid: Grid,
        (n, _): Grid,
        kernels: usize,
        boundary: Boundary,
    ) -> Result<BilinearLasso<Self>> {
        BilinearLasso::cdl_with(y, n, kernels, boundary)
    }
    fn with_baseline(objective: BilinearLasso<Self>, period: f64) -> Result<BilinearLasso<Self>> {
        objective.with_baseline(period)
    }
}

impl GridPlan for Plan2d {
    fn shape_of(grid: Grid) -> (usize, usize) {
        grid
    }
    fn for_grid(grid: Grid) -> Result<Self> {
        Plan2d::new(grid)
    }
    fn objective(
        y: &[f64],
        grid: Grid,
        lifted: Grid,
        kernels: usize,
        boundary: Boundary,
    ) -> Result<BilinearLasso<Self>> {
        BilinearLasso2d::cdl_2d_with(y, grid, lifted, kernels, boundary)
    }
    fn with_baseline(_objective: BilinearLasso<Self>, _period: f64) -> Result<BilinearLasso<Self>> {
        Err(crate::SasdError::Unsupported {
            method: "the baseline",
            feature: "images",
        })
    }
}
