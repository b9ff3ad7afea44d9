//! A console password that was never used: often a login profile added to a
//! programmatic user as a way back in.
//!
//! Fixtures: `fixtures/inventory/backdoored.json` (the planted admin user).

use super::{finding, PostureRule};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::inventory::Inventory;
use crate::record::{format_time, ActorKind};
use crate::rules::{RuleKind, RuleMeta};

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "posture-console-password-never-used",
    title: "Console password never used",
    severity: Severity::Medium,
    mitre: &["T1098", "T1078.004"],
    description: "An IAM user has a console password that has never been used. Attackers add \
                  login profiles to existing or new users to keep console access.",
    remediation: "Ask the owner whether the user needs the console; if not, delete the login \
                  profile.",
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
            let Some(lp) = &u.login_profile else { continue };
            if u.password_last_used.is_some() {
                continue;
            }
            let summary = format!(
                "IAM user {} has a console password (set {}) that was never used; delete the login profile unless its owner needs it",
                u.name,
                format_time(lp.create_date)
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
