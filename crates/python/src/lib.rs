//! The native half of the `sasd` Python package (`sasd._sasd`): thin PyO3
//! functions over `sasd::pipeline::Deconvolution`, `sasd::synth`,
//! `sasd::metrics` and `sasd::datasets`. Every number is computed by the
//! library; this crate only converts arrays, options, results and errors.
//!
//! * Inputs are read-only numpy views of C-contiguous float64 arrays, used
//!   in place (the Python layer converts anything else once).
//! * Solves run with the interpreter detached (other Python threads run),
//!   on a helper thread, while the calling thread waits and checks for
//!   signals every 50 ms: Ctrl-C stops the solve through the run observer
//!   and raises `KeyboardInterrupt`.
//! * Library errors become `ValueError` with the library's one-line message.

mod deblur;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use optim::{Control, Record};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rayon::prelude::*;
use sasd::conv::Boundary;
use sasd::pipeline::{
    Deconvolution, Deconvolved, FFTS, FIRST_SIZE, KERNEL_ERROR, MethodSpec, Shape, SizeProbe,
};
use sasd::refine::SupportRefinement;
use sasd::synth::{ActivationLaw, Convolution, InstanceSpec, KernelSpec};
use sasd::two_stage::TwoStageSpec;

/// How often the waiting thread looks for a pending signal (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// Stack of the solver thread, as the main thread's (8 MiB).
const SOLVER_STACK: usize = 8 << 20;

/// The method names of the command line, in its order.
const METHODS: [&str; 10] = [
    "adm",
    "iadm",
    "ipalm",
    "homotopy-adm",
    "homotopy-iadm",
    "reweighted-iadm",
    "homotopy-reweighted-iadm",
    "trust-region",
    "curvilinear",
    "two-stage",
];

fn value_error(e: impl ToString) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// The pipeline's method for a command-line name, with η (the decay of λ
/// per homotopy stage, or 1/β of the two-stage algorithm) when given; as
/// `sasd`'s `Method::pipeline`.
fn method_spec(name: &str, eta: Option<f64>) -> PyResult<MethodSpec> {
    let spec = match name.replace('_', "-").as_str() {
        "adm" => MethodSpec::adm(),
        "iadm" => MethodSpec::iadm(),
        "ipalm" => MethodSpec::ipalm(),
        "homotopy-adm" => MethodSpec::homotopy_adm(),
        "homotopy-iadm" => MethodSpec::homotopy_iadm(),
        "reweighted-iadm" => MethodSpec::reweighted_iadm(),
        "homotopy-reweighted-iadm" => MethodSpec::homotopy_reweighted_iadm(),
        "trust-region" => MethodSpec::trust_region(),
        "curvilinear" => MethodSpec::curvilinear(),
        "two-stage" => MethodSpec::two_stage(),
        other => {
            return Err(value_error(format!(
                "unknown method '{other}': expected one of {}",
                METHODS.join(", ")
            )));
        }
    };
    if let Some(eta) = eta
        && !(eta.is_finite() && eta > 0.0 && eta < 1.0)
    {
        return Err(value_error(format!("eta must be in (0, 1), got {eta}")));
    }
    Ok(match (spec, eta) {
        (MethodSpec::Homotopy(h), Some(eta)) => MethodSpec::Homotopy(h.fixed_eta(eta)),
        (MethodSpec::HomotopyReweighted(h, r), Some(eta)) => {
            MethodSpec::HomotopyReweighted(h.fixed_eta(eta), r)
        }
        (MethodSpec::TwoStage(t), Some(eta)) => MethodSpec::TwoStage(TwoStageSpec { beta: 1.0 / eta, ..t }),
        (spec, _) => spec,
    })
}

/// The settings of `deconvolve`, as the Python layer passes them.
struct Settings {
    kernel: Shape,
    spec: Deconvolution,
    /// `kernel_size="auto"`: the size is read from the data
    /// (`Deconvolution::run_auto_size`); `kernel` is the first probe's.
    auto: bool,
    /// The sampling rate in Hz, when given: the events get times.
    rate: Option<f64>,
}

