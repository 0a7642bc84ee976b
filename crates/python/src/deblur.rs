//! Blind deblurring of photographs from numpy (`sasd::deblur::BlindDeblur`),
//! its figures of merit, and the photographs that ship with the library.
//! Images are (rows, cols) or (rows, cols, channels) arrays, channels last
//! as numpy and imaging libraries keep them.

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sasd::deblur::{BlindDeblur, kernel_correlation as correlation, psnr as psnr_whole, psnr_subpixel};

use crate::{as_slice, run_detached, value_error};

/// `(rows, cols, channels)` of a 2-D image or a 3-D channels-last one.
fn image_dims(shape: &[usize]) -> PyResult<(usize, usize, usize)> {
    match *shape {
        [rows, cols] => Ok((rows, cols, 1)),
        [rows, cols, channels] => Ok((rows, cols, channels)),
        _ => Err(value_error(format!(
            "an image is a 2-D (rows, cols) or 3-D (rows, cols, channels) array, got {} dimensions",
            shape.len()
        ))),
    }
}

/// The channels of a channels-last image as row-major planes.
fn planes(data: &[f64], (rows, cols, channels): (usize, usize, usize)) -> Vec<Vec<f64>> {
    (0..channels)
        .map(|c| {
            data.iter()
                .skip(c)
                .step_by(channels)
                .take(rows * cols)
                .copied()
                .collect()
        })
        .collect()
}

/// Row-major planes back into a numpy image of `shape` (channels last).
fn to_numpy<'py>(py: Python<'py>, planes: &[Vec<f64>], shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    let n = planes.first().map_or(0, Vec::len);
    let flat: Vec<f64> = (0..n * planes.len())
        .map(|i| planes[i % planes.len()][i / planes.len()])
        .collect();
    Ok(PyArray1::from_vec(py, flat).reshape(shape.to_vec())?.into_any())
}

/// Blind deblurring of one photograph (the native half of `sasd.deblur`):
/// one kernel estimated from the luminance (Rec. 601 for three channels,
/// the mean otherwise), every channel restored with it in the frame of the
/// kernel's centre of mass. `image` must be a C-contiguous float64 array.
/// Returns a dict: kernel (k₁ × k₂, ≥ 0, Σ = 1), restored (the input's
/// shape), noise, levels, seconds.
#[pyfunction]
#[pyo3(signature = (image, kernel_size, *, noise=None, lam=None))]
fn deblur<'py>(
    py: Python<'py>,
    image: PyReadonlyArrayDyn<'py, f64>,
    kernel_size: (usize, usize),
    noise: Option<f64>,
    lam: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let shape = image.shape().to_vec();
    let dims = image_dims(&shape)?;
    let data = as_slice(&image)?;
    let mut run = BlindDeblur::new(kernel_size.0, kernel_size.1);
    if let Some(s) = noise {
        run = run.noise(s);
    }
    if let Some(l) = lam {
        run = run.lambda(l);
    }
    // A grey image is read in place; colour is split into planes once.
    let split = if dims.2 == 1 {
        Vec::new()
    } else {
        planes(data, dims)
    };
    let out = run_detached(py, |_stop| {
        let views: Vec<&[f64]> = if dims.2 == 1 {
            vec![data]
        } else {
            split.iter().map(Vec::as_slice).collect()
        };
        run.run(&views, dims.0, dims.1)
    })?
    .map_err(value_error)?;
    let est = &out.estimate;
    let d = PyDict::new(py);
    d.set_item(
        "kernel",
        PyArray1::from_vec(py, est.kernel.clone()).reshape([est.kernel_dims.0, est.kernel_dims.1])?,
    )?;
    d.set_item("restored", to_numpy(py, &out.channels, &shape)?)?;
    d.set_item("noise", est.noise)?;
    d.set_item("levels", est.levels)?;
    d.set_item("seconds", est.elapsed.as_secs_f64())?;
    Ok(d)
}

/// The kernel correlation of `sasd::deblur::kernel_correlation`: the
/// maximum over shifts of the normalised cross-correlation of two 2-D
/// kernels (C-contiguous float64).
#[pyfunction]
fn kernel_correlation(a: PyReadonlyArrayDyn<'_, f64>, b: PyReadonlyArrayDyn<'_, f64>) -> PyResult<f64> {
    let dims = |k: &PyReadonlyArrayDyn<'_, f64>| match *k.shape() {
        [r, c] => Ok((r, c)),
        _ => Err(value_error("a kernel is a 2-D array")),
    };
    correlation(as_slice(&a)?, dims(&a)?, as_slice(&b)?, dims(&b)?).map_err(value_error)
}

/// PSNR in dB of a 2-D `image` against `reference` over the interior
/// `border` pixels in from every side, at the best shift within
/// ±`max_shift` pixels: whole pixels (`sasd::deblur::psnr`) or, with
/// `subpixel`, refined to 1/64 pixel (`psnr_subpixel`).
#[pyfunction]
#[pyo3(signature = (image, reference, *, peak=1.0, border=0, max_shift=0, subpixel=false))]
fn psnr(
    image: PyReadonlyArrayDyn<'_, f64>,
    reference: PyReadonlyArrayDyn<'_, f64>,
    peak: f64,
    border: usize,
    max_shift: usize,
    subpixel: bool,
) -> PyResult<f64> {
    let (&[rows, cols], true) = (image.shape(), image.shape() == reference.shape()) else {
        return Err(value_error(format!(
            "psnr compares two 2-D arrays of one shape, got {:?} and {:?}",
            image.shape(),
            reference.shape()
        )));
    };
    let f = if subpixel { psnr_subpixel } else { psnr_whole };
    f(
        as_slice(&image)?,
        as_slice(&reference)?,
        (rows, cols),
        peak,
        border,
        max_shift,
    )
    .map_err(value_error)
}

/// One of the photographs shipped with the library
/// (`sasd::datasets::photograph`): a (rows, cols) array, or (rows, cols, 3)
/// for colour, values in [0, 1].
#[pyfunction]
fn photograph<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let p = sasd::datasets::photograph(name).map_err(value_error)?;
    let shape: Vec<usize> = if p.channels.len() == 1 {
        vec![p.rows, p.cols]
    } else {
        vec![p.rows, p.cols, p.channels.len()]
    };
    to_numpy(py, &p.channels, &shape)
}

/// Adds this module's functions to `sasd._sasd`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(deblur, m)?)?;
    m.add_function(wrap_pyfunction!(kernel_correlation, m)?)?;
    m.add_function(wrap_pyfunction!(psnr, m)?)?;
    m.add_function(wrap_pyfunction!(photograph, m)?)?;
    m.add("PHOTOGRAPHS", sasd::datasets::PHOTOGRAPHS.to_vec())?;
    Ok(())
}
