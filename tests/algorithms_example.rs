//! `examples/algorithms.rs --quick` (LQK+20 Fig. 15): all five methods run
//! on both kernels within the FFT budget, traces are sane, both figures are
//! written, and homotopy-iADM recovers the incoherent kernel (error ≤ 1e-2,
//! measured 6e-6) within it.

#[allow(dead_code)]
#[path = "../examples/algorithms.rs"]
mod algorithms;

#[test]
fn algorithms_quick() {
    let dir = std::env::temp_dir().join(format!("sasd-study-alg-{}", std::process::id()));
    let o = algorithms::Options::quick(dir.clone());
    let v = algorithms::run(&o).expect("runs");
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2 * 5 * o.seeds.len());
    for r in runs {
        let e = r["final_error"].as_f64().expect("error");
        assert!((0.0..=1.0).contains(&e), "{r}");
        let ffts = r["ffts"].as_f64().expect("ffts");
        // Each run stops at the first iteration past the budget.
        assert!(ffts > 0.0 && ffts <= 1.5 * o.ffts as f64, "{r}");
        let trace = r["trace"].as_array().expect("trace");
        assert!(!trace.is_empty(), "{r}");
    }
    let homotopy = runs
        .iter()
        .find(|r| r["kernel"] == "incoherent" && r["method"] == "homotopy-iADM")
        .expect("homotopy run");
    assert!(
        homotopy["final_error"].as_f64().is_some_and(|e| e <= 1e-2),
        "{homotopy}"
    );
    for kind in ["incoherent", "coherent"] {
        assert!(dir.join(format!("algorithms_{kind}.svg")).exists());
    }
    let _ = std::fs::remove_dir_all(dir);
}
