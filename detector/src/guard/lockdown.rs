//! The account-wide "change all your passwords" plan, over an inventory:
//! deactivate every active access key created before the cut-off, revoke
//! every role's sessions issued before it (inline deny on
//! `aws:TokenIssueTime`), and require a password reset of every console
//! user. Keys go first (a stolen key could otherwise assume a role again
//! right after its sessions are revoked), then roles, then passwords.
//!
//! Never touched: break-glass and protected principals, the identity
//! running trailguard, service-linked and IAM Identity Center roles (the
//! same refusals as a quarantine). Steps already in effect are left out, so
//! a second run plans nothing.

use super::plan::deactivate_key;
use super::refuse::{self, Refusal};
use super::target::Target;
use super::{policies, Step, LOCKDOWN_POLICY_NAME};
use crate::inventory::{Inventory, Role, User};
use crate::record::time::format_time;
use crate::record::Timestamp;
use crate::Config;
use serde_json::json;
use std::collections::BTreeMap;

/// What the plan is made from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub inv: &'a Inventory,
    pub cfg: &'a Config,
    /// The caller's ARN.
    pub caller: &'a str,
    /// Credentials and sessions older than this are cut off.
    pub issued_before: Timestamp,
    /// Password reset flag per console user name, read per user (the
    /// inventory's come from the credential report, which lacks the flag).
    pub reset_required: &'a BTreeMap<String, bool>,
}

/// A principal left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Excluded {
    pub arn: String,
    pub why: &'static str,
}

/// The lockdown steps and the principals excluded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub excluded: Vec<Excluded>,
}

/// The lockdown plan of `input`.
pub fn plan(input: &Input<'_>) -> Plan {
    let mut keys = Vec::new();
    let mut passwords = Vec::new();
    let mut roles = Vec::new();
    let mut excluded = Vec::new();
    for u in &input.inv.users {
        if let Err(r) = refuse_user(input, u) {
            excluded.push(exclude(&u.arn, &r));
            continue;
        }
        keys.extend(user_keys(u, input.issued_before));
        passwords.extend(password_reset(u, input.reset_required));
    }
    for r in &input.inv.roles {
        if let Err(why) = refuse_role(input, r) {
            excluded.push(exclude(&r.arn, &why));
            continue;
        }
        roles.extend(revoke_sessions(r, input.issued_before));
    }
    let mut steps = keys;
    steps.extend(roles);
    steps.extend(passwords);
    Plan { steps, excluded }
}

fn exclude(arn: &str, r: &Refusal) -> Excluded {
    Excluded {
        arn: arn.to_owned(),
        why: r.short(),
    }
}

fn partition(arn: &str) -> String {
    arn.split(':').nth(1).unwrap_or("aws").to_owned()
}

fn path_or_root(p: &str) -> String {
    if p.is_empty() {
        "/".into()
    } else {
        p.to_owned()
    }
}

fn refuse_user(input: &Input<'_>, u: &User) -> Result<(), Refusal> {
    let t = Target::User {
        partition: partition(&u.arn),
        account: input.inv.account_id.clone(),
        path: path_or_root(&u.path),
        name: u.name.clone(),
    };
    refuse::check(input.cfg, input.caller, &t)
}

fn refuse_role(input: &Input<'_>, r: &Role) -> Result<(), Refusal> {
    let t = Target::Role {
        partition: partition(&r.arn),
        account: input.inv.account_id.clone(),
        path: path_or_root(&r.path),
        name: r.name.clone(),
        session: None,
    };
    refuse::check(input.cfg, input.caller, &t)
}

fn user_keys(u: &User, cutoff: Timestamp) -> Vec<Step> {
    u.access_keys
        .iter()
        .filter(|k| {
            k.status == crate::inventory::Status::Active
                && k.create_date < cutoff
                && !k.id.is_empty()
        })
        .map(|k| {
            let mut s = deactivate_key(&u.name, &k.id);
            s.what = format!(
                "deactivate access key {} of user {} (created {})",
                k.id,
                u.name,
                format_time(k.create_date)
            );
            s
        })
        .collect()
}

fn password_reset(u: &User, reset: &BTreeMap<String, bool>) -> Option<Step> {
    let lp = u.login_profile.as_ref()?;
    let required = reset
        .get(&u.name)
        .copied()
        .unwrap_or(lp.password_reset_required);
    (!required).then(|| {
        Step::new(
            "iam:UpdateLoginProfile",
            json!({"UserName": u.name, "PasswordResetRequired": true}),
            json!({"PasswordResetRequired": false}),
            json!({"PasswordResetRequired": true}),
            format!(
                "require user {} to set a new console password at next sign-in",
                u.name
            ),
        )
    })
}

fn revoke_sessions(r: &Role, cutoff: Timestamp) -> Option<Step> {
    let doc = policies::deny_sessions_before(cutoff);
    let current = r.inline_policies.get(LOCKDOWN_POLICY_NAME);
    (current != Some(&doc)).then(|| {
        Step::new(
            "iam:PutRolePolicy",
            json!({"RoleName": r.name, "PolicyName": LOCKDOWN_POLICY_NAME,
                   "PolicyDocument": policies::text(&doc)}),
            json!({"PolicyDocument": current}),
            json!({"PolicyDocument": doc}),
            format!(
                "revoke the sessions of role {} issued before {} (inline policy {LOCKDOWN_POLICY_NAME})",
                r.name,
                format_time(cutoff)
            ),
        )
    })
}

#[cfg(test)]
#[path = "lockdown_tests.rs"]
mod tests;
