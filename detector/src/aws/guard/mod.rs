//! The guard's AWS seam: quarantine, release and lockdown against a live
//! account. Each command observes the current state ([`observe`]), asks the
//! pure core ([`crate::guard`]) for the steps, and runs them one by one
//! ([`exec`]), saving the journal entry after every step: a run that fails
//! half-way (a call denied or throttled) leaves an exact record, and running
//! the command again does the rest (steps in effect are not planned again).
//!
//! Layout: this file (the library API: [`quarantine`], [`release`], their
//! requests and [`Outcome`], [`GuardError`]); [`resolve`] (target to state,
//! refusals); [`run`] (the step runner); [`observe`]; [`exec`];
//! [`lockdown`] (the account-wide lockdown).

pub mod exec;
pub mod lockdown;
pub mod observe;
pub mod resolve;
pub mod run;

pub use lockdown::{lockdown, LockdownOutcome, LockdownRequest};

use super::{Aws, AwsError, Identity};
use crate::guard::journal::{Entry, EntryKind, EntryState, JournalError, JournalStore};
use crate::guard::state::Observed;
use crate::guard::{plan, release as rel, Refusal, Step, TargetError};
use crate::record::Timestamp;
use crate::Config;
use serde_json::json;

/// Why a guard command stopped.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("{0}")]
    NotFound(String),
    /// A read failed before anything was changed.
    #[error("{0} (nothing was changed)")]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A step failed; the steps before it are done and journalled.
    #[error("{label}: step {number} of {total} failed: {call}: {error}. {done} step(s) done are recorded in the journal; run the same command again to do the rest")]
    StepFailed {
        label: String,
        number: usize,
        total: usize,
        done: usize,
        call: String,
        error: AwsError,
    },
    /// Lockdown steps that failed (the others were done).
    #[error("{failed} of {total} lockdown step(s) failed (first: {first}); the journal records every step; run the same command again to retry them")]
    StepsFailed {
        failed: usize,
        total: usize,
        first: String,
    },
    #[error("no quarantine of {0} in the journal (nothing to release)")]
    NotQuarantined(String),
    #[error("a release of {0} is in progress: finish it with `trailguard release` before quarantining again")]
    Releasing(String),
    #[error("refusing to release {target}: it was changed since the quarantine, so restoring the recorded state could be unsafe:\n  - {}\nCheck who changed it (CloudTrail); `--force` restores what can still be restored", differences.join("\n  - "))]
    Unsafe {
        target: String,
        differences: Vec<String>,
    },
    #[error("{0}")]
    Invalid(String),
}

/// `trailguard quarantine`, as a library call (the Lambda's entry point).
#[derive(Debug, Clone, Default)]
pub struct QuarantineRequest {
    /// A user or role ARN, an assumed-role session ARN, an access key id, an
    /// instance ARN or a bare instance id.
    pub target: String,
    /// Region of a bare instance id (default: the home region).
    pub region: Option<String>,
    pub reason: String,
    /// Observe and plan only: nothing is changed or journalled.
    pub dry_run: bool,
    /// Users: delete the console password too (a release cannot restore it).
    pub remove_console_access: bool,
    /// Roles: deny everything, not only sessions issued before now.
    pub deny_all: bool,
}

/// `trailguard release`.
#[derive(Debug, Clone, Default)]
pub struct ReleaseRequest {
    pub target: String,
    pub region: Option<String>,
    pub dry_run: bool,
    /// Release even when the target changed since the quarantine.
    pub force: bool,
}

/// What a quarantine or release did (or, dry, would do).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
    /// The journal entry after the run (dry run: as it would be, not saved).
    pub entry: Entry,
    /// The steps this run planned (dry run: would make).
    pub planned: Vec<Step>,
    pub dry_run: bool,
    /// Everything was already in effect.
    pub nothing_to_do: bool,
    /// Release: changes since the quarantine overridden by `force`.
    pub differences: Vec<String>,
    /// Release: what stays, or must be done by hand.
    pub notes: Vec<String>,
}

