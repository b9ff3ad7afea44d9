//! `trailguard hunt`: read sources (local files, stdin, S3 prefixes),
//! evaluate, print, set the exit status.

use super::{output, Common, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use trailguard::aws::s3::{self, DayFilter, Listing, S3Url};
use trailguard::aws::{Aws, AwsOptions};
use trailguard::hunt::{processing_order, Hunter, Outcome};
use trailguard::record::input::{expand, Report};
use trailguard::record::{parse_time, Timestamp};
use trailguard::Engine;

/// Arguments of `trailguard hunt`.
#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Files, directories (read recursively), - for stdin, or s3://bucket/prefix
    /// (the CloudTrail log objects under it): CloudTrail S3 log files (plain or
    /// .gz), JSON Lines, EventBridge events, bare records. Local sources are
    /// read first, then each S3 prefix in turn.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// S3 sources only: skip log objects whose date folder
    /// (.../CloudTrail/<region>/YYYY/MM/DD/) ends before this time (RFC 3339).
    /// Selects objects, not records; local files are read whole.
    #[arg(long, value_name = "TIME", value_parser = parse_rfc3339)]
    pub since: Option<Timestamp>,
    /// S3 sources only: skip log objects whose date folder starts after this
    /// time (RFC 3339). Records delivered just after midnight UTC sit in the
    /// next day's folder. Local files are read whole.
    #[arg(long, value_name = "TIME", value_parser = parse_rfc3339)]
    pub until: Option<Timestamp>,
    #[command(flatten)]
    pub common: Common,
}

fn parse_rfc3339(s: &str) -> Result<Timestamp, String> {
    parse_time(s)
        .ok_or_else(|| format!("{s:?} is not an RFC 3339 time (e.g. 2026-11-12T00:00:00Z)"))
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

/// The S3 side of a hunt: a runtime, the connection and one listing per URL.
struct S3Sources {
    rt: tokio::runtime::Runtime,
    aws: Aws,
    listings: Vec<Listing>,
}

/// AWS access from the common options.
fn aws_options(c: &Common) -> AwsOptions {
    c.aws_options(0)
}

/// Lists every S3 URL first, so a missing bucket stops the run before any
/// output; `None` without S3 URLs.
fn list_s3(args: &HuntArgs, urls: &[&String]) -> anyhow::Result<Option<S3Sources>> {
    if urls.is_empty() {
        return Ok(None);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let aws = rt.block_on(Aws::connect(&aws_options(&args.common)));
    let filter = DayFilter {
        since: args.since,
        until: args.until,
    };
    if let (Some(since), Some(until)) = (args.since, args.until) {
        anyhow::ensure!(
            since <= until,
            "--since is after --until: no S3 object can be read"
        );
    }
    let mut listings = Vec::new();
    for u in urls {
        let url = S3Url::parse(u).with_context(|| format!("{u}: not an s3://bucket/prefix URL"))?;
        let listing = rt
            .block_on(s3::list(&aws, &url, &filter))
            .with_context(|| format!("cannot list bucket {}", url.bucket))?;
        eprintln!(
            "trailguard: {u}: {} CloudTrail log objects to read ({} outside --since/--until, {} other objects skipped)",
            listing.objects.len(),
            listing.outside_days,
            listing.not_logs
        );
        listings.push(listing);
    }
    Ok(Some(S3Sources { rt, aws, listings }))
}

/// Runs the hunt; returns the exit status.
pub fn run(args: HuntArgs) -> anyhow::Result<i32> {
    let cfg = args.common.load_config()?;
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("setting up worker threads")?;
    }
    let (urls, local): (Vec<&String>, Vec<&String>) =
        args.paths.iter().partition(|p| p.starts_with("s3://"));
    let s3 = list_s3(&args, &urls)?;
    let engine = Engine::new(cfg);
    let local: Vec<String> = local.into_iter().cloned().collect();
    let (sources, expand_errors) = expand(&local);
    for e in &expand_errors {
        eprintln!("trailguard: {e}");
    }
    let s3_bytes: u64 = s3
        .iter()
        .flat_map(|s| &s.listings)
        .map(Listing::bytes)
        .sum();
    let total: u64 = sources.iter().map(|s| s.size).sum::<u64>() + s3_bytes;
    let pb = progress_bar(total);
    let mut on_source = |report: &Report, size: u64| {
        for line in report.issue_lines() {
            pb.suspend(|| eprintln!("trailguard: {line}"));
        }
        pb.inc(size);
    };
    let mut hunter = Hunter::new(&engine);
    hunter.feed(&processing_order(&sources), &mut on_source);
    if let Some(s3) = s3 {
        for listing in s3.listings {
            s3::stream_into(
                s3.rt.handle(),
                &s3.aws,
                listing,
                &mut hunter,
                &mut on_source,
            );
        }
    }
    let outcome = hunter.finish();
    pb.finish_and_clear();
    report(&args, &outcome, expand_errors.is_empty())
}

/// Prints the findings at or above `--min-severity`; returns the exit status.
fn report(args: &HuntArgs, outcome: &Outcome, expanded: bool) -> anyhow::Result<i32> {
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
    Ok(if st.io_errors > 0 || !expanded {
        EXIT_ERROR
    } else if shown.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}
