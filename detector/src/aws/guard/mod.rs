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
    let mut entry = match journal.load(&r.key).await? {
        Some(e) if e.state == EntryState::Releasing => return Err(GuardError::Releasing(e.label)),
        Some(e) if e.is_active() => e,
        _ => {
            let mut e = Entry::new(
                EntryKind::Quarantine,
                &r.key,
                &r.target.label(),
                &who.arn,
                now,
            );
            e.reason = req.reason.trim().to_owned();
            e.options = json!({"remove_console_access": req.remove_console_access, "deny_all": req.deny_all});
            e.observed = Some(r.observed.clone());
            e
        }
    };
    if let Observed::Instance(i) = &mut r.observed {
        i.snapshotted = observe::snapshotted(aws, &r.region, &entry.id).await?;
    }
    let opts = plan::Options {
        by: who.arn.clone(),
        now,
        reason: if entry.reason.is_empty() {
            req.reason.clone()
        } else {
            entry.reason.clone()
        },
        remove_console_access: req.remove_console_access,
        deny_all: req.deny_all,
        quarantine_id: entry.id.clone(),
    };
    let planned = plan::quarantine(&r.target, &r.observed, &opts);
    let mut out = Outcome {
        entry: entry.clone(),
        planned: planned.clone(),
        dry_run: req.dry_run,
        nothing_to_do: planned.is_empty(),
        differences: Vec::new(),
        notes: Vec::new(),
    };
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
    let n = out.planned.len();
    entry.log(
        now,
        format!("quarantine by {}: {n} step(s) planned", who.arn),
    );
    journal.save(&entry).await?;
    run::run_steps(
        aws,
        journal,
        &mut entry,
        run::Phase::Quarantine,
        &r.region,
        now,
    )
    .await?;
    entry.state = EntryState::Complete;
    entry.log(now, "quarantine complete");
    journal.save(&entry).await?;
    out.entry = entry;
    Ok(out)
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
    let mut out = Outcome {
        entry: entry.clone(),
        planned: plan.steps.clone(),
        dry_run: req.dry_run,
        nothing_to_do: plan.steps.is_empty(),
        differences: plan.differences.clone(),
        notes: plan.notes.clone(),
    };
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
    let forced = if req.force && !plan.differences.is_empty() {
        " (forced over changes since the quarantine)"
    } else {
        ""
    };
    entry.log(
        now,
        format!(
            "release by {}: {} step(s) planned{forced}",
            who.arn,
            out.planned.len()
        ),
    );
    journal.save(&entry).await?;
    run::run_steps(
        aws,
        journal,
        &mut entry,
        run::Phase::Release,
        &r.region,
        now,
    )
    .await?;
    entry.state = EntryState::Released;
    entry.log(now, "released");
    journal.save(&entry).await?;
    out.entry = entry;
    Ok(out)
}