/// `kernel_size` as Python gives it: the string `"auto"`, or the sizes.
enum SizeArg {
    Auto,
    Given(Vec<usize>),
}

impl SizeArg {
    fn extract(kernel_size: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(s) = kernel_size.extract::<String>() {
            return if s.trim().eq_ignore_ascii_case("auto") {
                Ok(SizeArg::Auto)
            } else {
                Err(value_error(format!(
                    "'{s}' is not a size: expected N, (N1, N2) with positive integers, or 'auto'"
                )))
            };
        }
        Ok(SizeArg::Given(kernel_size.extract()?))
    }
}

/// The shape of y as the library sees it: a 1-D signal or a row-major image.
fn data_shape(shape: &[usize]) -> PyResult<Shape> {
    match *shape {
        [m] => Ok(Shape::d1(m)),
        [rows, cols] => Ok(Shape::d2(rows, cols)),
        _ => Err(value_error(format!(
            "y must be a 1-D signal or a 2-D image, got an array of {} dimensions",
            shape.len()
        ))),
    }
}

/// Checks that a kernel fits the data, with the command line's messages
/// (the lifted kernel, 3n − 2 per axis, must be shorter than a signal and
/// fit inside an image; LQK+20 §3).
fn check_kernel_fits(kernel: Shape, data: Shape) -> PyResult<()> {
    let lifted = |n: usize| n.saturating_mul(3).saturating_sub(2);
    match (kernel, data) {
        (Shape::D1(n0), Shape::D1(m)) if lifted(n0) >= m => Err(value_error(format!(
            "kernel_size {n0} is too large for a signal of {m} samples: the lifted kernel has 3·n0 − 2 = {} entries and must be shorter than the signal",
            lifted(n0)
        ))),
        (Shape::D2 { rows: n1, cols: n2 }, Shape::D2 { rows, cols })
            if lifted(n1) > rows || lifted(n2) > cols =>
        {
            Err(value_error(format!(
                "kernel_size {n1}x{n2} is too large for a {rows}x{cols} image: the lifted kernel is {}x{} (3·n − 2 per axis) and must fit in the image",
                lifted(n1),
                lifted(n2)
            )))
        }
        (Shape::D2 { .. }, Shape::D1(_)) => Err(value_error("a 1-D signal needs a 1-D kernel_size N")),
        (Shape::D1(_), Shape::D2 { .. }) => Err(value_error("an image needs a 2-D kernel_size (N1, N2)")),
        _ => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
fn settings(
    kernel_size: &SizeArg,
    data: Shape,
    method: &str,
    lam: Option<f64>,
    eta: Option<f64>,
    bias: Option<bool>,
    nonneg: bool,
    kernels: usize,
    boundary: Option<&str>,
    baseline: Option<f64>,
    seed: u64,
    max_iterations: Option<usize>,
    time_budget: Option<f64>,
    truth_kernels: Option<Vec<Vec<f64>>>,
    refine_support: Option<f64>,
    no_refine: bool,
    rate: Option<f64>,
) -> PyResult<Settings> {
    let (kernel, auto) = match kernel_size {
        SizeArg::Given(sizes) => match **sizes {
            [n0] => (Shape::d1(n0), false),
            [n1, n2] => (Shape::d2(n1, n2), false),
            _ => {
                return Err(value_error(format!(
                    "kernel_size must be an int or a pair (rows, cols), got {} numbers",
                    sizes.len()
                )));
            }
        },
        // The first probe's size; an image's square one, which the library
        // refuses with its own message (1-D only).
        SizeArg::Auto if data.is_2d() => (Shape::d2(FIRST_SIZE, FIRST_SIZE), true),
        SizeArg::Auto => (Shape::d1(FIRST_SIZE), true),
    };
    if kernel.is_empty() {
        return Err(value_error("kernel size must be positive"));
    }
    // As the command line's --rate: checked first, and the baseline's
    // period is then in seconds.
    if let Some(r) = rate
        && !(r.is_finite() && r > 0.0)
    {
        return Err(value_error(format!(
            "rate must be a frequency > 0 in Hz, got {r}"
        )));
    }
    if no_refine && refine_support.is_some() {
        return Err(value_error("refine_support cannot be used with no_refine"));
    }
    let method = method_spec(method, eta)?;
    let second_order = method.is_second_order();
    // As the command line: a recording window (linear) for the Bilinear
    // Lasso methods, the cyclic model for the second-order ones (their only).
    let boundary = match boundary {
        None => {
            if second_order {
                Boundary::Circular
            } else {
                Boundary::Linear
            }
        }
        Some("linear") => Boundary::Linear,
        Some("circular") => Boundary::Circular,
        Some(other) => {
            return Err(value_error(format!(
                "unknown boundary '{other}': expected 'linear' or 'circular'"
            )));
        }
    };
    let mut spec = Deconvolution::for_kernel(kernel)
        .kernels(kernels)
        .method(method)
        .boundary(boundary)
        .bias(bias.unwrap_or(!second_order))
        .nonnegative(nonneg)
        .seed(seed);
    if let Some(l) = lam {
        spec = spec.lambda(l);
    }
    if let Some(n) = max_iterations {
        spec = spec.max_iterations(n);
    }
    if let Some(t) = time_budget {
        let budget = Duration::try_from_secs_f64(t)
            .map_err(|_| value_error(format!("time_budget must be finite and >= 0 seconds, got {t}")))?;
        spec = spec.time_budget(budget);
    }
    if let Some(t) = truth_kernels {
        spec = spec.truth_kernels(t);
    }
    if let Some(period) = baseline {
        spec = spec.baseline(period * rate.unwrap_or(1.0));
    }
    if no_refine {
        spec = spec.no_refinement();
    }
    if let Some(noise) = refine_support {
        spec = spec.refine_support(SupportRefinement {
            noise,
            ..SupportRefinement::default()
        });
    }
    Ok(Settings {
        kernel,
        spec,
        auto,
        rate,
    })
}

/// A contiguous float64 array's data, borrowed read-only without a copy.
fn as_slice<'a>(y: &'a PyReadonlyArrayDyn<'_, f64>) -> PyResult<&'a [f64]> {
    let error = || {
        PyTypeError::new_err(
            "y must be an aligned, C-contiguous float64 array (sasd.deconvolve converts other arrays)",
        )
    };
    // as_slice also takes Fortran order, which would be read transposed.
    if !y.is_c_contiguous() {
        return Err(error());
    }
    y.as_slice().map_err(|_| error())
}

/// Runs `solve` on a helper thread with the interpreter detached; the
/// calling thread waits, and every [`SIGNAL_POLL`] re-attaches to run
/// Python's signal handlers. A handler's exception (KeyboardInterrupt on
/// Ctrl-C) raises the flag that `solve`'s observers watch and is returned
/// once the solve has stopped.
fn run_detached<T, F>(py: Python<'_>, solve: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&AtomicBool) -> T + Send,
{
    let stop = AtomicBool::new(false);
    let mut interrupt: Option<PyErr> = None;
    let out = py.detach(|| {
        std::thread::scope(|scope| {
            let (done, finished) = mpsc::channel::<()>();
            let stop = &stop;
            let worker = std::thread::Builder::new()
                .name("sasd-solve".into())
                .stack_size(SOLVER_STACK)
                .spawn_scoped(scope, move || {
                    let out = solve(stop);
                    let _ = done.send(());
                    out
                })
                .expect("spawning the solver thread");
            loop {
                match finished.recv_timeout(SIGNAL_POLL) {
                    Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if interrupt.is_none()
                            && let Err(e) = Python::attach(|py| py.check_signals())
                        {
                            interrupt = Some(e);
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                }
            }
            worker.join()
        })
    });
    match (interrupt, out) {
        (Some(e), _) => Err(e),
        (None, Ok(out)) => Ok(out),
        (None, Err(panic)) => std::panic::resume_unwind(panic),
    }
}

/// What a solve returns to Python, before it becomes numpy arrays (built
/// outside the interpreter).
struct Solved {
    out: Deconvolved,
    reconstruction: Vec<f64>,
    events: Vec<sasd::events::Event>,
    noise: f64,
    warnings: Vec<String>,
    /// The probes of `kernel_size="auto"`, in order.
    probes: Option<Vec<SizeProbe>>,
    rate: Option<f64>,
}

fn solve_one(s: &Settings, y: &[f64], shape: Shape, stop: &AtomicBool) -> Result<Solved, String> {
    let spec = &s.spec;
    let mut observer = |_: &Record| {
        if stop.load(Ordering::Relaxed) {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let mut probes = None;
    let out = if s.auto {
        // The library refuses images, several kernels and truths itself.
        let start = Instant::now();
        spec.run_auto_size_observed(y, &mut observer).map(|(mut out, p)| {
            // Every probe's time, as the command line reports it.
            out.elapsed = start.elapsed();
            probes = Some(p);
            out
        })
    } else {
        match shape {
            Shape::D1(_) => spec.run_observed(y, &mut observer),
            Shape::D2 { rows, cols } => spec.run_2d_observed(y, rows, cols, &mut observer),
        }
    }
    .map_err(|e| e.to_string())?;
    let reconstruction = out.reconstruction().map_err(|e| e.to_string())?;
    let (events, noise) = out.events(y).map_err(|e| e.to_string())?;
    let warnings = out
        .kernel_warnings(&events)
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(Solved {
        out,
        reconstruction,
        events,
        noise,
        warnings,
        probes,
        rate: s.rate,
    })
}

/// A flat vector as a numpy array of `shape` (1-D or row-major 2-D).
fn array<'py>(py: Python<'py>, v: Vec<f64>, shape: Shape) -> PyResult<Bound<'py, PyAny>> {
    let a = PyArray1::from_vec(py, v);
    Ok(if shape.is_2d() {
        a.reshape([shape.rows(), shape.cols()])?.into_any()
    } else {
        a.into_any()
    })
}

/// N arrays of one shape stacked along a new first axis.
fn stack<'py>(py: Python<'py>, vs: Vec<Vec<f64>>, shape: Shape) -> PyResult<Bound<'py, PyAny>> {
    let n = vs.len();
    let flat: Vec<f64> = vs.into_iter().flatten().collect();
    let a = PyArray1::from_vec(py, flat);
    Ok(if shape.is_2d() {
        a.reshape([n, shape.rows(), shape.cols()])?.into_any()
    } else {
        a.reshape([n, shape.len()])?.into_any()
    })
}

fn history<'py>(py: Python<'py>, records: &[Record]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let col = |f: &dyn Fn(&Record) -> f64| records.iter().map(f).collect::<Vec<f64>>();
    let nan = f64::NAN;
    d.set_item(
        "iteration",
        PyArray1::from_vec(py, records.iter().map(|r| r.iteration as i64).collect()),
    )?;
    d.set_item("objective", PyArray1::from_vec(py, col(&|r| r.cost)))?;
    d.set_item(
        "elapsed",
        PyArray1::from_vec(py, col(&|r| r.elapsed.as_secs_f64())),
    )?;
    d.set_item(
        "lambda",
        PyArray1::from_vec(py, col(&|r| r.extra("lambda").unwrap_or(nan))),
    )?;
    d.set_item(
        "ffts",
        PyArray1::from_vec(
            py,
            records
                .iter()
                .map(|r| r.extra(FFTS).map_or(-1, |f| f as i64))
                .collect(),
        ),
    )?;
    d.set_item(
        "kernel_error",
        PyArray1::from_vec(py, col(&|r| r.extra(KERNEL_ERROR).unwrap_or(nan))),
    )?;
    d.set_item("step_norm", PyArray1::from_vec(py, col(&|r| r.step_norm)))?;
    d.set_item("step_size", PyArray1::from_vec(py, col(&|r| r.step_size)))?;
    Ok(d)
}

fn result_dict<'py>(py: Python<'py>, s: Solved, address: usize) -> PyResult<Bound<'py, PyDict>> {
    let Solved {
        out,
        reconstruction,
        events,
        noise,
        warnings,
        probes,
        rate,
    } = s;
    let d = PyDict::new(py);
    d.set_item("kernels", stack(py, out.kernels.clone(), out.kernel_dims)?)?;
    d.set_item(
        "activations",
        stack(py, out.activations.clone(), out.activation_dims)?,
    )?;
    d.set_item(
        "lifted_kernels",
        stack(py, out.lifted_kernels.clone(), out.lifted_dims)?,
    )?;
    d.set_item("bias", out.bias)?;
    d.set_item(
        "baseline",
        out.baseline
            .clone()
            .map(|b| array(py, b, out.signal_dims))
            .transpose()?,
    )?;
    d.set_item("reconstruction", array(py, reconstruction, out.signal_dims)?)?;
    d.set_item(
        "boundary",
        match out.boundary {
            Boundary::Circular => "circular",
            Boundary::Linear => "linear",
        },
    )?;
    d.set_item("origin", out.origin())?;
    d.set_item("lambda", out.lambda)?;
    d.set_item("stop_reason", out.stop.to_string())?;
    d.set_item("iterations", out.iterations)?;
    d.set_item("ffts", out.ffts)?;
    d.set_item("elapsed", out.elapsed.as_secs_f64())?;
    d.set_item("history", history(py, &out.history)?)?;
    d.set_item(
        "truth_errors",
        out.truth_errors.clone().map(|e| PyArray1::from_vec(py, e)),
    )?;
    d.set_item(
        "events_index",
        PyArray1::from_vec(py, events.iter().map(|e| e.index as i64).collect()),
    )?;
    d.set_item(
        "events_amplitude",
        PyArray1::from_vec(py, events.iter().map(|e| e.amplitude).collect()),
    )?;
    d.set_item(
        "events_kernel",
        PyArray1::from_vec(py, events.iter().map(|e| e.kernel as i64).collect()),
    )?;
    // As the command line's events.csv: time = (index − origin) / rate, s.
    let origin = out.origin() as i64;
    d.set_item(
        "events_time",
        rate.map(|r| {
            PyArray1::from_vec(
                py,
                events
                    .iter()
                    .map(|e| (e.index as i64 - origin) as f64 / r)
                    .collect(),
            )
        }),
    )?;
    d.set_item("rate", rate)?;
    d.set_item(
        "kernel_size_probes",
        probes.map(|p| p.iter().map(|p| (p.size, p.extent)).collect::<Vec<_>>()),
    )?;
    d.set_item("noise", noise)?;
    d.set_item("warnings", warnings)?;
    if let Some(c) = out.certificate {
        let cert = PyDict::new(py);
        cert.set_item("grad_norm", c.grad_norm)?;
        cert.set_item("lambda_min", c.lambda_min)?;
        cert.set_item("hess_calls", c.hess_calls)?;
        cert.set_item("mu", c.mu)?;
        d.set_item("certificate", cert)?;
    } else {
        d.set_item("certificate", py.None())?;
    }
    d.set_item("_input_address", address)?;
    Ok(d)
}

