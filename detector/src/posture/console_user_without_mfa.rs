//! An IAM user with a console password and no MFA device: one phished password
//! away from a console takeover.
//!
//! Fixtures: `fixtures/inventory/` (clean users all have MFA).

use super::{finding, PostureRule};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::inventory::Inventory;
use crate::record::ActorKind;
use crate::rules::{RuleKind, RuleMeta};

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "posture-console-user-without-mfa",
    title: "Console user without MFA",
    severity: Severity::High,
    mitre: &["T1078.004"],
    description: "An IAM user can sign in to the console with a password alone. A phished or \
                  reused password is enough to take the account over.",
    remediation: "Enforce MFA for the user (or remove its login profile if it does not need \
                  the console).",
    response: Response::Alert,
    kind: RuleKind::Posture,
    events: &[],
    about_failures: false,
};

impl PostureRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, inv: &Inventory, _cfg: &Config, out: &mut Vec<Finding>) {
        for u in &inv.users {
            if u.login_profile.is_none() || !u.mfa_devices.is_empty() || u.unread("mfa_devices") {
                continue;
            }
            let summary = format!(
                "IAM user {} has a console password and no MFA device; enforce MFA or delete its login profile",
                u.name
            );
            out.push(finding(
                &META,
                inv,
                (&u.arn, ActorKind::IAMUser),
                vec![u.arn.clone()],
                summary,
            ));
        }
    }
}
