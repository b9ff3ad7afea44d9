//! A missing or weak account password policy (weaker than CIS: minimum length
//! 14, reuse prevention 24).
//!
//! Fixtures: `fixtures/inventory/` (both have a CIS-strength policy); unit tests
//! below cover missing and weak policies.

use super::{finding, PostureRule};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::inventory::Inventory;
use crate::record::ActorKind;
use crate::rules::{RuleKind, RuleMeta};

pub struct Rule;

/// CIS AWS Foundations minimums.
pub const MIN_LENGTH: u32 = 14;
pub const MIN_REUSE_PREVENTION: u32 = 24;

static META: RuleMeta = RuleMeta {
    id: "posture-password-policy-weak",
    title: "Weak or missing password policy",
    severity: Severity::Medium,
    mitre: &["T1110"],
    description: "The account has no password policy, or one weaker than the CIS benchmark \
                  (length at least 14, last 24 passwords not reused).",
    remediation: "Set an account password policy with a minimum length of 14 and password \
                  reuse prevention of 24.",
    response: Response::Alert,
    kind: RuleKind::Posture,
    events: &[],
    about_failures: false,
};

/// What is weak about the policy; `None` when it is missing.
fn weaknesses(inv: &Inventory) -> Option<Vec<String>> {
    let p = inv.password_policy.as_ref()?;
    let mut w = Vec::new();
    if p.minimum_length < MIN_LENGTH {
        w.push(format!(
            "minimum length {} < {MIN_LENGTH}",
            p.minimum_length
        ));
    }
    let reuse = p.reuse_prevention.unwrap_or(0);
    if reuse < MIN_REUSE_PREVENTION {
        w.push(format!("reuse prevention {reuse} < {MIN_REUSE_PREVENTION}"));
    }
    Some(w)
}

impl PostureRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, inv: &Inventory, _cfg: &Config, out: &mut Vec<Finding>) {
        // A policy that could not be read is unknown, not missing.
        if inv.lacks("iam:GetAccountPasswordPolicy") {
            return;
        }
        let root = inv.root_arn();
        let res = vec![format!(
            "arn:aws:iam::{}:account-password-policy",
            inv.account_id
        )];
        let f = match weaknesses(inv) {
            None => {
                let s = "the account has no password policy; set one (length >= 14, reuse prevention 24)";
                finding(&META, inv, (&root, ActorKind::Root), res, s.to_owned())
            }
            Some(w) if w.is_empty() => return,
            Some(w) => {
                let s = format!(
                    "the account password policy is weaker than CIS ({}); strengthen it",
                    w.join(", ")
                );
                finding(&META, inv, (&root, ActorKind::Root), res, s).with_severity(Severity::Low)
            }
        };
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::PasswordPolicy;

    fn run(p: Option<PasswordPolicy>) -> Vec<Finding> {
        let inv = Inventory {
            account_id: "111122223333".into(),
            password_policy: p,
            ..Default::default()
        };
        let mut out = vec![];
        Rule.evaluate(&inv, &Config::default(), &mut out);
        out
    }

    #[test]
    fn missing_weak_and_strong() {
        assert_eq!(run(None)[0].severity, Severity::Medium);
        let weak = PasswordPolicy {
            minimum_length: 8,
            reuse_prevention: Some(24),
            ..Default::default()
        };
        let f = run(Some(weak));
        assert_eq!(f[0].severity, Severity::Low);
        assert!(f[0].summary.contains("minimum length 8"));
        let strong = PasswordPolicy {
            minimum_length: 14,
            reuse_prevention: Some(24),
            ..Default::default()
        };
        assert!(run(Some(strong)).is_empty());
    }
}
