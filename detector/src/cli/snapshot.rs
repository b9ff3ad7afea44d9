//! `trailguard snapshot`: the account's identity inventory as stable,
//! diffable JSON (a known-good baseline for `sweep --baseline`).

use super::live::{Bar, Live};
use super::{Common, EXIT_CLEAN};
use anyhow::Context;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use trailguard::audit;

/// Arguments of `trailguard snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Write the JSON to this file (default: stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// EC2 regions to inventory, comma-separated (default: every enabled region).
    #[arg(long, value_name = "REGIONS", value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
    /// Skip the EC2 inventory (instances, key pairs).
    #[arg(long)]
    pub no_ec2: bool,
    /// AWS calls in flight at once.
    #[arg(long, value_name = "N", default_value_t = trailguard::aws::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    #[command(flatten)]
    pub common: Common,
}

/// Takes the snapshot; returns the exit status (gaps are recorded in the
/// JSON and printed, they do not fail the command).
pub fn run(args: SnapshotArgs) -> anyhow::Result<i32> {
    let live = Live::connect(&args.common, args.concurrency)?;
    let bar = Bar::new();
    let inv = live.rt.block_on(audit::take_inventory(
        &live.aws,
        &live.who,
        live.now,
        args.regions.as_deref(),
        !args.no_ec2,
        trailguard::aws::iam::Depth::Full,
        &bar,
    ));
    drop(bar);
    let json = inv.to_stable_json().context("serialising the inventory")?;
    match &args.output {
        Some(p) => {
            std::fs::write(p, &json).with_context(|| format!("writing {}", p.display()))?;
            eprintln!(
                "trailguard: snapshot of account {} written to {} ({} users, {} roles, {} groups, {} policies, {} providers, {} instances)",
                inv.account_id,
                p.display(),
                inv.users.len(),
                inv.roles.len(),
                inv.groups.len(),
                inv.policies.len(),
                inv.providers.len(),
                inv.instances.len()
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(json.as_bytes())?;
            out.flush()?;
        }
    }
    live.report_gaps(&inv.gaps);
    live.report_calls();
    Ok(EXIT_CLEAN)
}
