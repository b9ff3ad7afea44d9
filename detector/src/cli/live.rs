//! What `scan`, `snapshot` and `sweep` share: the AWS connection from the
//! common options, the caller's identity printed first, progress on stderr,
//! gaps (partial results) and the API call count printed last.

use super::Common;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Instant;
use trailguard::aws::{Aws, Gap, Identity, Progress};
use trailguard::record::Timestamp;

/// A connected run: runtime, AWS access, who we are, when it started.
pub struct Live {
    pub rt: tokio::runtime::Runtime,
    pub aws: Aws,
    pub who: Identity,
    pub now: Timestamp,
    started: Instant,
}

impl Live {
    /// Loads credentials and calls `sts:GetCallerIdentity` (fatal when it fails:
    /// nothing can be audited without working credentials).
    pub fn connect(common: &Common, concurrency: usize) -> anyhow::Result<Live> {
        let started = Instant::now();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the system clock is before 1970")?
            .as_secs() as Timestamp;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let opts = common.aws_options(concurrency);
        let aws = rt.block_on(Aws::connect(&opts));
        let who = rt.block_on(aws.whoami()).context(
            "cannot identify the caller (check credentials, --profile, --region, --endpoint-url)",
        )?;
        eprintln!(
            "trailguard: running as {} (account {}, region {})",
            who.arn,
            who.account,
            aws.region()
        );
        Ok(Live {
            rt,
            aws,
            who,
            now,
            started,
        })
    }

    /// Prints each gap as a `partial result` line on stderr.
    pub fn report_gaps(&self, gaps: &[Gap]) {
        for g in gaps {
            eprintln!("trailguard: partial result: {g}");
        }
        if !gaps.is_empty() {
            eprintln!(
                "trailguard: {} part(s) of the account could not be read (above); everything else was audited",
                gaps.len()
            );
        }
    }

    /// The last stderr line: API calls made and wall time.
    pub fn report_calls(&self) {
        let calls = self.aws.calls();
        tracing::debug!(?calls.by_operation, "API calls by operation");
        eprintln!(
            "trailguard: {} API calls in {:.2} s",
            calls.total,
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// An indicatif spinner/bar on stderr implementing the library's progress hook.
pub struct Bar(pub ProgressBar);

impl Bar {
    pub fn new() -> Bar {
        let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        Bar(pb)
    }
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        self.0.set_message(name.to_owned());
        self.0.set_position(0);
        self.0.set_length(total);
    }
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Parses an RFC 3339 time for `--since`.
pub fn parse_since(s: &str) -> Result<Timestamp, String> {
    trailguard::record::parse_time(s)
        .ok_or_else(|| format!("{s:?} is not an RFC 3339 time (e.g. 2026-11-20T00:00:00Z)"))
}
