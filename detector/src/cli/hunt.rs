//! `trailguard hunt`: read sources, evaluate, print, set the exit status.

use super::{output, Common, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use trailguard::hunt::hunt;
use trailguard::record::input::expand;
use trailguard::Engine;

/// Arguments of `trailguard hunt`.
#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Files, directories (read recursively) or - for stdin: CloudTrail S3 log
    /// files (plain or .gz), JSON Lines, EventBridge events, bare records.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    #[command(flatten)]
    pub common: Common,
}

fn progress_bar(total: u64) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {bytes}/{total_bytes} {wide_bar} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}

/// Runs the hunt; returns the exit status.
pub fn run(args: HuntArgs) -> anyhow::Result<i32> {
    let cfg = args.common.load_config()?;
    if let Some(p) = args.paths.iter().find(|p| p.starts_with("s3://")) {
        anyhow::bail!("{p}: reading CloudTrail from S3 is not supported by this build yet; sync the objects locally (aws s3 sync) and hunt the directory");
    }
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("setting up worker threads")?;
    }
    let engine = Engine::new(cfg);
    let (sources, expand_errors) = expand(&args.paths);
    for e in &expand_errors {
        eprintln!("trailguard: {e}");
    }
    let total: u64 = sources.iter().map(|s| s.size).sum();
    let pb = progress_bar(total);
    let outcome = hunt(&engine, &sources, |report, size| {
        for line in report.issue_lines() {
            pb.suspend(|| eprintln!("trailguard: {line}"));
        }
        pb.inc(size);
    });
    pb.finish_and_clear();
    let min = args.common.min_severity;
    let shown: Vec<_> = outcome
        .findings
        .iter()
        .filter(|f| f.severity >= min)
        .collect();
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    output::print(
        &mut w,
        args.common.format,
        &shown,
        &output::hunt_heading(&outcome.stats),
    )?;
    w.flush()?;
    let st = &outcome.stats;
    if st.bad_records > 0 {
        eprintln!("trailguard: {} bad or skipped records/sources (see above); everything else was evaluated", st.bad_records);
    }
    Ok(if st.io_errors > 0 || !expand_errors.is_empty() {
        EXIT_ERROR
    } else if shown.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}
