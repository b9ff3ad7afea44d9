//! Command-line interface: clap commands, printers, progress.
//!
//! - `mod.rs`: the argument model and dispatch, exit codes.
//! - `hunt.rs`: `trailguard hunt`.
//! - `scan.rs`, `snapshot.rs`, `sweep.rs`: the live-account commands; `live.rs`:
//!   what they share (AWS connection, identity line, progress, gaps, call count).
//! - `quarantine.rs`, `release.rs`, `lockdown.rs`: the guard (freeze and
//!   release a principal or instance, lock the account's credentials down),
//!   over `trailguard::aws::guard`; `quarantine.rs` also holds their printers.
//! - `rules.rs`: `trailguard rules list|show`, `trailguard config check`.
//! - `output.rs`: text, JSON Lines and OCSF printers.

mod hunt;
mod live;
mod lockdown;
mod output;
mod quarantine;
mod release;
mod rules;
mod scan;
mod snapshot;
mod sweep;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use trailguard::{Config, Severity};

/// Exit status: ran, nothing at or above --min-severity.
pub const EXIT_CLEAN: i32 = 0;
/// Exit status: ran, findings at or above --min-severity.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit status: usage, configuration or I/O error.
pub const EXIT_ERROR: i32 = 2;

/// trailguard: find and contain AWS account takeovers from CloudTrail and account state.
#[derive(Debug, Parser)]
#[command(name = "trailguard", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate the rules over CloudTrail records from files, directories (recursive), - (stdin) or s3://bucket/prefix.
    Hunt(hunt::HuntArgs),
    /// Audit a live account: posture rules over its IAM and EC2 state, and the
    /// event rules over the CloudTrail look-back.
    Scan(scan::ScanArgs),
    /// Write the account's identity inventory as stable JSON (a known-good baseline).
    Snapshot(snapshot::SnapshotArgs),
    /// Post-recovery sweep: every principal, credential and trust created or
    /// changed since a time, or absent from a baseline, with its containment step.
    Sweep(sweep::SweepArgs),
    /// Freeze a principal (user, role or session, access key) or an EC2
    /// instance, reversibly; every step is journalled.
    Quarantine(quarantine::QuarantineArgs),
    /// Undo a quarantine exactly, from its journal entry.
    Release(release::ReleaseArgs),
    /// "Change all passwords": deactivate old access keys, revoke old role
    /// sessions, require console password resets, account-wide (--yes to act).
    Lockdown(lockdown::LockdownArgs),
    /// The rule library and its metadata.
    Rules {
        #[command(subcommand)]
        action: Option<rules::RulesAction>,
        #[command(flatten)]
        common: Common,
    },
    /// Configuration file tools.
    Config {
        #[command(subcommand)]
        action: rules::ConfigAction,
    },
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable table grouped by actor, with a timeline per actor.
    Text,
    /// One Finding JSON object per line.
    Json,
    /// One OCSF Detection Finding (class 2004) per line.
    Ocsf,
}

/// Options every subcommand accepts (before or after a nested action: `rules --format json list`
/// and `rules list --format json` are the same).
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Configuration file (TOML): change windows, principals, thresholds, rule overrides.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Report only findings at or above this severity (info, low, medium, high, critical).
    #[arg(long, global = true, value_name = "SEVERITY", default_value = "info", value_parser = parse_severity)]
    pub min_severity: Severity,
    /// AWS profile for AWS access (S3 sources and live-account commands).
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// AWS region for AWS access.
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint (e.g. a local AWS emulator).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS retry mode: standard (exponential backoff with jitter) or adaptive
    /// (also slows every later call of a throttled service on the client side).
    #[arg(long, global = true, value_enum, default_value_t = RetryMode::Standard)]
    pub retry_mode: RetryMode,
    /// Attempts per AWS call, the first included.
    #[arg(long, global = true, value_name = "N", default_value_t = trailguard::aws::DEFAULT_ATTEMPTS)]
    pub max_attempts: u32,
}

/// AWS SDK retry modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RetryMode {
    Standard,
    Adaptive,
}

impl Common {
    /// The AWS access options (`--profile`, `--region`, `--endpoint-url`, retries).
    pub fn aws_options(&self, concurrency: usize) -> trailguard::aws::AwsOptions {
        trailguard::aws::AwsOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            max_attempts: self.max_attempts,
            adaptive: self.retry_mode == RetryMode::Adaptive,
            concurrency,
        }
    }
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

impl Common {
    /// The configuration, or safe defaults without `--config`.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        match &self.config {
            Some(p) => Ok(Config::load(p)?),
            None => Ok(Config::default()),
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TRAILGUARD_LOG").unwrap_or_else(|_| {
        // The SDK warns about every step of its region/credential chain (no
        // instance metadata on a laptop): our own messages say what matters.
        EnvFilter::new("warn,aws_config=error,aws_smithy_runtime=error")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Runs the CLI; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
        }
    };
    init_tracing();
    let res = match cli.command {
        Command::Hunt(a) => hunt::run(a),
        Command::Scan(a) => scan::run(a),
        Command::Snapshot(a) => snapshot::run(a),
        Command::Sweep(a) => sweep::run(a),
        Command::Quarantine(a) => quarantine::run(a),
        Command::Release(a) => release::run(a),
        Command::Lockdown(a) => lockdown::run(a),
        Command::Rules { action, common } => rules::run_rules(action, &common),
        Command::Config { action } => rules::run_config(action),
    };
    match res {
        Ok(code) => code,
        // A closed pipe (`trailguard ... | head`) is the reader's choice, not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            EXIT_CLEAN
        }
        Err(e) => {
            eprintln!("trailguard: error: {e:#}");
            EXIT_ERROR
        }
    }
}
