//! `examples/phase_transition.rs --quick` (LQK+20 Fig. 10): completes,
//! writes its heatmaps, and returns four panels of success rates in [0, 1].

#[allow(dead_code)]
#[path = "../examples/phase_transition.rs"]
mod phase_transition;

#[test]
fn phase_transition_quick() {
    let dir = scratch("pt");
    let o = phase_transition::Options::quick(dir.clone());
    let v = phase_transition::run(&o).expect("runs");
    let panels = v["panels"].as_array().expect("panels");
    assert_eq!(panels.len(), 4);
    for p in panels {
        let rates = p["success_rate"].as_array().expect("rates");
        assert_eq!(rates.len(), o.n0s.len());
        for row in rates {
            let row = row.as_array().expect("row");
            assert_eq!(row.len(), o.thetas.len());
            assert!(
                row.iter()
                    .all(|r| r.as_f64().is_some_and(|r| (0.0..=1.0).contains(&r))),
                "{p}"
            );
        }
    }
    // The sparse, incoherent corner of panel (a) is recovered (θ = 0.05,
    // n0 = 8: error ≤ 1e-2).
    assert_eq!(
        panels[0]["success_rate"][0][0].as_f64(),
        Some(1.0),
        "{}",
        panels[0]
    );
    let svg = std::fs::read_to_string(dir.join("phase_transition.svg")).expect("figure written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let _ = std::fs::remove_dir_all(dir);
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sasd-study-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
