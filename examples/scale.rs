//! Speed at scale (issue 15): time to kernel error ≤ `--target` (1e-5) with
//! the default options, on LQK+20 §5.2 instances from 10⁴ samples to
//! 2048² pixels, against the FFT floor measured in the same run.
//!
//! Instances: a random kernel on the sphere (1-D n₀ = 100; 2-D 16×16),
//! Bernoulli–Rademacher activations at θ = n₀^(−3/4) (n₀ the kernel's
//! entries), bias 1, no noise, cyclic model; solved by
//! `Deconvolution::new(100)` / `new_2d(16, 16)` with `.bias(true)` and
//! nothing else (homotopy-iADM, η = 0.9, δ = 0.1, the window start).
//!
//! Per case, printed:
//! * `iters`, `FFTs`: the first iteration k* whose lifted kernel has error
//!   ≤ target, and the real FFTs run to it;
//! * `t*`: the solve's time to k*. Cases of at most 3·10⁵ samples run twice:
//!   once with the truth (kernel error on every iteration) to find k*, then
//!   timed without it, stopped at k* (the best of `--repeats`); larger cases
//!   run once with the truth, whose shift search then costs < 1 % of an
//!   iteration;
//! * `per it`: t*/k*;
//! * `floor`: six real transforms of the plan's size (3 forward, 3 inverse:
//!   one iADM iteration's FFTs when both line searches accept their first
//!   trial), median over repeats. With the cargo feature `fftw-floor`, by
//!   FFTW (the `fftw` crate on the system's libfftw3, FFTW_MEASURE plans,
//!   one thread); without it, by the toolkit's own rustfft plans (the
//!   table says which). The engine's own six transforms are printed too
//!   (`rustfft`), so that the ratio splits into FFT library and overhead;
//! * `ratio`: per it / floor;
//! * `peak`: the process's peak resident memory (VmHWM) during the run,
//!   from just after the instance was drawn (y and the kernel kept, the
//!   rest dropped, the peak counter reset through /proc/self/clear_refs).
//!   Each case runs in a child process of its own (the example re-invokes
//!   itself with `--case`), so peaks do not accumulate;
//! * `err`: the shift-corrected kernel error of the result at k*; `wall`:
//!   the whole `run` call (initialisation and shift correction included).
//!
//! ```sh
//! cargo run --release --example scale                     # 10⁴–10⁶, 512², 2048²
//! cargo run --release --example scale -- --full           # and 10⁷
//! cargo run --release --features fftw-floor --example scale   # FFTW floor (libfftw3-dev)
//! cargo run --release --example scale -- --case 1d:100000 # one case, in process
//! cargo run --release --example scale -- --case 1d:10000000 --cap 20 --floor 0  # memory probe
//! ```

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use optim::{Control, Record};
use sasd::conv::{Complex64, Plan, Plan1d, Plan2d};
use sasd::pipeline::{Deconvolution, Deconvolved, KERNEL_ERROR};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};
use serde_json::{Value, json};

const USAGE: &str = "usage: scale [--quick | --full] [--seed N] [--json PATH] [--target E] \
[--repeats R] [--case 1d:M | 2d:SIDE] [--cases 1d:M,2d:SIDE,...] [--floor 0|1] [--cap ITERATIONS]";

/// Kernel length of the 1-D cases (§5.2).
const N0: usize = 100;
/// Kernel side of the 2-D cases.
const K2: usize = 16;
/// Cases of at most this many samples are timed in a second run without
/// the truth (see the module doc).
const TWO_PASS: usize = 300_000;

/// One instance size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// A signal of m samples.
    D1(usize),
    /// A side × side image.
    D2(usize),
}

impl Case {
    /// `1d:M` or `2d:SIDE`.
    pub fn parse(s: &str) -> Option<Self> {
        let (kind, size) = s.split_once(':')?;
        let size: usize = size.parse().ok()?;
        match kind {
            "1d" => Some(Self::D1(size)),
            "2d" => Some(Self::D2(size)),
            _ => None,
        }
    }

    /// The inverse of [`parse`](Self::parse).
    pub fn name(self) -> String {
        match self {
            Self::D1(m) => format!("1d:{m}"),
            Self::D2(s) => format!("2d:{s}"),
        }
    }

    fn label(self) -> String {
        match self {
            Self::D1(m) => format!("m = {m:.0e}"),
            Self::D2(s) => format!("{s}x{s}"),
        }
    }

    fn samples(self) -> usize {
        match self {
            Self::D1(m) => m,
            Self::D2(s) => s * s,
        }
    }
}

