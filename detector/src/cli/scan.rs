//! `trailguard scan`: posture rules over the live account's inventory, plus
//! the event rules over the CloudTrail look-back (`LookupEvents`).

use super::live::{Bar, Live};
use super::{output, Common, EXIT_CLEAN, EXIT_FINDINGS};
use clap::Args;
use std::io::Write;
use trailguard::aws::iam::Depth;
use trailguard::aws::{lookback, merge_gaps};
use trailguard::{audit, Engine};

/// Arguments of `trailguard scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Days of CloudTrail management events to evaluate with the event rules
    /// (LookupEvents, at most 90; 0 = none). IAM and sign-in events are read
    /// in us-east-1, the others in the home region.
    #[arg(long, value_name = "DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..=90))]
    pub lookback: u32,
    /// EC2 regions to inventory, comma-separated (default: every enabled region).
    #[arg(long, value_name = "REGIONS", value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
    /// Skip the EC2 inventory (instances, key pairs).
    #[arg(long)]
    pub no_ec2: bool,
    /// Also list access key ids and SSH public keys (one IAM call per user
    /// holding keys, and one per user), as `snapshot` and `sweep` do. Without
    /// it, keys are described from the credential report.
    #[arg(long)]
    pub deep: bool,
    /// AWS calls in flight at once.
    #[arg(long, value_name = "N", default_value_t = trailguard::aws::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    #[command(flatten)]
    pub common: Common,
}

/// Runs the scan; returns the exit status.
pub fn run(args: ScanArgs) -> anyhow::Result<i32> {
    let cfg = args.common.load_config()?;
    let live = Live::connect(&args.common, args.concurrency)?;
    let bar = Bar::new();
    let regions = args.regions.as_deref();
    let inv = live.rt.block_on(audit::take_inventory(
        &live.aws,
        &live.who,
        live.now,
        regions,
        !args.no_ec2,
        if args.deep { Depth::Full } else { Depth::Audit },
        &bar,
    ));
    if !args.deep {
        eprintln!("trailguard: access keys described from the credential report (ids and SSH public keys with --deep)");
    }
    let mut gaps = inv.gaps.clone();
    let mut events = Vec::new();
    let mut records = 0;
    if args.lookback > 0 {
        bar.0.set_message("CloudTrail look-back");
        let start = audit::lookback_start(live.now, args.lookback);
        let regions = audit::lookback_regions(live.aws.region());
        let (recs, lb_gaps) = live
            .rt
            .block_on(lookback::lookup(&live.aws, &regions, start, live.now));
        gaps.extend(merge_gaps(lb_gaps));
        records = recs.len();
        let engine = Engine::new(cfg.clone());
        events = lookback::evaluate(&engine, &recs, "cloudtrail:LookupEvents").findings;
    }
    drop(bar);
    let findings = audit::scan_findings(&inv, &cfg, events);
    let shown: Vec<_> = findings
        .iter()
        .filter(|f| f.severity >= args.common.min_severity)
        .collect();
    let heading = format!(
        "trailguard scan: account {} as {}: {} users, {} roles, {} groups, {} instances; {} look-back events over {} day(s)",
        inv.account_id,
        live.who.arn,
        inv.users.len(),
        inv.roles.len(),
        inv.groups.len(),
        inv.instances.len(),
        records,
        args.lookback
    );
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    output::print(&mut w, args.common.format, &shown, &heading)?;
    w.flush()?;
    live.report_gaps(&gaps);
    live.report_calls();
    Ok(if shown.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}
