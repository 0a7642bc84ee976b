//! Progress of a solve: a bar on a terminal, text lines with `--verbose`,
//! nothing otherwise (pipes and CI logs stay clean).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use optim::{Control, Record};
use sasd::pipeline::RunObserver;

use crate::Verbosity;

/// A [`RunObserver`] that reports a solve's progress and never stops it.
pub struct Progress {
    bar: Option<ProgressBar>,
    verbose: bool,
    every: usize,
}

impl Progress {
    /// Progress of a solve of at most `max_iterations` iterations, labelled
    /// `label`.
    pub fn new(label: &str, max_iterations: usize, verbosity: Verbosity) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = (verbosity != Verbosity::Quiet && terminal).then(|| {
            let bar = ProgressBar::new(max_iterations as u64);
            let style = ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} it {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar
        });
        Self {
            bar,
            verbose: verbosity == Verbosity::Verbose,
            every: (max_iterations / 20).max(1),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl RunObserver for Progress {
    fn observe(&mut self, record: &Record) -> Control {
        if record.iteration.is_multiple_of(16)
            && let Some(bar) = &self.bar
        {
            bar.set_position(record.iteration as u64);
            bar.set_message(format!("objective {:.6e}", record.cost));
        }
        if self.verbose && record.iteration.is_multiple_of(self.every) {
            let lambda = record
                .extra("lambda")
                .map(|l| format!("  λ {l:.3e}"))
                .unwrap_or_default();
            let line = format!(
                "  iteration {:>6}  objective {:.9e}  step {:.2e}{lambda}",
                record.iteration, record.cost, record.step_norm
            );
            match &self.bar {
                Some(bar) => bar.println(line),
                None => eprintln!("{line}"),
            }
        }
        Control::Continue
    }
}
