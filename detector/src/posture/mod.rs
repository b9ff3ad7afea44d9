//! Posture rules: findings about the state of an account (its [`Inventory`]),
//! not about events. Same Finding schema as the event rules, with
//! `event_ids: []`, `time` = the inventory's `taken_at`, `actor.arn` = the
//! principal at fault.
//!
//! Layout: this file holds the [`PostureRule`] trait, the registry
//! ([`rules`], [`catalog`]), [`evaluate`] (runs them all with the configuration's
//! overrides) and the shared helpers ([`finding`], [`admin_sources`]); one
//! module per rule; `tests.rs` runs the fixtures under `fixtures/inventory/`.

pub mod access_key_hygiene;
pub mod console_password_never_used;
pub mod console_user_without_mfa;
pub mod identity_provider_unlisted;
pub mod password_policy_weak;
pub mod role_trusts_outside;
pub mod root_access_keys;
pub mod root_without_mfa;
pub mod ssh_and_service_credentials;
pub mod unexpected_admin;
pub mod user_created_outside_window;

use crate::config::Config;
use crate::finding::{principal_actor, Finding, Response};
use crate::inventory::Inventory;
use crate::record::ActorKind;
use crate::rules::policy::{is_admin_document, is_admin_managed_policy};
use crate::rules::RuleMeta;
use serde_json::Value;
use std::collections::BTreeMap;

/// A rule over an inventory.
pub trait PostureRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Pushes findings about `inv` onto `out`.
    fn evaluate(&self, inv: &Inventory, cfg: &Config, out: &mut Vec<Finding>);
}

/// Every built-in posture rule.
pub fn rules() -> Vec<Box<dyn PostureRule>> {
    vec![
        Box::new(console_user_without_mfa::Rule),
        Box::new(root_without_mfa::Rule),
        Box::new(root_access_keys::Rule),
        Box::new(unexpected_admin::Rule),
        Box::new(user_created_outside_window::Rule),
        Box::new(access_key_hygiene::Rule),
        Box::new(console_password_never_used::Rule),
        Box::new(role_trusts_outside::Rule),
        Box::new(identity_provider_unlisted::Rule),
        Box::new(password_policy_weak::Rule),
        Box::new(ssh_and_service_credentials::Rule),
    ]
}

/// Metadata of every posture rule, sorted by id.
pub fn catalog() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = rules().iter().map(|r| r.meta()).collect();
    v.sort_by_key(|m| m.id);
    v
}

/// Runs every enabled posture rule, applies the configuration's severity and
/// response overrides (root, break-glass and protected principals are never
/// quarantined), and returns the findings in a deterministic order.
pub fn evaluate(inv: &Inventory, cfg: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in rules() {
        if cfg.disabled.iter().any(|d| d == rule.meta().id) {
            continue;
        }
        rule.evaluate(inv, cfg, &mut out);
    }
    for f in &mut out {
        if let Some(s) = cfg.severity.get(&f.rule_id) {
            f.severity = *s;
        }
        if let Some(r) = cfg.response.get(&f.rule_id) {
            f.response = *r;
        }
        let arn = f.actor.arn.as_deref().unwrap_or("");
        if f.actor.kind == ActorKind::Root || cfg.is_break_glass(arn) || cfg.is_protected(arn) {
            f.response = Response::Alert;
        }
    }
    out.sort_by(|a, b| {
        (&a.rule_id, &a.resources, &a.summary).cmp(&(&b.rule_id, &b.resources, &b.summary))
    });
    out
}

/// A posture finding: `actor` is the principal at fault, no events.
pub fn finding(
    meta: &RuleMeta,
    inv: &Inventory,
    principal: (&str, ActorKind),
    resources: Vec<String>,
    summary: String,
) -> Finding {
    Finding {
        rule_id: meta.id.to_owned(),
        title: meta.title.to_owned(),
        severity: meta.severity,
        time: inv.taken_at,
        account: inv.account_id.clone(),
        region: "global".to_owned(),
        actor: principal_actor(principal.0, principal.1),
        resources,
        event_ids: vec![],
        mitre: meta.mitre.iter().map(|s| s.to_string()).collect(),
        summary,
        response: meta.response,
        timeline: vec![],
    }
}

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Why a principal holds admin rights: one line per source, empty when none.
/// Sources: an AWS admin managed policy, an admin customer managed policy
/// (its default version), an admin inline policy, and the same through groups.
pub fn admin_sources(
    inv: &Inventory,
    attached: &[String],
    inline: &BTreeMap<String, Value>,
    groups: &[String],
) -> Vec<String> {
    let mut why = direct_admin(inv, attached, inline, "");
    for g in groups {
        if let Some(grp) = inv.group(g) {
            let via = format!(" via group {g}");
            why.extend(direct_admin(
                inv,
                &grp.attached_policies,
                &grp.inline_policies,
                &via,
            ));
        }
    }
    why
}

fn direct_admin(
    inv: &Inventory,
    attached: &[String],
    inline: &BTreeMap<String, Value>,
    via: &str,
) -> Vec<String> {
    let mut why = Vec::new();
    for p in attached {
        if is_admin_managed_policy(p) {
            why.push(format!("AWS managed policy {}{via}", short(p)));
        } else if let Some(cp) = inv.policy(p) {
            if is_admin_document(&cp.default_document) {
                why.push(format!(
                    "policy {} (default version {}){via}",
                    cp.name, cp.default_version_id
                ));
            }
        }
    }
    for (name, doc) in inline {
        if is_admin_document(doc) {
            why.push(format!("inline policy {name}{via}"));
        }
    }
    why
}

/// True when a permissions boundary leaves admin rights in place (none, an
/// admin AWS managed policy, or an admin customer managed default version).
pub fn boundary_allows_admin(inv: &Inventory, boundary: Option<&str>) -> bool {
    boundary.is_none_or(|b| {
        is_admin_managed_policy(b)
            || inv
                .policy(b)
                .is_some_and(|p| is_admin_document(&p.default_document))
    })
}

fn short(arn: &str) -> &str {
    crate::finding::short_name(arn)
}

#[cfg(test)]
mod tests;
