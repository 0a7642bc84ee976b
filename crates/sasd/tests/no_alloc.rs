//! No heap allocation inside an iteration: the oracles of an ADM / iADM
//! iteration run under a counting global allocator (this binary only).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use optim::TwoBlockSmooth;
use sasd::conv::{Convolver, Plan2d};
use sasd::objective::{BilinearLasso, BilinearLasso2d, Boundary, LpLq};

mod common;
use common::{random, rng, sparse, unit_blocks};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set on the thread under test only: the test harness's own threads
    /// allocate while a test runs (seen on a loaded machine: its bookkeeping
    /// right after spawning the test's thread), and must not count.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn counted() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted();
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        counted();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while `f` runs.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

/// Inputs of `iterations` iterations: (w, x⁺, z, a⁺) each.
type Trials = Vec<(Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>)>;

fn trials(seed: u64, a_len: usize, x_len: usize, blocks: usize, iterations: usize) -> Trials {
    let mut r = rng(seed);
    (0..iterations)
        .map(|_| {
            let (w, x) = (sparse(&mut r, x_len, 0.1), sparse(&mut r, x_len, 0.1));
            let (z, a) = (
                unit_blocks(&mut r, a_len / blocks, blocks),
                unit_blocks(&mut r, a_len / blocks, blocks),
            );
            (w, x, z, a)
        })
        .collect()
}

/// Runs the oracle sequence of ADM / iADM iterations (Alg. 2 / 5): with the
/// inputs and outputs allocated beforehand, it must allocate nothing.
fn iterate(psi: &mut impl TwoBlockSmooth, inputs: &Trials) -> usize {
    let (mut gx, mut ga) = (vec![0.0; psi.x_len()], vec![0.0; psi.a_len()]);
    let mut total = 0.0;
    let mut a = inputs[0].3.clone();
    let count = allocations_during(|| {
        for (w, x_plus, z, a_plus) in inputs {
            psi.fix_a(&a);
            total += psi.grad_x(w, &mut gx);
            total += psi.value_x(x_plus);
            psi.fix_x(x_plus);
            total += psi.grad_a(z, &mut ga);
            total += psi.value_a(a_plus);
            total += psi.refresh(a_plus, x_plus).unwrap_or(0.0);
            a.copy_from_slice(a_plus);
        }
    });
    assert!(total.is_finite());
    count
}

#[test]
fn oracles_and_convolutions_do_not_allocate() {
    // The counter sees allocations at all.
    assert!(allocations_during(|| drop(std::hint::black_box(vec![1u8; 10]))) > 0);
    let mut r = rng(1);
    let (m, n) = (1000, 64);
    let y = random(&mut r, m);
    let mut sasd = BilinearLasso::new(&y, n).unwrap().with_bias();
    assert_eq!(
        iterate(&mut sasd, &trials(2, n, m, 1, 5)),
        0,
        "1-D SaSD with bias"
    );

    let mut cdl = BilinearLasso::cdl(&y, n, 3).unwrap();
    assert_eq!(iterate(&mut cdl, &trials(3, 3 * n, 3 * m, 3, 5)), 0, "1-D CDL");

    let mut lplq = LpLq::new(&y, n, 3.0, 2.0).unwrap();
    assert_eq!(iterate(&mut lplq, &trials(5, n, m, 1, 5)), 0, "lp-lq");

    // The linear model's time-domain residual and the baseline's DCTs.
    let mut linear = BilinearLasso::new_with(&y, n, Boundary::Linear)
        .unwrap()
        .with_baseline(10.0 * n as f64)
        .unwrap();
    assert_eq!(
        iterate(&mut linear, &trials(7, n, m + n - 1, 1, 5)),
        0,
        "1-D linear with baseline"
    );
    let mut circular = BilinearLasso::cdl(&y, n, 2)
        .unwrap()
        .with_baseline(200.0)
        .unwrap();
    assert_eq!(
        iterate(&mut circular, &trials(8, 2 * n, 2 * m, 2, 5)),
        0,
        "1-D CDL circular with baseline"
    );
    // One kernel keeps no residual spectrum until a baseline asks for one.
    let mut single = BilinearLasso::new(&y, n).unwrap().with_baseline(200.0).unwrap();
    assert_eq!(
        iterate(&mut single, &trials(9, n, m, 1, 5)),
        0,
        "1-D circular with baseline"
    );

    let (image, kernel) = ((30, 27), (5, 4));
    let y2 = random(&mut r, image.0 * image.1);
    let mut sasd2 = BilinearLasso2d::cdl_2d(&y2, image, kernel, 2)
        .unwrap()
        .with_bias();
    assert_eq!(
        iterate(&mut sasd2, &trials(4, 2 * 20, 2 * 810, 2, 5)),
        0,
        "2-D CDL with bias"
    );

    // One 2-D kernel: the fused row sweeps of value and gradient oracles.
    let mut sasd2 = BilinearLasso2d::new_2d(&y2, image, kernel).unwrap().with_bias();
    assert_eq!(
        iterate(&mut sasd2, &trials(6, 20, 810, 1, 5)),
        0,
        "2-D SaSD with bias"
    );

    let mut linear2 = BilinearLasso2d::cdl_2d_with(&y2, image, kernel, 2, Boundary::Linear)
        .unwrap()
        .with_bias();
    assert_eq!(
        iterate(&mut linear2, &trials(9, 2 * 20, 2 * 34 * 30, 2, 5)),
        0,
        "2-D linear CDL with bias"
    );

    // The bare engine too.
    let mut conv = Convolver::new(Plan2d::new(image).unwrap());
    let (a, x) = (random(&mut r, 20), random(&mut r, 810));
    let mut out = vec![0.0; 810];
    let count = allocations_during(|| {
        conv.conv((&a, kernel), (&x, image), (&mut out, image)).unwrap();
        conv.corr((&a, kernel), (&x, image), (&mut out, image)).unwrap();
    });
    assert_eq!(count, 0, "convolver");
}

/// The parallel paths (a 1-D plan of 2¹⁸ samples in halves, a 256² plan
/// sharing its rows), driven from a thread of rayon's pool, as a solve run
/// inside the pool would be: no allocation on that thread (allocations on
/// the other workers are not counted here). Driven from a thread outside
/// the pool instead, rayon's injector takes a block every few dozen jobs
/// (1–2 allocations per 5 iterations measured at 2¹⁸).
#[test]
fn parallel_paths_do_not_allocate_on_a_pool_thread() {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    pool.install(|| {
        let mut r = rng(11);
        let (m, n) = (1 << 18, 64);
        let y = random(&mut r, m);
        let mut long = BilinearLasso::new(&y, n).unwrap().with_bias();
        let t = trials(12, n, m, 1, 5);
        iterate(&mut long, &t);
        assert_eq!(iterate(&mut long, &t), 0, "1-D halves");
        let (image, kernel) = ((256, 256), (8, 8));
        let y2 = random(&mut r, image.0 * image.1);
        let mut wide = BilinearLasso2d::new_2d(&y2, image, kernel).unwrap().with_bias();
        let t2 = trials(13, 64, image.0 * image.1, 1, 5);
        iterate(&mut wide, &t2);
        assert_eq!(iterate(&mut wide, &t2), 0, "2-D shared rows");
    });
}
