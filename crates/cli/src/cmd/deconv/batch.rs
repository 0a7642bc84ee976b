//! A CSV batch's outputs, written as its solutions arrive ([`BatchWriter`]),
//! and what it reports beyond the first column: a table of every column (any
//! column that did not complete flagged), and a figure of the columns that
//! fit worst.

use std::cmp::Ordering;

use optim::StopReason;

use crate::error::CliError;
use crate::io::{NpyStream, TextStream};
use crate::output::{EVENTS_HEADER, OutDir, event_lines, solution_arrays};
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

/// The row of column `column` (from 1) whose data are `y`.
pub fn row(column: usize, y: &[f64], s: &Solution) -> Row {
    let num: f64 = y
        .iter()
        .zip(&s.reconstruction)
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    let den: f64 = y.iter().map(|a| a * a).sum();
    Row {
        column,
        iterations: s.iterations,
        stop: s.stop,
        completed: completed(s.stop),
        misfit: if den > 0.0 { (num / den).sqrt() } else { num.sqrt() },
        kernel_error: s.kernel_error,
        bias: s.bias,
    }
}

/// Incomplete columns first, then by decreasing misfit, then by column.
fn worse_first(a: &Row, b: &Row) -> Ordering {
    let key = |r: &Row| (r.completed, -r.misfit);
    key(a)
        .partial_cmp(&key(b))
        .unwrap_or(Ordering::Equal)
        .then(a.column.cmp(&b.column))
}

/// Adds (`row`, `item`) to `kept`, the at most `n` worst columns so far,
/// worst first.
fn keep_worst<T>(kept: &mut Vec<(Row, T)>, row: Row, item: T, n: usize) {
    let at = kept.partition_point(|(r, _)| worse_first(r, &row) == Ordering::Less);
    if at < n {
        kept.insert(at, (row, item));
        kept.truncate(n);
    }
}

/// Writes a batch's outputs as its solutions arrive, in column order:
/// kernel.npy (unless the kernel is shared), activation.npy, baseline.npy
/// (when fitted) and reconstruction.npy, each stacked along a leading axis,
/// and events.csv. It keeps only what the report and the plots need: every
/// column's [`Row`], column 1's solution and the [`PLOTTED`] worst columns'.
/// A batch of 1,000 traces then holds a handful of solutions, not all of
/// them, and writes no second copy of its arrays.
pub struct BatchWriter<'a> {
    out: &'a OutDir,
    signals: usize,
    rate: Option<f64>,
    stack_kernels: bool,
    /// Opened with the first solution, which gives the shapes.
    arrays: Vec<NpyStream>,
    events: TextStream,
    rows: Vec<Row>,
    first: Option<Solution>,
    worst: Vec<(Row, Solution)>,
}

/// What a [`BatchWriter`] kept.
pub struct Written {
    /// Every column's row, in column order.
    pub rows: Vec<Row>,
    /// Column 1's solution.
    pub first: Solution,
    /// The [`PLOTTED`] worst columns, worst first, with their solutions.
    pub worst: Vec<(Row, Solution)>,
}

impl<'a> BatchWriter<'a> {
    /// A writer for a batch of `signals` columns into `out`; kernel.npy is
    /// left to the caller when `stack_kernels` is false (a shared kernel).
    pub fn new(
        out: &'a OutDir,
        signals: usize,
        rate: Option<f64>,
        stack_kernels: bool,
    ) -> Result<Self, CliError> {
        let mut events = TextStream::create(&out.path("events.csv"))?;
        events.write(EVENTS_HEADER)?;
        Ok(Self {
            out,
            signals,
            rate,
            stack_kernels,
            arrays: Vec::new(),
            events,
            rows: Vec::with_capacity(signals),
            first: None,
            worst: Vec::new(),
        })
    }

    /// Writes the solution of the next column, whose data are `y`, and
    /// returns its row.
    pub fn push(&mut self, y: &[f64], s: Solution) -> Result<&Row, CliError> {
        let column = self.rows.len() + 1;
        if column > self.signals {
            return Err(CliError::new(format!(
                "batch: more than {} solutions",
                self.signals
            )));
        }
        let arrays = solution_arrays(&s)
            .into_iter()
            .filter(|(name, _, _)| self.stack_kernels || *name != "kernel.npy");
        if self.arrays.is_empty() {
            for (name, _, shape) in arrays.clone() {
                let mut shape = shape;
                shape.insert(0, self.signals);
                self.arrays.push(NpyStream::create(&self.out.path(name), &shape)?);
            }
        }
        for (stream, (_, data, _)) in self.arrays.iter_mut().zip(arrays) {
            stream.push(&data)?;
        }
        self.events.write(&event_lines(column, &s, self.rate))?;
        let r = row(column, y, &s);
        if self.first.is_none() {
            self.first = Some(s.clone());
        }
        keep_worst(&mut self.worst, r.clone(), s, PLOTTED);
        self.rows.push(r);
        Ok(self.rows.last().expect("just pushed"))
    }

    /// Completes the files (every column must have been given).
    pub fn finish(self) -> Result<Written, CliError> {
        for stream in self.arrays {
            stream.finish()?;
        }
        self.events.finish()?;
        let first = self
            .first
            .filter(|_| self.rows.len() == self.signals)
            .ok_or_else(|| {
                CliError::new(format!(
                    "batch: {} of {} solutions",
                    self.rows.len(),
                    self.signals
                ))
            })?;
        Ok(Written {
            rows: self.rows,
            first,
            worst: self.worst,
        })
    }
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
pub fn plot_worst(out: &OutDir, signals: &[Vec<f64>], worst: &[(Row, Solution)]) -> Result<(), CliError> {
    let titles: Vec<String> = worst
        .iter()
        .map(|(r, s)| {
            format!(
                "column {} ({})",
                r.column,
                if r.completed {
                    s.stop.to_string()
                } else {
                    format!("did NOT complete: {}", s.stop)
                }
            )
        })
        .collect();
    let panels: Vec<plot::Panel<'_>> = worst
        .iter()
        .zip(&titles)
        .map(|((r, s), t)| {
            let y = &signals[r.column - 1];
            let w = y.len().min(WINDOW);
            (
                t.as_str(),
                vec![("data y", &y[..w]), ("reconstruction", &s.reconstruction[..w])],
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
        let mut kept = Vec::new();
        for r in [
            row(1, true, 0.1),
            row(2, true, 0.5),
            row(3, false, 0.01),
            row(4, true, 0.2),
            row(5, true, 0.5),
        ] {
            keep_worst(&mut kept, r, (), 3);
        }
        let columns: Vec<usize> = kept.iter().map(|(r, _)| r.column).collect();
        assert_eq!(columns, vec![3, 2, 5]);
        assert!(!completed(StopReason::MaxIterations));
        assert!(completed(StopReason::Completed));
    }
}
