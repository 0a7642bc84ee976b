//! `examples/multichannel.rs --quick`: the study completes and its JSON holds
//! one row per (p, seed, method) with errors in [0, 1], and a summary whose
//! success rates are fractions; at p = 16 signals of length 64 every
//! variant (−ℓ⁴ or Huber, RGD or TR, then rounding) recovers every kernel
//! (error ≤ 1e-3).

// The example's `main` and usage are for the command line, not the test.
#[allow(dead_code)]
#[path = "../examples/multichannel.rs"]
mod multichannel;

#[test]
fn quick_study_completes_with_sane_numbers() {
    let dir = std::env::temp_dir().join(format!("sasd-study-mc-{}", std::process::id()));
    let mut o = multichannel::Options::quick();
    o.out = Some(dir.clone());
    let v = multichannel::run(&o).expect("valid settings");
    let svg = std::fs::read_to_string(dir.join("multichannel.svg")).expect("figure written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let _ = std::fs::remove_dir_all(&dir);
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), o.ps.len() * o.seeds.len() * 4);
    for r in rows {
        let e = r["error"].as_f64().expect("error");
        assert!((0.0..=1.0).contains(&e), "{r}");
        assert!(r["iterations"].as_u64().is_some_and(|i| i > 0), "{r}");
    }
    let summary = v["summary"].as_array().expect("summary");
    assert_eq!(summary.len(), o.ps.len() * 4);
    for s in summary {
        let rate = s["success_rate"].as_f64().expect("rate");
        assert!((0.0..=1.0).contains(&rate), "{s}");
        if s["p"] == 16 {
            assert_eq!(rate, 1.0, "{s}");
        }
    }
}
