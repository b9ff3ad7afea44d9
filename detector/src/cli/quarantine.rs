//! `trailguard quarantine <ARN>`: freeze a user, role (or session), access
//! key or EC2 instance, journalling every step; and the printers the guard
//! commands share (numbered API calls in text, the journal entry in JSON).

use super::live::Live;
use super::{Common, Format, EXIT_CLEAN};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use trailguard::aws::guard::{self, Outcome, QuarantineRequest};
use trailguard::guard::{FileJournal, Step, StepStatus};

/// Arguments of `trailguard quarantine`.
#[derive(Debug, Args)]
pub struct QuarantineArgs {
    /// What to quarantine: an IAM user or role ARN, an assumed-role session
    /// ARN (its role), an access key id, an EC2 instance ARN, or an instance
    /// id (i-...) in --region.
    #[arg(value_name = "ARN")]
    pub target: String,
    /// Print the exact API calls it would make; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Why (tagged on the target and kept in the journal).
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub reason: String,
    /// Users: also delete the console password (a release cannot restore it).
    #[arg(long)]
    pub remove_console_access: bool,
    /// Roles: deny everything to every session, not only to sessions issued
    /// before now (the owners cannot use the role until it is released).
    #[arg(long)]
    pub deny_all: bool,
    /// The journal file (JSON): every step with the state before and after.
    #[arg(long, value_name = "FILE", default_value = trailguard::guard::journal::DEFAULT_JOURNAL)]
    pub journal: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

/// Runs the quarantine; returns the exit status.
pub fn run(args: QuarantineArgs) -> anyhow::Result<i32> {
    let cfg = args.common.load_config()?;
    let live = Live::connect(&args.common, trailguard::aws::DEFAULT_CONCURRENCY)?;
    let journal = FileJournal::new(&args.journal);
    let req = QuarantineRequest {
        target: args.target.clone(),
        region: args.common.region.clone(),
        reason: args.reason.clone(),
        dry_run: args.dry_run,
        remove_console_access: args.remove_console_access,
        deny_all: args.deny_all,
    };
    let res = live.rt.block_on(guard::quarantine(
        &live.aws, &journal, &cfg, &live.who, live.now, &req,
    ));
    finish(&live, &journal, args.common.format, res, "quarantine")
}

/// Prints an outcome (or reports the error), the journal path and the call count.
pub(super) fn finish(
    live: &Live,
    journal: &FileJournal,
    format: Format,
    res: Result<Outcome, guard::GuardError>,
    what: &str,
) -> anyhow::Result<i32> {
    let out = match res {
        Ok(o) => o,
        Err(e) => {
            if matches!(
                e,
                guard::GuardError::StepFailed { .. } | guard::GuardError::Journal(_)
            ) {
                eprintln!("trailguard: journal: {}", journal.path().display());
            }
            live.report_calls();
            return Err(e.into());
        }
    };
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    match format {
        Format::Json => writeln!(w, "{}", serde_json::to_string(&out.entry)?)?,
        _ => print_outcome(&mut w, &out, what)?,
    }
    w.flush()?;
    if !out.dry_run && !out.nothing_to_do {
        eprintln!(
            "trailguard: journal: {} (entry {})",
            journal.path().display(),
            out.entry.id
        );
    }
    live.report_calls();
    Ok(EXIT_CLEAN)
}

fn print_outcome(w: &mut impl Write, out: &Outcome, what: &str) -> std::io::Result<()> {
    let label = &out.entry.label;
    if out.nothing_to_do {
        let state = if what == "release" {
            "nothing left to restore"
        } else {
            "already quarantined"
        };
        writeln!(w, "{label}: {state}; nothing to do")?;
    } else if out.dry_run {
        writeln!(
            w,
            "dry run: the {what} of {label} would make {} API call(s):",
            out.planned.len()
        )?;
        print_steps(w, &out.planned, false)?;
    } else {
        let done = |s: &&Step| s.status == StepStatus::Done;
        let steps = if what == "release" {
            &out.entry.release_steps
        } else {
            &out.entry.steps
        };
        writeln!(
            w,
            "{what} of {label}: {} API call(s) made, {} in all:",
            out.planned.len(),
            steps.iter().filter(done).count()
        )?;
        print_steps(w, steps, true)?;
    }
    for d in &out.differences {
        writeln!(w, "changed since the quarantine (forced): {d}")?;
    }
    for n in &out.notes {
        writeln!(w, "note: {n}")?;
    }
    Ok(())
}

/// Numbered steps: the call on one line, what it does below (with its status).
pub(super) fn print_steps(w: &mut impl Write, steps: &[Step], status: bool) -> std::io::Result<()> {
    for (i, s) in steps.iter().enumerate() {
        writeln!(w, "{:>3}. {}", i + 1, s.call_line())?;
        let st = match (status, s.status) {
            (false, _) => String::new(),
            (true, StepStatus::Done) => " [done]".into(),
            (true, StepStatus::Pending) => " [not done]".into(),
            (true, StepStatus::Failed) => {
                format!(" [FAILED: {}]", s.error.as_deref().unwrap_or("?"))
            }
        };
        writeln!(w, "     {}{st}", s.what)?;
    }
    Ok(())
}
