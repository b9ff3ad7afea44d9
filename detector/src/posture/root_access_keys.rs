//! The root user has access keys: long-lived credentials with unrestricted rights.
//!
//! Fixtures: `fixtures/inventory/` (no root keys in either).

use super::{finding, PostureRule};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::inventory::Inventory;
use crate::record::ActorKind;
use crate::rules::{RuleKind, RuleMeta};

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "posture-root-access-keys",
    title: "Root user has access keys",
    severity: Severity::Critical,
    mitre: &["T1098.001", "T1078.004"],
    description: "The root user has access keys. They cannot be limited by IAM policies or \
                  permission boundaries and are a favourite persistence mechanism.",
    remediation: "Delete the root access keys (sign in as root, Security credentials) and use \
                  IAM roles instead.",
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
        let n = inv.account_summary.root_access_keys;
        if n == 0 {
            return;
        }
        let root = inv.root_arn();
        let summary = format!(
            "the root user of account {} has {n} access key(s); delete them",
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
