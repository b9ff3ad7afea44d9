//! The step runner: runs the pending steps of an entry in order, saving the
//! entry after each one, so the journal always says exactly what was done.
//! A quarantine or release stops at the first failure (later steps assume
//! the earlier ones: the deny policy before the keys, the isolation group
//! before the move); a lockdown goes on past one (its steps are independent)
//! and reports every failure at the end.

use super::{exec, GuardError};
use crate::aws::Aws;
use crate::guard::journal::{Entry, JournalStore};
use crate::guard::plan::{group_placeholder, substitute};
use crate::guard::{Step, StepStatus};
use crate::record::Timestamp;
use serde_json::Value;
use std::collections::BTreeMap;

/// Which steps of the entry to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Quarantine,
    Release,
    /// Quarantine steps, going on past failures.
    Lockdown,
}

fn steps(entry: &mut Entry, phase: Phase) -> &mut Vec<Step> {
    match phase {
        Phase::Release => &mut entry.release_steps,
        _ => &mut entry.steps,
    }
}

/// Where and when steps run, and where they are journalled.
pub struct Ctx<'a, J> {
    pub aws: &'a Aws,
    pub journal: &'a J,
    /// EC2 calls go to this region.
    pub region: &'a str,
    pub now: Timestamp,
}

/// Runs every step of `phase` not done yet, saving the entry after each.
pub async fn run_steps<J: JournalStore>(
    ctx: &Ctx<'_, J>,
    entry: &mut Entry,
    phase: Phase,
) -> Result<(), GuardError> {
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let total = steps(entry, phase).len();
    let mut failures: Vec<String> = Vec::new();
    for i in 0..total {
        let step = &mut steps(entry, phase)[i];
        if step.status == StepStatus::Done {
            continue;
        }
        substitute(&mut step.params, &ids);
        substitute(&mut step.after, &ids);
        let result = exec::execute(ctx.aws, ctx.region, step).await;
        let step = &mut steps(entry, phase)[i];
        let failure = match result {
            Ok(output) => {
                succeeded(step, output, &mut ids);
                None
            }
            Err(e) => {
                step.status = StepStatus::Failed;
                step.error = Some(e.to_string());
                let call = step.call_line();
                entry.log(ctx.now, format!("step {} of {total} failed: {e}", i + 1));
                Some((call, e))
            }
        };
        ctx.journal.save(entry).await?;
        let Some((call, error)) = failure else {
            continue;
        };
        if phase == Phase::Lockdown {
            failures.push(format!("{call}: {error}"));
            continue;
        }
        let done = steps(entry, phase)
            .iter()
            .filter(|s| s.status == StepStatus::Done)
            .count();
        return Err(GuardError::StepFailed {
            label: entry.label.clone(),
            number: i + 1,
            total,
            done,
            call,
            error,
        });
    }
    match failures.first() {
        None => Ok(()),
        Some(first) => Err(GuardError::StepsFailed {
            failed: failures.len(),
            total,
            first: first.clone(),
        }),
    }
}

/// Marks `step` done with what the call returned; a created isolation group's
/// id replaces its placeholder in the later steps.
fn succeeded(step: &mut Step, output: Option<Value>, ids: &mut BTreeMap<String, String>) {
    if let Some(o) = output {
        if let Some(gid) = o.get("GroupId").and_then(Value::as_str) {
            ids.insert(group_placeholder(step.param("VpcId")), gid.to_owned());
        }
        step.after = o.clone();
        step.output = Some(o);
    }
    step.status = StepStatus::Done;
    step.error = None;
}