/// Quarantines a principal or instance: refuses protected targets, observes
/// it, plans the steps not yet in effect and runs them, journalling each.
/// `who` is the caller (`sts:GetCallerIdentity`); `now` stamps the policies,
/// tags and journal.
pub async fn quarantine<J: JournalStore>(
    aws: &Aws,
    journal: &J,
    cfg: &Config,
    who: &Identity,
    now: Timestamp,
    req: &QuarantineRequest,
) -> Result<Outcome, GuardError> {
    let mut r = resolve::resolve(aws, Some(cfg), who, &req.target, req.region.as_deref()).await?;
    let mut entry = open_entry(journal, &r, who, now, req).await?;
    if let Observed::Instance(i) = &mut r.observed {
        i.snapshotted = observe::snapshotted(aws, &r.region, &entry.id).await?;
    }
    let reason = if entry.reason.is_empty() {
        req.reason.clone()
    } else {
        entry.reason.clone()
    };
    let opts = plan::Options {
        by: who.arn.clone(),
        now,
        reason,
        remove_console_access: req.remove_console_access,
        deny_all: req.deny_all,
        quarantine_id: entry.id.clone(),
    };
    let planned = plan::quarantine(&r.target, &r.observed, &opts);
    let mut out = Outcome::new(&entry, &planned, req.dry_run);
    if req.dry_run || planned.is_empty() {
        out.entry.merge_plan(planned);
        if !req.dry_run && entry.state == EntryState::InProgress && entry.done() > 0 {
            entry.state = EntryState::Complete;
            entry.log(now, "nothing left to do: quarantine complete");
            journal.save(&entry).await?;
            out.entry = entry;
        }
        return Ok(out);
    }
    entry.merge_plan(planned);
    entry.state = EntryState::InProgress;
    let line = format!(
        "quarantine by {}: {} step(s) planned",
        who.arn,
        out.planned.len()
    );
    let ctx = run::Ctx {
        aws,
        journal,
        region: &r.region,
        now,
    };
    out.entry = finish(&ctx, entry, run::Phase::Quarantine, &line).await?;
    Ok(out)
}

/// The active entry of the target, or a new one for this quarantine.
async fn open_entry<J: JournalStore>(
    journal: &J,
    r: &resolve::Resolved,
    who: &Identity,
    now: Timestamp,
    req: &QuarantineRequest,
) -> Result<Entry, GuardError> {
    match journal.load(&r.key).await? {
        Some(e) if e.state == EntryState::Releasing => Err(GuardError::Releasing(e.label)),
        Some(e) if e.is_active() => Ok(e),
        _ => {
            let label = r.target.label();
            let mut e = Entry::new(EntryKind::Quarantine, &r.key, &label, &who.arn, now);
            e.reason = req.reason.trim().to_owned();
            e.options = json!({"remove_console_access": req.remove_console_access,
                               "deny_all": req.deny_all});
            e.observed = Some(r.observed.clone());
            Ok(e)
        }
    }
}

impl Outcome {
    fn new(entry: &Entry, planned: &[Step], dry_run: bool) -> Outcome {
        Outcome {
            entry: entry.clone(),
            planned: planned.to_vec(),
            dry_run,
            nothing_to_do: planned.is_empty(),
            differences: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Journals the start (`line`), runs the steps of `phase`, and marks the
/// entry complete (quarantine) or released (release).
async fn finish<J: JournalStore>(
    ctx: &run::Ctx<'_, J>,
    mut entry: Entry,
    phase: run::Phase,
    line: &str,
) -> Result<Entry, GuardError> {
    entry.log(ctx.now, line);
    ctx.journal.save(&entry).await?;
    run::run_steps(ctx, &mut entry, phase).await?;
    let (state, last) = match phase {
        run::Phase::Release => (EntryState::Released, "released"),
        _ => (EntryState::Complete, "quarantine complete"),
    };
    entry.state = state;
    entry.log(ctx.now, last);
    ctx.journal.save(&entry).await?;
    Ok(entry)
}

/// Releases a quarantine: restores what its journal entry recorded, unless
/// the target changed since in a way that makes that unsafe (`force`
/// overrides). Snapshots and the isolation group are kept.
pub async fn release<J: JournalStore>(
    aws: &Aws,
    journal: &J,
    who: &Identity,
    now: Timestamp,
    req: &ReleaseRequest,
) -> Result<Outcome, GuardError> {
    let r = resolve::resolve(aws, None, who, &req.target, req.region.as_deref()).await?;
    let mut entry = match journal.load(&r.key).await? {
        Some(e) if e.is_active() && e.kind == EntryKind::Quarantine => e,
        _ => return Err(GuardError::NotQuarantined(r.target.label())),
    };
    let plan = rel::release(&entry, &r.observed, req.force);
    if !plan.differences.is_empty() && !req.force {
        return Err(GuardError::Unsafe {
            target: entry.label.clone(),
            differences: plan.differences,
        });
    }
    let mut out = Outcome::new(&entry, &plan.steps, req.dry_run);
    out.differences.clone_from(&plan.differences);
    out.notes.clone_from(&plan.notes);
    if req.dry_run {
        out.entry.merge_release_plan(plan.steps);
        return Ok(out);
    }
    for n in &plan.notes {
        if !entry.notes.contains(n) {
            entry.notes.push(n.clone());
        }
    }
    entry.merge_release_plan(plan.steps);
    entry.state = EntryState::Releasing;
    let forced = if plan.differences.is_empty() {
        ""
    } else {
        " (forced over changes since the quarantine)"
    };
    let n = out.planned.len();
    let line = format!("release by {}: {n} step(s) planned{forced}", who.arn);
    let ctx = run::Ctx {
        aws,
        journal,
        region: &r.region,
        now,
    };
    out.entry = finish(&ctx, entry, run::Phase::Release, &line).await?;
    Ok(out)
}
