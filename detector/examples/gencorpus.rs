//! Generates a deterministic, realistic CloudTrail S3 corpus for benchmarks.
//!
//! ```text
//! cargo run --release --example gencorpus -- --out DIR --records 200000 --seed 42 [--days 3]
//! ```
//!
//! Writes gzip `{"Records":[...]}` files under the real key layout
//! `DIR/AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/...json.gz` and a
//! `DIR/.gencorpus` manifest (records, files, uncompressed and gzip bytes).
//! Same arguments, same bytes: no clock, its own PRNG.

#[allow(dead_code)]
#[path = "support/corpus/mod.rs"]
mod corpus;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: gencorpus --out DIR [--records N (200000)] [--seed S (42)] [--days D (3)]";

fn parse_args() -> Result<corpus::Options, String> {
    let mut opts = corpus::Options {
        out: PathBuf::new(),
        records: 200_000,
        seed: 42,
        days: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || {
            args.next()
                .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))
        };
        let num = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{a}: {v:?} is not a number\n{USAGE}"))
        };
        match a.as_str() {
            "--out" => opts.out = PathBuf::from(val()?),
            "--records" => opts.records = num(val()?)?,
            "--seed" => opts.seed = num(val()?)?,
            "--days" => opts.days = num(val()?)?,
            "-h" | "--help" => return Err(USAGE.into()),
            _ => return Err(format!("unknown argument {a:?}\n{USAGE}")),
        }
    }
    if opts.out.as_os_str().is_empty() {
        return Err(format!("--out is required\n{USAGE}"));
    }
    Ok(opts)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match corpus::generate(&opts) {
        Ok(s) => {
            let mut out = std::io::stdout().lock(); // write errors (a closed pipe) are ignored
            let _ = writeln!(
                out,
                "{} records in {} files under {}: {:.1} MB JSON ({:.0} B/record), {:.1} MB gzip (ratio {:.1})",
                s.records,
                s.files,
                opts.out.display(),
                s.json_bytes as f64 / 1e6,
                s.json_bytes as f64 / s.records.max(1) as f64,
                s.gz_bytes as f64 / 1e6,
                s.json_bytes as f64 / s.gz_bytes.max(1) as f64
            );
            let pct = |n: u64| 100.0 * n as f64 / s.records.max(1) as f64;
            let _ = writeln!(
                out,
                "background: {:.2}% writes, {:.2}% failed calls, {} root records",
                pct(s.writes),
                pct(s.failed),
                s.root
            );
            for p in &s.planted {
                let _ = writeln!(out, "planted: {p}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gencorpus: {}: {e}", opts.out.display());
            ExitCode::from(1)
        }
    }
}
