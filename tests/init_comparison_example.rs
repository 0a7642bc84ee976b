//! `examples/init_comparison.rs --quick` (LQK+20 Figs. 11–12): completes,
//! writes both figures, and returns every run with its kernel-error trace.

#[allow(dead_code)]
#[path = "../examples/init_comparison.rs"]
mod init_comparison;

#[test]
fn init_comparison_quick() {
    let dir = scratch("ic");
    let o = init_comparison::Options::quick(dir.clone());
    let v = init_comparison::run(&o).expect("runs");
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2 * 4 * o.seeds.len());
    for r in runs {
        let e = r["error"].as_f64().expect("error");
        assert!((0.0..=1.0).contains(&e), "{r}");
        assert!(
            r["kernel_error_trace"].as_array().is_some_and(|t| !t.is_empty()),
            "{r}"
        );
    }
    // On the incoherent kernel the data-driven start recovers a0 within the
    // quick run's 150 iterations (measured 6e-7 for ADM and iADM).
    for r in runs
        .iter()
        .filter(|r| r["kernel"] == "incoherent" && r["method"].as_str().is_some_and(|m| m.ends_with("-DD")))
    {
        assert!(r["error"].as_f64().is_some_and(|e| e <= 1e-3), "{r}");
    }
    for kind in ["incoherent", "coherent"] {
        assert!(dir.join(format!("init_comparison_{kind}.svg")).exists());
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sasd-study-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
