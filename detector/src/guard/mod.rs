//! The guard's pure core: what to do to contain a principal or an instance,
//! and how to undo it exactly. No SDK, no clock, no I/O: the AWS seam
//! ([`crate::aws::guard`]) observes the account into [`state::Observed`],
//! asks this module for the ordered [`Step`]s, executes them one by one and
//! records each in the [`journal`].
//!
//! Layout:
//! - [`target`]: what to quarantine, parsed from an ARN, an access key id or
//!   an instance id ([`target::Target`]);
//! - [`refuse`]: who is never quarantined (root, the caller, break-glass and
//!   protected principals, service-linked roles, AWS service principals);
//! - [`state`]: the observed state of a user, role or instance;
//! - [`plan`]: the quarantine steps for a target in its observed state,
//!   skipping whatever is already in effect (re-runs are idempotent);
//! - [`release`]: the steps that restore what a journal entry recorded, and
//!   the changes since the quarantine that make restoring unsafe;
//! - [`lockdown`]: the account-wide "change all passwords" plan;
//! - [`journal`]: entries (steps done and pending, state before and after,
//!   who, when, why) and the [`journal::JournalStore`] they are kept in;
//! - [`policies`]: the deny documents.

pub mod journal;
pub mod lockdown;
pub mod plan;
pub mod policies;
pub mod refuse;
pub mod release;
pub mod state;
pub mod target;

pub use journal::{Entry, EntryKind, EntryState, FileJournal, JournalError, JournalStore};
pub use refuse::Refusal;
pub use target::{Target, TargetError};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Inline policy name of a quarantine (users and roles).
pub const POLICY_NAME: &str = "trailguard-quarantine";
/// Inline policy name of a lockdown's session revocation (roles).
pub const LOCKDOWN_POLICY_NAME: &str = "trailguard-lockdown";
/// Name of the isolation security group (one per VPC, no rules).
pub const ISOLATION_GROUP: &str = "trailguard-isolation";
/// Tag: who quarantined the principal or instance.
pub const TAG_BY: &str = "trailguard:quarantined-by";
/// Tag: when (RFC 3339).
pub const TAG_AT: &str = "trailguard:quarantined-at";
/// Tag: why.
pub const TAG_REASON: &str = "trailguard:quarantine-reason";
/// Instance tag: the security groups before the quarantine.
pub const TAG_ORIGINAL_SGS: &str = "trailguard:original-security-groups";
/// Snapshot tag: the journal entry id of the quarantine that took it.
pub const TAG_QUARANTINE_ID: &str = "trailguard:quarantine-id";
/// Snapshot tag: the instance it was taken for.
pub const TAG_SNAPSHOT_OF: &str = "trailguard:forensic-snapshot-of";

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    #[default]
    Pending,
    Done,
    Failed,
}

/// One API call of a plan: exactly what is sent (`api_call`, `params`), the
/// state of what it changes before and after, and once run its status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// `service:Operation`, e.g. `iam:PutUserPolicy`.
    pub api_call: String,
    /// The request parameters, named as in the API reference.
    pub params: Value,
    /// What the call changes, before it.
    #[serde(default)]
    pub before: Value,
    /// ... and after it.
    #[serde(default)]
    pub after: Value,
    /// One line for people: what the step does to what.
    #[serde(default)]
    pub what: String,
    #[serde(default)]
    pub status: StepStatus,
    /// The error of a failed step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the call returned that later steps or people need (a group id, a snapshot id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// For a release step: the index of the quarantine step it undoes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<usize>,
}

impl Step {
    /// A pending step.
    pub fn new(api_call: &str, params: Value, before: Value, after: Value, what: String) -> Step {
        Step {
            api_call: api_call.to_owned(),
            params,
            before,
            after,
            what,
            status: StepStatus::Pending,
            error: None,
            output: None,
            undoes: None,
        }
    }

    /// `api_call {params}` on one line: the dry-run form.
    pub fn call_line(&self) -> String {
        format!("{} {}", self.api_call, self.params)
    }

    /// A string parameter, or "".
    pub fn param(&self, key: &str) -> &str {
        self.params.get(key).and_then(Value::as_str).unwrap_or("")
    }
}

/// An IAM (and EC2) tag value: at most 256 characters from the set IAM
/// accepts (letters, digits, spaces and `_.:/=+-@`); anything else becomes `_`.
pub fn tag_value(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(256)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_values_keep_to_the_allowed_characters() {
        assert_eq!(
            tag_value("arn:aws:sts::1:assumed-role/r/a,b"),
            "arn:aws:sts::1:assumed-role/r/a_b"
        );
        assert_eq!(tag_value(&"x".repeat(300)).len(), 256);
        assert_eq!(
            tag_value("key leaked (ticket #42)"),
            "key leaked _ticket _42_"
        );
    }
}