/// Deconvolves one signal (1-D) or image (2-D, row-major): the native half
/// of `sasd.deconvolve` (see its docstring). `y` must be a C-contiguous
/// float64 array; it is read in place. `kernel_size` is a list of one or
/// two sizes, or `"auto"` (`Deconvolution::run_auto_size_observed`; the
/// result then has `kernel_size_probes`).
#[pyfunction]
#[pyo3(signature = (y, kernel_size, *, method="homotopy-iadm", lam=None, eta=None, bias=None, nonneg=false,
    kernels=1, boundary=None, baseline=None, seed=0, max_iterations=None, time_budget=None,
    truth_kernels=None, refine_support=None, no_refine=false, rate=None))]
#[allow(clippy::too_many_arguments)]
fn deconvolve<'py>(
    py: Python<'py>,
    y: PyReadonlyArrayDyn<'py, f64>,
    kernel_size: &Bound<'py, PyAny>,
    method: &str,
    lam: Option<f64>,
    eta: Option<f64>,
    bias: Option<bool>,
    nonneg: bool,
    kernels: usize,
    boundary: Option<&str>,
    baseline: Option<f64>,
    seed: u64,
    max_iterations: Option<usize>,
    time_budget: Option<f64>,
    truth_kernels: Option<Vec<Vec<f64>>>,
    refine_support: Option<f64>,
    no_refine: bool,
    rate: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let shape = data_shape(y.shape())?;
    let s = settings(
        &SizeArg::extract(kernel_size)?,
        shape,
        method,
        lam,
        eta,
        bias,
        nonneg,
        kernels,
        boundary,
        baseline,
        seed,
        max_iterations,
        time_budget,
        truth_kernels,
        refine_support,
        no_refine,
        rate,
    )?;
    // The automatic size starts small enough for the signal (the library
    // clamps its probes to what the data holds).
    if !s.auto {
        check_kernel_fits(s.kernel, shape)?;
    }
    let data = as_slice(&y)?;
    let address = data.as_ptr() as usize;
    let s = &s;
    let solved = run_detached(py, |stop| solve_one(s, data, shape, stop))?;
    result_dict(py, solved.map_err(value_error)?, address)
}

