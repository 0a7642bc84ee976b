//! `report.json`: what was run on what, and what came out.

use serde_json::{Value, json};

use crate::solve::{Settings, Solution};

/// The report of one solve. `input` describes the data (path or generator,
/// shape); `extra` holds command-specific fields merged at the top level.
/// Each history point carries the real FFTs so far (`ffts`) and, with a
/// truth, the error of the lifted kernel (`kernel_error_lifted`; the
/// result's `kernel_error` is the final kernel's, after shift correction).
pub fn solve_report(input: Value, settings: &Settings, solution: &Solution, extra: Value) -> Value {
    let history: Vec<Value> = solution
        .history
        .iter()
        .map(|h| {
            let mut point = json!({
                "iteration": h.iteration,
                "objective": finite(h.cost),
                "seconds": h.seconds,
                "lambda": h.lambda,
            });
            // What the solver measured on this iteration, when it did.
            if let Some(f) = h.ffts {
                point["ffts"] = json!(f);
            }
            if let Some(e) = h.kernel_error {
                point["kernel_error_lifted"] = finite(e);
            }
            point
        })
        .collect();
    let mut report = json!({
        "program": format!("sasd {}", env!("CARGO_PKG_VERSION")),
        "input": input,
        "parameters": {
            "kernel_size": if settings.auto_size { "auto".to_string() } else { settings.kernel.to_string() },
            "kernels": settings.kernels,
            "method": settings.method.name(),
            "lambda": settings.lambda,
            "eta": settings.method.effective_eta(settings.eta),
            "adaptive_decay": settings.method.adaptive_decay(settings.eta)
                .map(|a| json!({"eta_min": a.eta_min, "movement": a.movement, "probe": a.probe})),
            "bias": settings.bias,
            "nonnegative": settings.nonnegative,
            "seed": settings.seed,
            "max_iterations": settings.max_iterations,
            "refine_support": settings.refine_support.is_some(),
            "no_refine": settings.no_refine,
            "boundary": format!("{:?}", settings.boundary()).to_lowercase(),
            "baseline_period_samples": settings.baseline,
            "noise": settings.refine_support,
        },
        "result": {
            "kernel_size": crate::cmd::data_size(solution.kernel_dims).to_string(),
            // `--kernel-size auto`: each probe's size and its lifted kernel's extent.
            "kernel_size_probes": (!solution.size_probes.is_empty()).then(|| {
                solution.size_probes.iter().map(|p| json!({"size": p.size, "extent": p.extent})).collect::<Vec<_>>()
            }),
            "stop_reason": solution.stop.to_string(),
            "iterations": solution.iterations,
            "seconds": solution.elapsed.as_secs_f64(),
            "ffts": solution.ffts,
            "lambda": solution.lambda,
            "bias": solution.bias,
            "boundary": format!("{:?}", solution.boundary).to_lowercase(),
            "baseline": solution.baseline.is_some(),
            "events": solution.events.len(),
            "residual_noise": finite(solution.noise),
            "warnings": solution.warnings,
            "final_objective": solution.history.last().map(|h| finite(h.cost)),
            "kernel_error": solution.kernel_error,
            "refinement": solution.refinement.map(|r| json!({
                "atoms": r.atoms,
                "rounds": r.rounds,
                "refit_steps": r.refit_steps,
                "residual_norm": finite(r.residual_norm),
                "seconds": r.elapsed.as_secs_f64(),
            })),
        },
        "history": history,
    });
    if let (Some(obj), Value::Object(more)) = (report.as_object_mut(), extra) {
        obj.extend(more);
    }
    report
}

/// JSON has no NaN or infinity: such values are written as null.
fn finite(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}
