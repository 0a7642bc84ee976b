//! `examples/scale.rs --quick` (issue 15's bench at smoke-test size, in
//! process): both cases reach kernel error 1e-5 with the default options,
//! each at about six FFTs per iteration, and every column of the table is
//! filled (times, the FFT floor, its ratio, the peak memory).

#[allow(dead_code)]
#[path = "../examples/scale.rs"]
mod scale;

#[test]
fn scale_quick() {
    let o = scale::Options::quick();
    let v = scale::run(&o);
    let rows = v["cases"].as_array().expect("cases");
    assert_eq!(rows.len(), o.cases.len());
    for r in rows {
        assert_eq!(r["reached"].as_bool(), Some(true), "{r}");
        let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
        assert!(f("kernel_error") <= 1e-4, "{r}");
        let per_iteration = f("ffts") / f("iterations");
        // Six per iteration when both searches accept their first trial,
        // more on backtracking and momentum restarts.
        assert!((5.0..=10.0).contains(&per_iteration), "{r}");
        for k in [
            "seconds",
            "seconds_per_iteration",
            "floor_seconds",
            "engine_six_ffts_seconds",
            "ratio",
        ] {
            assert!(f(k) > 0.0 && f(k).is_finite(), "{k}: {r}");
        }
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(f("peak_mb") > 0.0, "{r}");
        }
    }
}
