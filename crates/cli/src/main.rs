//! The `sasd` command-line program: short-and-sparse blind deconvolution of a
//! signal or an image from a terminal, synthetic data, comparisons of the
//! solvers, and the landscape pictures of LQK+20.
//!
//! Every failure is one line on stderr and exit status 1, bad arguments
//! included (clap's several-line usage message is folded into one line).

mod cmd;
mod error;
mod io;
mod limits;
mod output;
mod plot;
mod progress;
mod report;
mod solve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::CliError;

/// Short-and-sparse blind deconvolution: y = a ⊛ x (+ b), with a short kernel a
/// on the sphere and a sparse activation x, by the methods of Lau et al. (ICLR
/// 2020) and Zhang et al. (the two-stage algorithm).
#[derive(Debug, Parser)]
#[command(name = "sasd", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    /// Print nothing but errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print the solver's progress every few iterations.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the main job on built-in data: a seed-003 §5.2 instance and an AR(2)
    /// calcium trace, deconvolved, with results and plots (a few seconds).
    Demo(cmd::demo::DemoArgs),
    /// Write synthetic data with its ground truth.
    Synth(cmd::synth::SynthArgs),
    /// Deconvolve a signal (.npy, .csv, .txt) or an image (.npy, .png, .tif).
    Deconv(cmd::deconv::DeconvArgs),
    /// Blind deblurring of a photo (.png, .tif, 2-D .npy): a non-negative blur
    /// kernel from the image's gradients (ZLK+19 §4.1), then the restored
    /// image.
    Deblur(cmd::deblur::DeblurArgs),
    /// Run every solver on the same instance and compare them.
    Compare(cmd::compare::CompareArgs),
    /// Heat maps of the Bilinear Lasso and ABL marginals over the subsphere
    /// spanned by three shifts of a kernel (LQK+20 Figs. 4, 5, 7, 9).
    Landscape(cmd::landscape::LandscapeArgs),
}

/// How chatty a command is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// A summary, and progress bars when stderr is a terminal.
    Normal,
    /// As normal, plus the solver's progress as text lines.
    Verbose,
}

/// Output-directory options shared by every command that writes files.
#[derive(Debug, Clone, Args)]
pub struct OutArgs {
    /// Overwrite the files of an existing, non-empty output directory (never
    /// an input file).
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return argument_error(&e),
    };
    io::clean_up_on_interrupt();
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    };
    let result: Result<(), CliError> = match cli.command {
        Command::Demo(args) => cmd::demo::run(args, verbosity),
        Command::Synth(args) => cmd::synth::run(args, verbosity),
        Command::Deconv(args) => cmd::deconv::run(args, verbosity),
        Command::Deblur(args) => cmd::deblur::run(args, verbosity),
        Command::Compare(args) => cmd::compare::run(args, verbosity),
        Command::Landscape(args) => cmd::landscape::run(args, verbosity),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sasd: error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Reports a command-line error as the program reports any failure: one line
/// on stderr, exit status 1. `--help` and `--version` print as usual (exit 0).
fn argument_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            eprintln!(
                "sasd: error: a command is required: demo, synth, deconv, deblur, compare or landscape (see sasd --help)"
            );
            return ExitCode::from(1);
        }
        _ => {}
    }
    eprintln!("sasd: error: {}", one_line(&e.to_string()));
    ExitCode::from(1)
}

/// clap's message up to its usage block, on one line: `error: ` dropped,
/// lines joined with spaces, and a pointer to `--help` at the end.
fn one_line(rendered: &str) -> String {
    let mut parts = Vec::new();
    for line in rendered.lines().map(str::trim) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if !line.is_empty() {
            parts.push(line.strip_prefix("error:").map_or(line, str::trim));
        }
    }
    format!("{} (see --help)", parts.join(" "))
}

/// The default output directory of a command, `sasd-<command>` in the working
/// directory.
fn default_out(command: &str) -> PathBuf {
    PathBuf::from(format!("sasd-{command}"))
}