/// Deconvolves every row of `ys` (traces × samples, C-contiguous float64)
/// or every image of a stack (images × rows × cols) with the same settings,
/// in parallel on rayon's pool, each run exactly as `deconvolve` would run
/// it alone (`sasd::pipeline::deconvolve_batch` with an observer for
/// Ctrl-C). Returns one result dict per signal, or the error message of a
/// signal that failed. No `"auto"` kernel size: a batch has one size.
#[pyfunction]
#[pyo3(signature = (ys, kernel_size, *, method="homotopy-iadm", lam=None, eta=None, bias=None, nonneg=false,
    kernels=1, boundary=None, baseline=None, seed=0, max_iterations=None, time_budget=None,
    truth_kernels=None, refine_support=None, no_refine=false, rate=None))]
#[allow(clippy::too_many_arguments)]
fn deconvolve_batch<'py>(
    py: Python<'py>,
    ys: PyReadonlyArrayDyn<'py, f64>,
    kernel_size: &Bound<'py, PyAny>,
    method: &str,
    lam: Option<f64>,
    eta: Option<f64>,
    bias: Option<bool>,
    nonneg: bool,
    kernels: usize,
    boundary: Option<&str>,
    baseline: Option<f64>,
    seed: u64,
    max_iterations: Option<usize>,
    time_budget: Option<f64>,
    truth_kernels: Option<Vec<Vec<f64>>>,
    refine_support: Option<f64>,
    no_refine: bool,
    rate: Option<f64>,
) -> PyResult<Bound<'py, PyList>> {
    let dims = ys.shape().to_vec();
    let (count, shape) = match dims.split_first() {
        Some((&count, rest)) if !rest.is_empty() => (count, data_shape(rest)?),
        _ => {
            return Err(value_error(
                "a batch is a 2-D array (traces × samples) or a 3-D stack of images",
            ));
        }
    };
    let size = SizeArg::extract(kernel_size)?;
    if matches!(size, SizeArg::Auto) {
        return Err(value_error(
            "kernel_size 'auto' needs one 1-D signal (not a batch): give a size",
        ));
    }
    let s = settings(
        &size,
        shape,
        method,
        lam,
        eta,
        bias,
        nonneg,
        kernels,
        boundary,
        baseline,
        seed,
        max_iterations,
        time_budget,
        truth_kernels,
        refine_support,
        no_refine,
        rate,
    )?;
    check_kernel_fits(s.kernel, shape)?;
    let data = as_slice(&ys)?;
    let address = data.as_ptr() as usize;
    let s = &s;
    let each = shape.len().max(1);
    let results = run_detached(py, |stop| {
        data.par_chunks(each)
            .take(count)
            .map(|y| solve_one(s, y, shape, stop))
            .collect::<Vec<_>>()
    })?;
    let list = PyList::empty(py);
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(solved) => list.append(result_dict(py, solved, address + i * each * 8)?)?,
            Err(message) => list.append(message)?,
        }
    }
    Ok(list)
}

