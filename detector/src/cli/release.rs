//! `trailguard release <ARN>`: undo a quarantine exactly, from its journal
//! entry; refused when the target changed since (unless `--force`).

use super::live::Live;
use super::quarantine::finish;
use super::Common;
use clap::Args;
use std::path::PathBuf;
use trailguard::aws::guard::{self, ReleaseRequest};
use trailguard::guard::FileJournal;

/// Arguments of `trailguard release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// What was quarantined (the same forms as `quarantine` accepts).
    #[arg(value_name = "ARN")]
    pub target: String,
    /// Print the exact API calls it would make; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Release even if the target was changed since the quarantine (a key
    /// deleted or created, the policy edited, the instance moved to other
    /// groups): what can still be restored is restored.
    #[arg(long)]
    pub force: bool,
    /// The journal file the quarantine was recorded in.
    #[arg(long, value_name = "FILE", default_value = trailguard::guard::journal::DEFAULT_JOURNAL)]
    pub journal: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

/// Runs the release; returns the exit status.
pub fn run(args: ReleaseArgs) -> anyhow::Result<i32> {
    let live = Live::connect(&args.common, trailguard::aws::DEFAULT_CONCURRENCY)?;
    let journal = FileJournal::new(&args.journal);
    let req = ReleaseRequest {
        target: args.target.clone(),
        region: args.common.region.clone(),
        dry_run: args.dry_run,
        force: args.force,
    };
    let res = live.rt.block_on(guard::release(
        &live.aws, &journal, &live.who, live.now, &req,
    ));
    finish(&live, &journal, args.common.format, res, "release")
}
