//! Progress of long runs. On a terminal: a bar with the elapsed time and an
//! estimate of the time left (to the iteration cap, so an upper bound for
//! the methods that stop on their schedule). Otherwise (a pipe, a log, CI):
//! one line on stdout every [`LINE_EVERY`], so a 30-second run is not
//! silent, and stderr keeps only what went wrong (a failure is one line
//! there, however long the run took). `--verbose` adds the solver's own
//! lines; `--quiet` prints nothing.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use optim::{Control, Record};
use sasd::pipeline::RunObserver;

use crate::Verbosity;

/// How often a run that is not on a terminal prints a progress line.
pub const LINE_EVERY: Duration = Duration::from_secs(5);

/// A [`RunObserver`] that reports a solve's progress and never stops it.
pub struct Progress {
    label: String,
    bar: Option<ProgressBar>,
    verbose: bool,
    /// Lines every [`LINE_EVERY`] (not a terminal, not quiet).
    lines: bool,
    every: usize,
    max_iterations: usize,
    started: Instant,
    last_line: Instant,
}

impl Progress {
    /// Progress of a solve of at most `max_iterations` iterations, labelled
    /// `label`.
    pub fn new(label: &str, max_iterations: usize, verbosity: Verbosity) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = (verbosity != Verbosity::Quiet && terminal).then(|| {
            let bar = ProgressBar::new(max_iterations as u64);
            let style = ProgressStyle::with_template(
                "{prefix:>12} [{bar:30}] {pos}/{len} it, {elapsed} (at most {eta} left) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar
        });
        let now = Instant::now();
        Self {
            label: label.to_string(),
            bar,
            verbose: verbosity == Verbosity::Verbose,
            lines: verbosity != Verbosity::Quiet && !terminal,
            every: (max_iterations / 20).max(1),
            max_iterations,
            started: now,
            last_line: now,
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
        if record.iteration.is_multiple_of(16) {
            if let Some(bar) = &self.bar {
                bar.set_position(record.iteration as u64);
                bar.set_message(format!("objective {:.6e}", record.cost));
            }
            if self.lines && self.last_line.elapsed() >= LINE_EVERY {
                self.last_line = Instant::now();
                let elapsed = self.started.elapsed().as_secs_f64();
                let rate = record.iteration.max(1) as f64 / elapsed.max(1e-9);
                let left = self.max_iterations.saturating_sub(record.iteration) as f64 / rate;
                println!(
                    "{}: iteration {} of at most {}, objective {:.6e}, {elapsed:.0} s elapsed, at most {left:.0} s left",
                    self.label, record.iteration, self.max_iterations, record.cost
                );
            }
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
                None => println!("{line}"),
            }
        }
        Control::Continue
    }
}

/// Progress of a run whose iterations cannot be observed (a batch solved in
/// parallel, a deblurring, a landscape): a spinner with the elapsed time on
/// a terminal, a line every [`LINE_EVERY`] otherwise; with a total
/// ([`counting`](Self::counting)), how many items are done. Stops when
/// dropped.
pub struct Heartbeat {
    spinner: Option<ProgressBar>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    what: String,
    done: Arc<AtomicUsize>,
    total: Option<usize>,
}

impl Heartbeat {
    /// Starts reporting `what` (e.g. "deblurring 256x256").
    pub fn start(what: &str, verbosity: Verbosity) -> Self {
        Self::begin(what, None, verbosity)
    }

    /// Starts reporting `what` as `total` items of which
    /// [`advance`](Self::advance) counts the finished ones.
    pub fn counting(what: &str, total: usize, verbosity: Verbosity) -> Self {
        Self::begin(what, Some(total), verbosity)
    }

    fn begin(what: &str, total: Option<usize>, verbosity: Verbosity) -> Self {
        let mut beat = Self {
            spinner: None,
            stop: None,
            thread: None,
            what: what.to_string(),
            done: Arc::new(AtomicUsize::new(0)),
            total,
        };
        if verbosity == Verbosity::Quiet {
            return beat;
        }
        if std::io::stderr().is_terminal() {
            let spinner = ProgressBar::new_spinner();
            spinner.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.set_message(message(what, 0, total));
            spinner.enable_steady_tick(Duration::from_millis(200));
            beat.spinner = Some(spinner);
        } else {
            let (tx, rx) = mpsc::channel::<()>();
            let what = what.to_string();
            let done = Arc::clone(&beat.done);
            let started = Instant::now();
            beat.stop = Some(tx);
            beat.thread = Some(std::thread::spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(LINE_EVERY) {
                    let m = message(&what, done.load(Ordering::Relaxed), total);
                    println!("{m}: {:.0} s elapsed", started.elapsed().as_secs_f64());
                }
            }));
        }
        beat
    }

    /// One more item done.
    pub fn advance(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(s) = &self.spinner {
            s.set_message(message(&self.what, done, self.total));
        }
    }
}

/// "`what`" or "`what`, `done` of `total` done".
fn message(what: &str, done: usize, total: Option<usize>) -> String {
    match total {
        Some(total) => format!("{what}, {done} of {total} done"),
        None => what.to_string(),
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        if let Some(s) = &self.spinner {
            s.finish_and_clear();
        }
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