fn kernel_spec(kind: &str, shape: Shape, sigma: f64, tau: (f64, f64), rate: f64) -> PyResult<KernelSpec> {
    let n0 = shape.len();
    Ok(match (kind, shape) {
        ("random", _) => KernelSpec::RandomSphere(shape),
        ("gaussian", Shape::D1(n0)) => KernelSpec::GaussianWindow { n0, sigma },
        ("gaussian", Shape::D2 { rows, cols }) => KernelSpec::Gaussian2d { rows, cols, sigma },
        ("ar1", Shape::D1(_)) => KernelSpec::Ar1 {
            n0,
            tau: tau.0,
            rate_hz: rate,
        },
        ("ar2", Shape::D1(_)) => KernelSpec::Ar2 {
            n0,
            tau1: tau.0,
            tau2: tau.1,
            rate_hz: rate,
        },
        ("ar1" | "ar2", Shape::D2 { .. }) => {
            return Err(value_error(format!("kernel '{kind}' is 1-D only")));
        }
        (other, _) => {
            return Err(value_error(format!(
                "unknown kernel '{other}': expected 'random', 'gaussian', 'ar1' or 'ar2'"
            )));
        }
    })
}

/// Draws a synthetic instance y = Σ a₀ₖ ⊛ x₀ₖ + b + σ·n
/// (`sasd::synth::InstanceSpec::generate_seeded`): the native half of
/// `sasd.synth.instance`.
#[pyfunction]
#[pyo3(signature = (size, kernel_size, *, kernel="random", activation="bernoulli-rademacher", theta=None,
    bias=0.0, noise=0.0, kernels=1, convolution="cyclic", seed=0, sigma=0.5, tau=(0.5, 0.05), rate=100.0))]
