//! The root user has no MFA: the account's most powerful identity rests on a
//! password alone.
//!
//! Fixtures: `fixtures/inventory/` (root has MFA in both).

use super::{finding, PostureRule};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::inventory::Inventory;
use crate::record::ActorKind;
use crate::rules::{RuleKind, RuleMeta};

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "posture-root-without-mfa",
    title: "Root user without MFA",
    severity: Severity::Critical,
    mitre: &["T1078.004"],
    description: "The account's root user has no MFA device. Whoever learns or resets the root \
                  password owns the account, beyond the reach of IAM policies.",
    remediation: "Enable a hardware (or virtual) MFA device on the root user and store it with \
                  the break-glass procedure.",
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
        // Unknown (the summary could not be read) is not "no MFA".
        if inv.account_summary.root_mfa_enabled || inv.lacks("iam:GetAccountSummary") {
            return;
        }
        let root = inv.root_arn();
        let summary = format!(
            "the root user of account {} has no MFA; enable MFA on root now",
            inv.account_id
        );
        out.push(finding(
            &META,
            inv,
            (&root, ActorKind::Root),
            vec![root.clone()],
            summary,
        ));
    }
}
