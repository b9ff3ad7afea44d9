//! `trailguard sweep`: the post-recovery sweep. Everything created or
//! changed since `--since`, or absent from / different in the baseline
//! snapshot, with who created it (CloudTrail look-back) and the containment
//! step; text output is a checklist.

use super::live::{parse_since, Bar, Live};
use super::{Common, Format, EXIT_CLEAN, EXIT_FINDINGS};
use anyhow::Context;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use trailguard::aws::{lookback, merge_gaps};
use trailguard::inventory::diff::{attribute, diff, Change, TrailEvent};
use trailguard::inventory::Inventory;
use trailguard::record::{format_time, Timestamp};
use trailguard::{audit, finding::short_name};

/// Arguments of `trailguard sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// List what was created or changed at or after this time (RFC 3339),
    /// e.g. the first sign of the intrusion.
    #[arg(long, value_name = "RFC3339", value_parser = parse_since)]
    pub since: Timestamp,
    /// A known-good snapshot (`trailguard snapshot -o FILE`): also list what
    /// is absent from it or differs, whatever its date.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// EC2 regions to inventory, comma-separated (default: every enabled region).
    #[arg(long, value_name = "REGIONS", value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
    /// Skip the EC2 inventory (instances, key pairs).
    #[arg(long)]
    pub no_ec2: bool,
    /// Do not read CloudTrail to tell who created each item.
    #[arg(long)]
    pub no_lookback: bool,
    /// AWS calls in flight at once.
    #[arg(long, value_name = "N", default_value_t = trailguard::aws::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    #[command(flatten)]
    pub common: Common,
}

fn load_baseline(path: &PathBuf) -> anyhow::Result<Inventory> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading baseline {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("baseline {} is not a trailguard snapshot", path.display()))
}

/// Runs the sweep; exit 1 when anything is listed.
pub fn run(args: SweepArgs) -> anyhow::Result<i32> {
    let baseline = args.baseline.as_ref().map(load_baseline).transpose()?;
    let live = Live::connect(&args.common, args.concurrency)?;
    if let Some(b) = &baseline {
        if !b.account_id.is_empty() && b.account_id != live.who.account {
            anyhow::bail!(
                "the baseline is a snapshot of account {}, but the credentials are for account {}",
                b.account_id,
                live.who.account
            );
        }
        for g in &b.gaps {
            eprintln!("trailguard: the baseline itself is partial: {g}");
        }
    }
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
    let mut gaps = inv.gaps.clone();
    let mut changes = diff(baseline.as_ref(), &inv, Some(args.since));
    if !args.no_lookback && !changes.is_empty() {
        bar.0.set_message("CloudTrail look-back (who created what)");
        let start = args
            .since
            .max(audit::lookback_start(live.now, audit::MAX_LOOKBACK_DAYS));
        if start > args.since {
            eprintln!("trailguard: CloudTrail keeps 90 days of events: creators older than {} are not named", format_time(start));
        }
        let regions = audit::lookback_regions(live.aws.region());
        let (recs, lb_gaps) = live
            .rt
            .block_on(lookback::lookup(&live.aws, &regions, start, live.now));
        gaps.extend(merge_gaps(lb_gaps));
        let owned = audit::trail_events(&recs);
        let events: Vec<TrailEvent<'_>> = owned
            .iter()
            .map(|e| (e.name.as_str(), e.target.as_str(), e.actor.as_str(), e.time))
            .collect();
        attribute(&mut changes, &events);
    }
    drop(bar);
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match args.common.format {
        Format::Text => print_checklist(&mut w, &args, &inv, &changes)?,
        Format::Json | Format::Ocsf => {
            for c in &changes {
                serde_json::to_writer(&mut w, c)?;
                w.write_all(b"\n")?;
            }
        }
    }
    w.flush()?;
    live.report_gaps(&gaps);
    live.report_calls();
    Ok(if changes.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}

fn print_checklist(
    w: &mut dyn Write,
    args: &SweepArgs,
    inv: &Inventory,
    changes: &[Change],
) -> std::io::Result<()> {
    let against = args
        .baseline
        .as_ref()
        .map(|p| format!(", against baseline {}", p.display()))
        .unwrap_or_default();
    writeln!(
        w,
        "trailguard sweep: account {} since {}{against}: {} item(s) to review",
        inv.account_id,
        format_time(args.since),
        changes.len()
    )?;
    if changes.is_empty() {
        return writeln!(w, "nothing created or changed: no leftover backdoor found");
    }
    for (i, c) in changes.iter().enumerate() {
        writeln!(w, "\n{:>3}. [ ] {}", i + 1, c.detail)?;
        let mut when = Vec::new();
        if let Some(t) = c.created {
            when.push(format!("created {}", format_time(t)));
        }
        match (&c.creator, c.creator_time) {
            (Some(who), Some(t)) => {
                when.push(format!("by {} ({}, from CloudTrail)", who, format_time(t)))
            }
            _ => when.push("creator not in the look-back".to_owned()),
        }
        writeln!(w, "        {}", when.join(", "))?;
        if let Some(o) = &c.owner {
            writeln!(w, "        owner: {} ({})", short_name(o), o)?;
        }
        writeln!(w, "        contain: {}", c.containment)?;
    }
    Ok(())
}