#[allow(clippy::too_many_arguments)]
fn synth_instance<'py>(
    py: Python<'py>,
    size: Vec<usize>,
    kernel_size: Vec<usize>,
    kernel: &str,
    activation: &str,
    theta: Option<f64>,
    bias: f64,
    noise: f64,
    kernels: usize,
    convolution: &str,
    seed: u64,
    sigma: f64,
    tau: (f64, f64),
    rate: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let signal = data_shape(&size)?;
    let kshape = data_shape(&kernel_size)?;
    if signal.is_2d() != kshape.is_2d() {
        return Err(value_error(
            "size and kernel_size must have the same number of dimensions",
        ));
    }
    let law = match activation.replace('_', "-").as_str() {
        "bernoulli" => ActivationLaw::Bernoulli,
        "bernoulli-gaussian" => ActivationLaw::BernoulliGaussian,
        "bernoulli-rademacher" => ActivationLaw::BernoulliRademacher,
        other => {
            return Err(value_error(format!(
                "unknown activation '{other}': expected 'bernoulli', 'bernoulli-gaussian' or 'bernoulli-rademacher'"
            )));
        }
    };
    let conv = match convolution {
        "cyclic" | "circular" => Convolution::Cyclic,
        "linear" => Convolution::Linear,
        other => {
            return Err(value_error(format!(
                "unknown convolution '{other}': expected 'cyclic' or 'linear'"
            )));
        }
    };
    if kernels == 0 {
        return Err(value_error("number of kernels must be positive"));
    }
    let one = kernel_spec(kernel, kshape, sigma, tau, rate)?;
    let mut spec = InstanceSpec::new(one.clone(), signal)
        .kernels(vec![one; kernels])
        .bias(bias)
        .noise(noise)
        .convolution(conv);
    let theta = theta.unwrap_or(spec.theta);
    spec = spec.activation(law, theta);
    let inst = py.detach(|| spec.generate_seeded(seed)).map_err(value_error)?;
    let d = PyDict::new(py);
    d.set_item("y", array(py, inst.observation, inst.observation_shape)?)?;
    d.set_item("clean", array(py, inst.clean, inst.observation_shape)?)?;
    d.set_item("kernels", stack(py, inst.kernels, inst.kernel_shape)?)?;
    d.set_item("activations", stack(py, inst.activations, inst.signal_shape)?)?;
    d.set_item("bias", inst.bias)?;
    d.set_item("noise", inst.noise_std)?;
    d.set_item("theta", inst.theta)?;
    d.set_item("seed", inst.seed)?;
    Ok(d)
}