/// What to run.
pub struct Options {
    pub cases: Vec<Case>,
    pub seed: u64,
    pub target: f64,
    /// Timed runs per two-pass case (the fastest counts).
    pub repeats: usize,
    /// Run each case in a child process (the example's `main`), or all in
    /// this process (a test: peaks then start from what earlier cases left).
    pub isolate: bool,
    /// Measure the floors (`--floor 0` skips them, for profiling a run).
    pub floors: bool,
    /// `--cap K`: stop every run after K iterations (a memory probe of
    /// the largest sizes: the solver's buffers are all in place after the
    /// first iteration); the row then says the target was not reached.
    pub cap: Option<usize>,
}

impl Options {
    /// 10⁴, 10⁵, 10⁶, 512², 2048² (with `full`: and 10⁷).
    pub fn standard(full: bool) -> Self {
        let mut cases = vec![Case::D1(10_000), Case::D1(100_000), Case::D1(1_000_000)];
        if full {
            cases.push(Case::D1(10_000_000));
        }
        cases.extend([Case::D2(512), Case::D2(2048)]);
        Self {
            cases,
            seed: 1,
            target: 1e-5,
            repeats: 3,
            isolate: true,
            floors: true,
            cap: None,
        }
    }

    /// The smoke test: 10⁴ and 128², in process.
    pub fn quick() -> Self {
        Self {
            cases: vec![Case::D1(10_000), Case::D2(128)],
            repeats: 1,
            isolate: false,
            ..Self::standard(false)
        }
    }
}

/// The name of the floor's FFT library.
pub const FLOOR_LIBRARY: &str = if cfg!(feature = "fftw-floor") {
    "FFTW 3 (FFTW_MEASURE, 1 thread)"
} else {
    "rustfft (the toolkit's plans; build with --features fftw-floor for FFTW)"
};

