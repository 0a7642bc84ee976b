//! Command-line plumbing shared by the examples: `--seed N` (repeatable, or
//! a range `A..=B`) and `--json PATH`, and an atomic JSON writer.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Options every example takes.
pub struct Args {
    /// Seeds to run (the example's default when none is given).
    pub seeds: Vec<u64>,
    /// Where to write the results as JSON.
    pub json: Option<PathBuf>,
    /// Other `--key value` pairs, for example-specific options.
    pub extra: Vec<(String, String)>,
}

fn parse_seeds(v: &str) -> Result<Vec<u64>, String> {
    if let Some((a, b)) = v.split_once("..=") {
        let (a, b): (u64, u64) = (
            a.parse().map_err(|_| v.to_string())?,
            b.parse().map_err(|_| v.to_string())?,
        );
        return Ok((a..=b).collect());
    }
    v.parse().map(|s| vec![s]).map_err(|_| v.to_string())
}

/// Parses `std::env::args`; prints the usage and exits on `--help` or bad input.
pub fn parse(usage: &str, default_seeds: &[u64]) -> Args {
    let mut args = Args {
        seeds: Vec::new(),
        json: None,
        extra: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    let fail = |msg: String| -> ! {
        eprintln!("error: {msg}\n\n{usage}");
        std::process::exit(2);
    };
    while let Some(a) = it.next() {
        if a == "-h" || a == "--help" {
            println!("{usage}");
            std::process::exit(0);
        }
        let Some(key) = a.strip_prefix("--") else {
            fail(format!("unexpected argument '{a}'"))
        };
        let Some(value) = it.next() else {
            fail(format!("--{key} needs a value"))
        };
        match key {
            "seed" => args
                .seeds
                .extend(parse_seeds(&value).unwrap_or_else(|v| fail(format!("bad seed '{v}'")))),
            "json" => args.json = Some(PathBuf::from(value)),
            _ => args.extra.push((key.to_string(), value)),
        }
    }
    if args.seeds.is_empty() {
        args.seeds = default_seeds.to_vec();
    }
    args
}

impl Args {
    /// The value of `--key`, parsed, or `default`.
    pub fn get<T: std::str::FromStr>(&self, key: &str, default: T) -> T {
        match self.extra.iter().find(|(k, _)| k == key) {
            Some((_, v)) => v.parse().unwrap_or_else(|_| {
                eprintln!("error: bad value '{v}' for --{key}");
                std::process::exit(2)
            }),
            None => default,
        }
    }
}

/// Writes JSON to `path` through a temporary file and a rename, so an
/// interrupted run never leaves a half-written file.
pub fn write_json(path: &Path, value: &serde_json::Value) {
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(value).expect("JSON values serialise");
    if let Err(e) = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, path)) {
        eprintln!("error: cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
}