/// LQK+20 §5.1's kernel error, min over shifts and sign of
/// 1 − |⟨a₀, s_ℓ[â]⟩| (`sasd::metrics::kernel_error_2d`): 0 for a perfect
/// recovery, 1 for orthogonal kernels. Both arrays 1-D, or both 2-D.
#[pyfunction]
fn kernel_error(a0: PyReadonlyArrayDyn<'_, f64>, a_hat: PyReadonlyArrayDyn<'_, f64>) -> PyResult<f64> {
    let (s0, s1) = (data_shape(a0.shape())?, data_shape(a_hat.shape())?);
    if s0.is_2d() != s1.is_2d() {
        return Err(value_error("both kernels must be 1-D, or both 2-D"));
    }
    sasd::metrics::kernel_error_2d(as_slice(&a0)?, s0, as_slice(&a_hat)?, s1).map_err(value_error)
}

/// Spike detection scores (`sasd::metrics::spike_scores`, or
/// `sasd::pipeline::aligned_spike_scores` when both kernels are given, to
/// undo a blind run's shift first): detections are the entries of `x_hat`
/// above `threshold` in magnitude, hits within ±`tolerance` samples.
#[pyfunction]
#[pyo3(signature = (x0, x_hat, threshold, tolerance=2, a0=None, a_hat=None))]
fn spike_scores<'py>(
    py: Python<'py>,
    x0: PyReadonlyArrayDyn<'py, f64>,
    x_hat: PyReadonlyArrayDyn<'py, f64>,
    threshold: f64,
    tolerance: usize,
    a0: Option<PyReadonlyArrayDyn<'py, f64>>,
    a_hat: Option<PyReadonlyArrayDyn<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (x0, x_hat) = (as_slice(&x0)?, as_slice(&x_hat)?);
    let s = match (&a0, &a_hat) {
        (Some(a0), Some(a_hat)) => sasd::pipeline::aligned_spike_scores(
            as_slice(a0)?,
            x0,
            as_slice(a_hat)?,
            x_hat,
            threshold,
            tolerance,
        ),
        (None, None) => sasd::metrics::spike_scores(x0, x_hat, threshold, tolerance),
        _ => return Err(value_error("give both kernels (a0 and a_hat), or neither")),
    }
    .map_err(value_error)?;
    let d = PyDict::new(py);
    d.set_item("true_positives", s.true_positives)?;
    d.set_item("false_positives", s.false_positives)?;
    d.set_item("false_negatives", s.false_negatives)?;
    d.set_item("precision", s.precision)?;
    d.set_item("recall", s.recall)?;
    d.set_item("f1", s.f1)?;
    Ok(d)
}

/// The ECG recording shipped with the library (`sasd::datasets::ecg`):
/// (samples in mV, rate in Hz, name).
#[pyfunction]
fn ecg(py: Python<'_>) -> PyResult<(Bound<'_, PyArray1<f64>>, f64, String)> {
    let r = sasd::datasets::ecg().map_err(value_error)?;
    Ok((PyArray1::from_vec(py, r.samples), r.rate, r.name.to_string()))
}

/// The native module `sasd._sasd`.
#[pymodule]
fn _sasd(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(deconvolve, m)?)?;
    m.add_function(wrap_pyfunction!(deconvolve_batch, m)?)?;
    m.add_function(wrap_pyfunction!(synth_instance, m)?)?;
    m.add_function(wrap_pyfunction!(kernel_error, m)?)?;
    m.add_function(wrap_pyfunction!(ecg, m)?)?;
    m.add_function(wrap_pyfunction!(spike_scores, m)?)?;
    m.add("METHODS", METHODS.to_vec())?;
    deblur::register(m)?;
    Ok(())
}