/// Times `round` (one round = six transforms) `reps` times at least and for
/// at least ~0.3 s; the median.
fn median_time(mut round: impl FnMut()) -> Duration {
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 5 || (start.elapsed() < Duration::from_millis(300) && times.len() < 2000) {
        let t = Instant::now();
        round();
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

fn test_signal(len: usize) -> Vec<f64> {
    (0..len).map(|i| ((i * 7919) % 101) as f64 / 50.0 - 1.0).collect()
}

/// Six real FFTs (3 forward, 3 inverse) through the engine's plan of the
/// case's size (realfft/rustfft), zero-padding and restriction included.
fn engine_floor(case: Case) -> Duration {
    fn six<P: Plan>(mut plan: P, shape: P::Shape) -> Duration {
        let x0 = test_signal(plan.samples());
        let mut x = x0.clone();
        let mut spec = vec![Complex64::default(); plan.spectrum_len()];
        let scale = 1.0 / plan.samples() as f64;
        median_time(|| {
            x.copy_from_slice(&x0);
            for _ in 0..3 {
                plan.forward(&x, shape, &mut spec);
                // The scale stands for the product an oracle forms anyway.
                spec.iter_mut().for_each(|c| *c *= scale);
                plan.inverse(&mut spec, shape, &mut x);
            }
            black_box(&x);
        })
    }
    match case {
        Case::D1(m) => six(Plan1d::new(m).expect("plan"), m),
        Case::D2(s) => six(Plan2d::new((s, s)).expect("plan"), (s, s)),
    }
}

/// Six real FFTW transforms (3 r2c, 3 c2r) of the case's size: FFTW_MEASURE
/// plans on aligned buffers, one thread (the `fftw` crate does not start
/// FFTW's threads). Returns the time and the planning time.
#[cfg(feature = "fftw-floor")]
fn fftw_floor(case: Case) -> (Duration, Duration) {
    use fftw::array::AlignedVec;
    use fftw::plan::{C2RPlan, C2RPlan64, R2CPlan, R2CPlan64};
    use fftw::types::{Flag, c64};
    let dims: Vec<usize> = match case {
        Case::D1(m) => vec![m],
        Case::D2(s) => vec![s, s],
    };
    let n: usize = dims.iter().product();
    let last = dims[dims.len() - 1];
    let planning = Instant::now();
    let mut fwd = R2CPlan64::aligned(&dims, Flag::MEASURE).expect("FFTW r2c plan");
    let mut inv = C2RPlan64::aligned(&dims, Flag::MEASURE).expect("FFTW c2r plan");
    let planning = planning.elapsed();
    let x0 = test_signal(n);
    let mut x = AlignedVec::<f64>::new(n);
    let mut spec = AlignedVec::<c64>::new(n / last * (last / 2 + 1));
    let scale = 1.0 / n as f64;
    let t = median_time(|| {
        x.as_slice_mut().copy_from_slice(&x0);
        for _ in 0..3 {
            fwd.r2c(&mut x, &mut spec).expect("r2c");
            spec.iter_mut().for_each(|c| *c *= scale);
            inv.c2r(&mut spec, &mut x).expect("c2r");
        }
        black_box(x.as_slice());
    });
    (t, planning)
}

/// The process's peak resident set (VmHWM) in MB, if Linux tells.
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets VmHWM to the current resident set (Linux ≥ 4.0); whether it did.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// One run of `spec` on the case's data with an observer.
fn solve<F: FnMut(&Record) -> Control>(
    spec: &Deconvolution,
    case: Case,
    y: &[f64],
    mut observer: F,
) -> Deconvolved {
    let out = match case {
        Case::D1(_) => spec.run_observed(y, &mut observer),
        Case::D2(s) => spec.run_2d_observed(y, s, s, &mut observer),
    };
    out.expect("the run succeeds")
}

/// Runs one case; the row of the table as JSON.
pub fn run_case(case: Case, o: &Options) -> Value {
    let (kernel_spec, signal, n0) = match case {
        Case::D1(m) => (KernelSpec::RandomSphere(Shape::d1(N0)), Shape::d1(m), N0),
        Case::D2(s) => (
            KernelSpec::RandomSphere(Shape::d2(K2, K2)),
            Shape::d2(s, s),
            K2 * K2,
        ),
    };
    // The rest of the instance (its activation, the clean signal) is
    // dropped at the end of this block, before the peak is reset.
    let (y, truth) = {
        let inst = InstanceSpec::new(kernel_spec, signal)
            .activation(ActivationLaw::BernoulliRademacher, (n0 as f64).powf(-0.75))
            .bias(1.0)
            .generate_seeded(o.seed)
            .expect("valid instance");
        (
            inst.observation,
            inst.kernels.into_iter().next().expect("one kernel"),
        )
    };
    let peak_reset = reset_peak();
    let spec = match case {
        Case::D1(_) => Deconvolution::new(N0),
        Case::D2(_) => Deconvolution::new_2d(K2, K2),
    }
    .bias(true)
    .seed(o.seed);
    let spec = match o.cap {
        Some(k) => spec.max_iterations(k),
        None => spec,
    };

    // The traced run, stopped at the first iteration at the target.
    let traced = spec.clone().truth_kernel(truth).truth_every(1);
    let mut hit: Option<usize> = None;
    let target = o.target;
    let wall = Instant::now();
    let out = solve(&traced, case, &y, |r: &Record| {
        if r.extra(KERNEL_ERROR).is_some_and(|e| e <= target) {
            hit = Some(r.iteration);
            Control::Stop
        } else {
            Control::Continue
        }
    });
    let mut wall = wall.elapsed();
    let peak = peak_mb();
    let error = out.truth_errors.as_ref().map_or(f64::NAN, |e| e[0]);
    let (mut elapsed, mut ffts, iterations) = (out.elapsed, out.ffts, out.iterations);
    let restarts = out.history.iter().filter(|r| r.restarted).count();
    drop(out);
    let two_pass = hit.is_some() && case.samples() <= TWO_PASS;
    if let (true, Some(k)) = (two_pass, hit) {
        for round in 0..o.repeats.max(1) {
            let start = Instant::now();
            let out = solve(&spec, case, &y, |r: &Record| {
                if r.iteration >= k {
                    Control::Stop
                } else {
                    Control::Continue
                }
            });
            let w = start.elapsed();
            if round == 0 || out.elapsed < elapsed {
                (elapsed, ffts, wall) = (out.elapsed, out.ffts, w);
            }
        }
    }
    drop(y);
    let (engine, floor, planning) = if o.floors {
        let engine = engine_floor(case);
        #[cfg(feature = "fftw-floor")]
        let (floor, planning) = {
            let (t, p) = fftw_floor(case);
            (t, Some(p))
        };
        #[cfg(not(feature = "fftw-floor"))]
        let (floor, planning): (Duration, Option<Duration>) = (engine, None);
        (engine, floor, planning)
    } else {
        (Duration::ZERO, Duration::ZERO, None)
    };
    let k = hit.unwrap_or(iterations).max(1);
    let per_it = elapsed.as_secs_f64() / k as f64;
    json!({
        "case": case.name(),
        "samples": case.samples(),
        "reached": hit.is_some(),
        "iterations": k,
        "ffts": ffts,
        "momentum_restarts": restarts,
        "seconds": elapsed.as_secs_f64(),
        "seconds_per_iteration": per_it,
        "floor_seconds": floor.as_secs_f64(),
        "floor_library": FLOOR_LIBRARY,
        "fftw": cfg!(feature = "fftw-floor"),
        "fftw_planning_seconds": planning.map(|p| p.as_secs_f64()),
        "engine_six_ffts_seconds": engine.as_secs_f64(),
        "ratio": per_it / floor.as_secs_f64(),
        "ratio_engine": per_it / engine.as_secs_f64(),
        "peak_mb": peak,
        "peak_reset": peak_reset,
        "two_pass": two_pass,
        "kernel_error": error,
        "wall_seconds": wall.as_secs_f64(),
    })
}

/// Runs every case (in child processes when `o.isolate`), printing the table
/// as rows come; returns the rows.
pub fn run(o: &Options) -> Value {
    println!(
        "target kernel error {:.0e}, seed {}; floor: six real FFTs by {FLOOR_LIBRARY}",
        o.target, o.seed
    );
    println!(
        "{:<11} {:>6} {:>7} {:>9} {:>9} {:>9} {:>6} {:>9} {:>6} {:>8} {:>8} {:>8}",
        "case",
        "iters",
        "FFTs",
        "t* [s]",
        "it [ms]",
        "floor",
        "ratio",
        "rustfft",
        "ratio",
        "peak MB",
        "err",
        "wall [s]"
    );
    let mut rows = Vec::new();
    for &case in &o.cases {
        let row = if o.isolate {
            match run_child(case, o) {
                Ok(row) => row,
                Err(e) => {
                    println!("{:<11} failed: {e}", case.label());
                    rows.push(json!({"case": case.name(), "failed": e}));
                    continue;
                }
            }
        } else {
            run_case(case, o)
        };
        print_row(case, &row);
        rows.push(row);
    }
    json!({"target": o.target, "seed": o.seed, "floor_library": FLOOR_LIBRARY, "cases": rows})
}

fn print_row(case: Case, r: &Value) {
    let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
    let iters = if r["reached"].as_bool() == Some(true) {
        format!("{}", f("iterations"))
    } else {
        format!(">{}", f("iterations"))
    };
    println!(
        "{:<11} {iters:>6} {:>7} {:>9.3} {:>9.3} {:>9.3} {:>6.2} {:>9.3} {:>6.2} {:>8.0} {:>8.1e} {:>8.2}",
        case.label(),
        f("ffts"),
        f("seconds"),
        f("seconds_per_iteration") * 1e3,
        f("floor_seconds") * 1e3,
        f("ratio"),
        f("engine_six_ffts_seconds") * 1e3,
        f("ratio_engine"),
        f("peak_mb"),
        f("kernel_error"),
        f("wall_seconds"),
    );
}

/// Runs `case` in a child process (this program with `--case`); its row.
fn run_child(case: Case, o: &Options) -> Result<Value, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args(["--case", &case.name(), "--seed", &o.seed.to_string()])
        .args([
            "--target",
            &o.target.to_string(),
            "--repeats",
            &o.repeats.to_string(),
        ])
        .args(["--floor", if o.floors { "1" } else { "0" }])
        .args(["--cap", &o.cap.unwrap_or(0).to_string()])
        .arg("--row-only")
        .arg("1")
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("child exited with {}", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().ok_or("no output")?;
    serde_json::from_str(line).map_err(|e| e.to_string())
}

pub fn main() {
    let args = common::parse(USAGE, &[1]);
    let mut o = if args.quick {
        Options::quick()
    } else {
        Options::standard(args.full)
    };
    o.seed = args.seeds[0];
    o.target = args.get("target", o.target);
    o.repeats = args.get("repeats", o.repeats);
    o.floors = args.get("floor", 1) != 0;
    o.cap = match args.get("cap", 0) {
        0 => None,
        k => Some(k),
    };
    let one: String = args.get("case", String::new());
    if !one.is_empty() {
        let case = Case::parse(&one).unwrap_or_else(|| {
            eprintln!("error: bad --case '{one}'\n{USAGE}");
            std::process::exit(2)
        });
        let row = run_case(case, &o);
        if args.get("row-only", 0) == 1 {
            println!("{row}");
        } else {
            o.cases = vec![case];
            o.isolate = false;
            print_row(case, &row);
        }
        return;
    }
    let list: String = args.get("cases", String::new());
    if !list.is_empty() {
        o.cases = list
            .split(',')
            .map(|c| {
                Case::parse(c).unwrap_or_else(|| {
                    eprintln!("error: bad case '{c}' in --cases\n{USAGE}");
                    std::process::exit(2)
                })
            })
            .collect();
    }
    let v = run(&o);
    if let Some(path) = &args.json {
        common::write_json(path, &v);
    }
}
