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

/// Runs every step of `phase` not done yet; EC2 calls go to `region`.
pub async fn run_steps<J: JournalStore>(
    aws: &Aws,
    journal: &J,
    entry: &mut Entry,
    phase: Phase,
    region: &str,
    now: Timestamp,
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
        let result = exec::execute(aws, region, step).await;
        let step = &mut steps(entry, phase)[i];
        match result {
            Ok(output) => {
                if let Some(o) = output {
                    if let Some(gid) = o.get("GroupId").and_then(|g| g.as_str()) {
                        ids.insert(group_placeholder(step.param("VpcId")), gid.to_owned());
                    }
                    step.after = o.clone();
                    step.output = Some(o);
                }
                step.status = StepStatus::Done;
                step.error = None;
                journal.save(entry).await?;
            }
            Err(e) => {
                step.status = StepStatus::Failed;
                step.error = Some(e.to_string());
                let call = step.call_line();
                entry.log(now, format!("step {} of {total} failed: {e}", i + 1));
                journal.save(entry).await?;
                if phase == Phase::Lockdown {
                    failures.push(format!("{call}: {e}"));
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
                    error: e,
                });
            }
        }
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
