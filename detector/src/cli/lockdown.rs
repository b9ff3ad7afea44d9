//! `trailguard lockdown --issued-before T`: "change all your passwords" for
//! the whole account. Prints the plan (numbered API calls; JSON: one step
//! per line) and the principals left out; acts only with `--yes`.

use super::live::{parse_since, Bar, Live};
use super::quarantine::print_steps;
use super::{Common, Format, EXIT_CLEAN};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use trailguard::aws::guard::{self, LockdownOutcome, LockdownRequest};
use trailguard::guard::lockdown::Excluded;
use trailguard::guard::FileJournal;
use trailguard::record::format_time;

/// Arguments of `trailguard lockdown`.
#[derive(Debug, Args)]
pub struct LockdownArgs {
    /// Cut-off (RFC 3339, or `now`): access keys created and role sessions
    /// issued before it are cut off; every console user must reset the password.
    #[arg(long, value_name = "TIME")]
    pub issued_before: String,
    /// Print the plan only (the default without --yes).
    #[arg(long)]
    pub dry_run: bool,
    /// Act on the plan.
    #[arg(long)]
    pub yes: bool,
    /// The journal file (JSON) every step is recorded in.
    #[arg(long, value_name = "FILE", default_value = trailguard::guard::journal::DEFAULT_JOURNAL)]
    pub journal: PathBuf,
    /// AWS calls in flight at once while reading the account.
    #[arg(long, value_name = "N", default_value_t = trailguard::aws::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    #[command(flatten)]
    pub common: Common,
}

/// Plans and (with --yes) runs the lockdown; returns the exit status.
pub fn run(args: LockdownArgs) -> anyhow::Result<i32> {
    let cfg = args.common.load_config()?;
    let live = Live::connect(&args.common, args.concurrency)?;
    let cutoff = if args.issued_before.trim() == "now" {
        live.now
    } else {
        parse_since(&args.issued_before).map_err(anyhow::Error::msg)?
    };
    let journal = FileJournal::new(&args.journal);
    let req = LockdownRequest {
        issued_before: cutoff,
        execute: args.yes && !args.dry_run,
    };
    let bar = Bar::new();
    let res = live.rt.block_on(guard::lockdown(
        &live.aws, &journal, &cfg, &live.who, live.now, &req, &bar,
    ));
    drop(bar);
    let out = match res {
        Ok(o) => o,
        Err(e) => {
            eprintln!("trailguard: journal: {}", journal.path().display());
            live.report_calls();
            return Err(e.into());
        }
    };
    print(&out, args.common.format, cutoff, req.execute)?;
    live.report_gaps(&out.gaps);
    if let Some(e) = &out.entry {
        eprintln!(
            "trailguard: journal: {} (entry {})",
            journal.path().display(),
            e.id
        );
    } else if !req.execute && !out.plan.steps.is_empty() {
        eprintln!("trailguard: plan only: nothing was changed; run again with --yes to act");
    }
    live.report_calls();
    Ok(EXIT_CLEAN)
}

fn print(out: &LockdownOutcome, format: Format, cutoff: i64, acted: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let steps = out.entry.as_ref().map_or(&out.plan.steps, |e| &e.steps);
    if format == Format::Json {
        for s in steps {
            writeln!(w, "{}", serde_json::to_string(s)?)?;
        }
        for x in &out.plan.excluded {
            eprintln!("trailguard: excluded: {} ({})", x.arn, x.why);
        }
        w.flush()?;
        return Ok(());
    }
    let verb = if acted { "lockdown" } else { "lockdown plan" };
    let all = if steps.len() > out.plan.steps.len() {
        format!(" ({} in this lockdown so far)", steps.len())
    } else {
        String::new()
    };
    writeln!(
        w,
        "{verb} of account {}: access keys created and role sessions issued before {}, console passwords reset: {} API call(s){all}",
        out.account,
        format_time(cutoff),
        out.plan.steps.len()
    )?;
    print_steps(&mut w, steps, acted)?;
    excluded(&mut w, &out.plan.excluded)?;
    writeln!(
        w,
        "not covered: the root user (rotate its password and MFA, delete any root access keys by hand)"
    )?;
    w.flush()?;
    Ok(())
}

/// The principals left out: each by name, service-linked roles counted.
fn excluded(w: &mut impl Write, list: &[Excluded]) -> std::io::Result<()> {
    let slr = list
        .iter()
        .filter(|x| x.why == "service-linked role")
        .count();
    for x in list.iter().filter(|x| x.why != "service-linked role") {
        writeln!(w, "excluded: {} ({})", x.arn, x.why)?;
    }
    if slr > 0 {
        writeln!(
            w,
            "excluded: {slr} service-linked role(s) (managed by AWS services)"
        )?;
    }
    Ok(())
}
