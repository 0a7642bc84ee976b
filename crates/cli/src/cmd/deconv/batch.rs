//! What a CSV batch reports beyond the first column: a table of every
//! column (any column that did not complete flagged), and a figure of the
//! columns that fit worst.

use optim::StopReason;

use crate::error::CliError;
use crate::output::OutDir;
use crate::plot;
use crate::solve::Solution;

/// Columns drawn in `batch-fit.png`.
pub const PLOTTED: usize = 4;

/// Samples of each column drawn in `batch-fit.png`.
const WINDOW: usize = 1000;

/// One column's outcome.
#[derive(Debug, Clone)]
pub struct Row {
    /// Column number, from 1.
    pub column: usize,
    /// Iterations over all stages.
    pub iterations: usize,
    /// Why the solver stopped.
    pub stop: StopReason,
    /// Whether the run ended by its own criterion (schedule, tolerance), not
    /// at the iteration cap or on a failure.
    pub completed: bool,
    /// ‖y − reconstruction‖ / ‖y‖.
    pub misfit: f64,
    /// Kernel error against the truth, when given.
    pub kernel_error: Option<f64>,
    /// Fitted bias, when asked for.
    pub bias: Option<f64>,
}

/// Whether a stop reason means the solver reached its goal.
pub fn completed(stop: StopReason) -> bool {
    !matches!(
        stop,
        StopReason::MaxIterations
            | StopReason::TimeBudget
            | StopReason::NonFinite
            | StopReason::LineSearchFailed
            | StopReason::RadiusCollapsed
    )
}

/// The rows of a batch, in column order.
pub fn rows(signals: &[Vec<f64>], solutions: &[&Solution]) -> Vec<Row> {
    signals
        .iter()
        .zip(solutions)
        .enumerate()
        .map(|(i, (y, s))| {
            let num: f64 = y
                .iter()
                .zip(&s.reconstruction)
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            let den: f64 = y.iter().map(|a| a * a).sum();
            Row {
                column: i + 1,
                iterations: s.iterations,
                stop: s.stop,
                completed: completed(s.stop),
                misfit: if den > 0.0 { (num / den).sqrt() } else { num.sqrt() },
                kernel_error: s.kernel_error,
                bias: s.bias,
            }
        })
        .collect()
}

/// Indices (from 0) of at most `n` columns, the incomplete ones first, then
/// by decreasing misfit.
pub fn worst(rows: &[Row], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..rows.len()).collect();
    idx.sort_by(|&a, &b| {
        let key = |r: &Row| (r.completed, -r.misfit);
        key(&rows[a])
            .partial_cmp(&key(&rows[b]))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    idx.truncate(n);
    idx
}

/// Prints one line per column, aligned, flagging incomplete columns.
pub fn print_table(rows: &[Row]) {
    println!(
        "{:>6} {:>10}  {:<28} {:>12} {:>10} {:>10}",
        "column", "iterations", "stop", "misfit", "kernel err", "bias"
    );
    for r in rows {
        println!(
            "{:>6} {:>10}  {:<28} {:>12.3e} {:>10} {:>10}{}",
            r.column,
            r.iterations,
            r.stop.to_string(),
            r.misfit,
            r.kernel_error.map_or("-".into(), |e| format!("{e:.2e}")),
            r.bias.map_or("-".into(), |b| format!("{b:.4}")),
            if r.completed { "" } else { "  <- did NOT complete" }
        );
    }
}

/// `batch-fit.png`/`.svg`: data and reconstruction of the `worst` columns,
/// one panel each.
pub fn plot_worst(
    out: &OutDir,
    signals: &[Vec<f64>],
    solutions: &[&Solution],
    worst: &[usize],
) -> Result<(), CliError> {
    let titles: Vec<String> = worst
        .iter()
        .map(|&i| {
            format!(
                "column {} ({})",
                i + 1,
                if completed(solutions[i].stop) {
                    solutions[i].stop.to_string()
                } else {
                    format!("did NOT complete: {}", solutions[i].stop)
                }
            )
        })
        .collect();
    let panels: Vec<plot::Panel<'_>> = worst
        .iter()
        .zip(&titles)
        .map(|(&i, t)| {
            let w = signals[i].len().min(WINDOW);
            (
                t.as_str(),
                vec![
                    ("data y", &signals[i][..w]),
                    ("reconstruction", &solutions[i].reconstruction[..w]),
                ],
            )
        })
        .collect();
    plot::plot_signal_panels(&out.path("batch-fit"), &panels)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_columns_come_first() {
        let row = |column, completed, misfit| Row {
            column,
            iterations: 1,
            stop: if completed {
                StopReason::Completed
            } else {
                StopReason::MaxIterations
            },
            completed,
            misfit,
            kernel_error: None,
            bias: None,
        };
        let rows = [
            row(1, true, 0.1),
            row(2, true, 0.5),
            row(3, false, 0.01),
            row(4, true, 0.2),
        ];
        assert_eq!(worst(&rows, 3), vec![2, 1, 3]);
        assert!(!completed(StopReason::MaxIterations));
        assert!(completed(StopReason::Completed));
    }
}
