//! `trailguard lockdown`: the account's identity inventory (IAM only, with
//! access key ids), the password reset flag of each console user, the pure
//! plan ([`crate::guard::lockdown`]), then, when asked to act, every step
//! journalled under one `lockdown:<account>` entry. A re-run with the same
//! cut-off continues that entry; steps in effect are not planned again.

use super::run::{run_steps, Ctx, Phase};
use super::GuardError;
use crate::audit;
use crate::aws::iam::Depth;
use crate::aws::{Aws, AwsError, Gap, Identity, Progress};
use crate::guard::journal::{Entry, EntryKind, EntryState, JournalStore};
use crate::guard::lockdown::{self as plan, Plan};
use crate::record::time::format_time;
use crate::record::Timestamp;
use crate::Config;
use serde_json::json;
use std::collections::BTreeMap;

/// How far a cut-off may lie ahead of the clock (clock skew), in seconds.
/// A later one would also deny the sessions the owners start after the lockdown.
pub const MAX_FUTURE_CUTOFF: i64 = 300;

/// `trailguard lockdown`.
#[derive(Debug, Clone, Copy)]
pub struct LockdownRequest {
    /// Keys created and sessions issued before this are cut off.
    pub issued_before: Timestamp,
    /// Act (`--yes`); otherwise plan only.
    pub execute: bool,
}

/// The plan, and once acted on, its journal entry.
#[derive(Debug, Clone)]
pub struct LockdownOutcome {
    pub account: String,
    pub plan: Plan,
    pub entry: Option<Entry>,
    /// Parts of the account that could not be read: the plan misses them.
    pub gaps: Vec<Gap>,
}

/// Plans (and with `execute`, runs) the lockdown of the caller's account.
pub async fn lockdown<J: JournalStore>(
    aws: &Aws,
    journal: &J,
    cfg: &Config,
    who: &Identity,
    now: Timestamp,
    req: &LockdownRequest,
    progress: &dyn Progress,
) -> Result<LockdownOutcome, GuardError> {
    if req.issued_before > now + MAX_FUTURE_CUTOFF {
        return Err(GuardError::Invalid(format!(
            "--issued-before {} is in the future (now {}): it would also deny the sessions owners start after the lockdown",
            format_time(req.issued_before),
            format_time(now)
        )));
    }
    let inv = audit::take_inventory(aws, who, now, None, false, Depth::Full, progress).await;
    let mut gaps = inv.gaps.clone();
    let reset = reset_flags(aws, &inv, &mut gaps).await;
    let plan = plan::plan(&plan::Input {
        inv: &inv,
        cfg,
        caller: &who.arn,
        issued_before: req.issued_before,
        reset_required: &reset,
    });
    let mut out = LockdownOutcome {
        account: who.account.clone(),
        plan,
        entry: None,
        gaps,
    };
    if !req.execute || out.plan.steps.is_empty() {
        return Ok(out);
    }
    let mut entry = open_entry(journal, who, now, req.issued_before).await?;
    entry.merge_plan(out.plan.steps.clone());
    entry.state = EntryState::InProgress;
    let n = out.plan.steps.len();
    entry.log(now, format!("lockdown by {}: {n} step(s) planned", who.arn));
    journal.save(&entry).await?;
    let ctx = Ctx {
        aws,
        journal,
        region: aws.region(),
        now,
    };
    let result = run_steps(&ctx, &mut entry, Phase::Lockdown).await;
    if result.is_ok() {
        entry.state = EntryState::Complete;
        entry.log(now, "lockdown complete");
        journal.save(&entry).await?;
    }
    out.entry = Some(entry);
    result.map(|()| out)
}

/// The unfinished lockdown entry with this cut-off, or a new one.
async fn open_entry<J: JournalStore>(
    journal: &J,
    who: &Identity,
    now: Timestamp,
    cutoff: Timestamp,
) -> Result<Entry, GuardError> {
    let key = format!("lockdown:{}", who.account);
    let cut = format_time(cutoff);
    if let Some(e) = journal.load(&key).await? {
        if e.state == EntryState::InProgress && e.options["issued_before"] == json!(cut) {
            return Ok(e);
        }
    }
    let label = format!("lockdown of account {}", who.account);
    let mut e = Entry::new(EntryKind::Lockdown, &key, &label, &who.arn, now);
    e.reason = format!("credentials and sessions issued before {cut} cut off");
    e.options = json!({"issued_before": cut});
    Ok(e)
}

/// `iam:GetLoginProfile` of every console user (the credential report does
/// not say whether a reset is already required); failures become gaps.
async fn reset_flags(
    aws: &Aws,
    inv: &crate::inventory::Inventory,
    gaps: &mut Vec<Gap>,
) -> BTreeMap<String, bool> {
    let names: Vec<String> = inv
        .users
        .iter()
        .filter(|u| u.login_profile.is_some())
        .map(|u| u.name.clone())
        .collect();
    let got = aws
        .bounded(names, |name| async move {
            let r = aws.iam().get_login_profile().user_name(&name).send().await;
            let r = r.map_err(|e| AwsError::call("iam:GetLoginProfile", &name, &e));
            (name, r)
        })
        .await;
    let mut out = BTreeMap::new();
    for (name, r) in got {
        match r {
            Ok(o) => {
                let flag = o.login_profile().is_some_and(|p| p.password_reset_required());
                out.insert(name, flag);
            }
            // Gone since the report: nothing to reset.
            Err(e) if e.is_no_such_entity() => {
                out.insert(name, true);
            }
            Err(e) => gaps.push(Gap::from_error(
                e,
                format!("whether {name} must already reset the console password (a reset is planned anyway)"),
            )),
        }
    }
    out
}
