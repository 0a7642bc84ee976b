//! Command-line plumbing shared by the examples, parsed by clap: `--seed N`
//! (repeatable, or a range `A..=B`), `--json PATH`, `--quick` (a study's
//! smoke-test size), `--full` (its largest size), any other `--key value`
//! pair for the example's own options (read back with [`Args::get`]); and an
//! atomic JSON writer.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, ArgMatches, Command};

/// Options every example takes.
pub struct Args {
    /// Seeds to run (the example's default when none is given).
    pub seeds: Vec<u64>,
    /// Where to write the results as JSON.
    pub json: Option<PathBuf>,
    /// `--quick`: run the example at its smoke-test size.
    pub quick: bool,
    /// `--full`: run the example at its largest size (where it has one).
    pub full: bool,
    /// Other `--key value` pairs, for example-specific options, in command
    /// line order.
    pub extra: Vec<(String, String)>,
}

/// A seed `N`, or every seed of the inclusive range `A..=B`.
fn parse_seeds(v: &str) -> Result<Vec<u64>, String> {
    let seed = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| format!("bad seed '{v}': expected N or A..=B"))
    };
    match v.split_once("..=") {
        Some((a, b)) => Ok((seed(a)?..=seed(b)?).collect()),
        None => Ok(vec![seed(v)?]),
    }
}

/// Options with a fixed meaning; every other `--key` is an example option.
const FIXED: [&str; 5] = ["seed", "json", "help", "quick", "full"];

/// The keys of the example options on the command line (`--key value` or
/// `--key=value`, before any `--`), each once.
fn extra_keys(argv: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = argv
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .filter_map(|a| a.strip_prefix("--"))
        .map(|k| k.split_once('=').map_or(k, |(k, _)| k).to_string())
        .filter(|k| !k.is_empty() && !FIXED.contains(&k.as_str()))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The parser: the fixed options, plus one `--key <VALUE>` option (repeatable,
/// values may start with `-`, as negative numbers do) per key in `extra`.
/// Examples read their options lazily through [`Args::get`], so the keys are
/// taken from the command line rather than declared up front. `--help`
/// prints `usage` as written; errors end with it.
fn command(usage: &str, extra: &[String]) -> Command {
    let mut cmd = Command::new("example")
        .override_help(usage.to_string())
        .override_usage(usage.strip_prefix("usage: ").unwrap_or(usage).to_string())
        .arg(
            Arg::new("seed")
                .long("seed")
                .value_name("N|A..=B")
                .action(ArgAction::Append)
                .value_parser(parse_seeds),
        )
        .arg(
            Arg::new("json")
                .long("json")
                .value_name("PATH")
                .value_parser(clap::value_parser!(PathBuf)),
        )
        .arg(Arg::new("quick").long("quick").action(ArgAction::SetTrue))
        .arg(Arg::new("full").long("full").action(ArgAction::SetTrue));
    for key in extra {
        cmd = cmd.arg(
            Arg::new(key)
                .long(key)
                .value_name("VALUE")
                .action(ArgAction::Append)
                .allow_hyphen_values(true),
        );
    }
    cmd
}

/// The example options of `m` as `(key, value)` pairs in command-line order.
fn extra_pairs(m: &ArgMatches, keys: &[String]) -> Vec<(String, String)> {
    let mut pairs: Vec<(usize, String, String)> = Vec::new();
    for key in keys {
        let (Some(idx), Some(vals)) = (m.indices_of(key), m.get_many::<String>(key)) else {
            continue;
        };
        pairs.extend(idx.zip(vals).map(|(i, v)| (i, key.clone(), v.clone())));
    }
    pairs.sort_by_key(|(i, _, _)| *i);
    pairs.into_iter().map(|(_, k, v)| (k, v)).collect()
}

/// Parses `std::env::args`; prints the usage and exits on `--help`, and
/// prints clap's error and exits with status 2 on bad input.
pub fn parse(usage: &str, default_seeds: &[u64]) -> Args {
    let argv: Vec<String> = std::env::args().collect();
    try_parse_from(&argv, usage, default_seeds).unwrap_or_else(|e| e.exit())
}

/// [`parse`] of a given command line (`argv[0]` is the program name),
/// returning clap's error (help included) instead of exiting.
fn try_parse_from(argv: &[String], usage: &str, default_seeds: &[u64]) -> Result<Args, clap::Error> {
    let keys = extra_keys(argv);
    let m = command(usage, &keys).try_get_matches_from(argv)?;
    let seeds: Vec<u64> = m
        .get_many::<Vec<u64>>("seed")
        .map(|v| v.flatten().copied().collect())
        .unwrap_or_default();
    Ok(Args {
        seeds: if seeds.is_empty() {
            default_seeds.to_vec()
        } else {
            seeds
        },
        json: m.get_one::<PathBuf>("json").cloned(),
        quick: m.get_flag("quick"),
        full: m.get_flag("full"),
        extra: extra_pairs(&m, &keys),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Args, clap::Error> {
        let argv: Vec<String> = std::iter::once("ex")
            .chain(line.split_whitespace())
            .map(String::from)
            .collect();
        try_parse_from(&argv, "usage: ex", &[1, 2])
    }

    #[test]
    fn seeds_ranges_json_and_extras() {
        let a =
            parse_line("--noise 0.1 --seed 3 --json out.json --seed 5..=7 --lambda -1 --noise=2").unwrap();
        assert_eq!(a.seeds, vec![3, 5, 6, 7]);
        assert_eq!(a.json, Some(PathBuf::from("out.json")));
        let pairs: Vec<(&str, &str)> = a.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, vec![("noise", "0.1"), ("lambda", "-1"), ("noise", "2")]);
        assert_eq!(a.get("noise", 0.0), 0.1);
        assert_eq!(a.get("lambda", 0i32), -1);
        assert_eq!(a.get("missing", 9usize), 9);
        let d = parse_line("").unwrap();
        assert_eq!((d.seeds, d.json, d.extra.len()), (vec![1, 2], None, 0));
    }

    #[test]
    fn bad_input_is_refused() {
        for line in ["--seed x", "--seed 1..=y", "stray", "--noise", "--json"] {
            assert!(parse_line(line).is_err(), "{line}");
        }
        let Err(help) = parse_line("--help") else {
            panic!("--help must stop parsing")
        };
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
        assert!(help.to_string().contains("usage: ex"));
        let bad = parse_line("stray").err().map(|e| e.render().to_string());
        assert!(bad.is_some_and(|m| m.contains("Usage: ex")));
    }
}
