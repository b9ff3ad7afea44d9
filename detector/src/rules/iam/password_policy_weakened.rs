//! The account password policy deleted or set below the CIS benchmark, making
//! IAM user passwords easier to guess or spray and letting a reset user go back
//! to a leaked password.
//!
//! Catches `DeleteAccountPasswordPolicy` (IAM falls back to its default: 8
//! characters, reuse allowed) and `UpdateAccountPasswordPolicy` that misses
//! either control of the CIS AWS Foundations Benchmark (v1.4 to v3.0):
//! - 1.8: `minimumPasswordLength` of 14 or more;
//! - 1.9: `passwordReusePrevention` of 24.
//!
//! Parameters left out of the call take IAM's defaults (length 8, reuse
//! allowed), so leaving them out is weak too. Composition rules (symbols,
//! numbers, case) and expiry (`maxPasswordAge`) are not judged: CIS dropped
//! them in v1.4 after NIST SP 800-63B, which advises against both, so a policy
//! following current guidance would otherwise raise a finding.
//!
//! Resources: the account id (the password policy has no ARN of its own).
//!
//! Fixtures: `fixtures/rules/iam-password-policy-weakened/` (positives: the
//! policy deleted, an 8-character policy without reuse prevention; negative:
//! a 14-character, 24-remembered policy without composition rules or expiry).

use super::common::{join, who, IAM};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Text};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

/// CIS 1.8: minimum password length.
const MIN_LENGTH: u32 = 14;
/// CIS 1.9: passwords remembered.
const MIN_REUSE_PREVENTION: u32 = 24;

static META: RuleMeta = RuleMeta {
    id: "iam-password-policy-weakened",
    title: "Account password policy deleted or weakened",
    severity: Severity::Medium,
    mitre: &["T1556"],
    description: "The account password policy was deleted, or set with a minimum length below 14 or \
                  fewer than 24 remembered passwords (CIS AWS Foundations 1.8 and 1.9). Weak policies \
                  make IAM user passwords easier to guess, and let users return to leaked ones.",
    remediation: "Restore a policy with a minimum length of 14 or more and password reuse prevention \
                  of 24 (`aws iam update-account-password-policy --minimum-password-length 14 \
                  --password-reuse-prevention 24`), and ask the caller why it was changed.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["DeleteAccountPasswordPolicy", "UpdateAccountPasswordPolicy"],
    about_failures: false,
};

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    minimum_password_length: Option<Text<'a>>,
    #[serde(borrow, default)]
    password_reuse_prevention: Option<Text<'a>>,
}

fn number(t: &Option<Text>) -> Option<u32> {
    t.as_ref().and_then(|t| t.as_str().trim().parse().ok())
}

/// What is below the benchmark in an `UpdateAccountPasswordPolicy` request.
fn weaknesses(req: &Req) -> Vec<String> {
    let mut weak = Vec::new();
    match number(&req.minimum_password_length) {
        Some(n) if n >= MIN_LENGTH => {}
        Some(n) => weak.push(format!("minimum length {n} (CIS: {MIN_LENGTH} or more)")),
        None => weak.push(format!(
            "no minimum length, so IAM's default of 8 (CIS: {MIN_LENGTH} or more)"
        )),
    }
    match number(&req.password_reuse_prevention) {
        Some(n) if n >= MIN_REUSE_PREVENTION => {}
        Some(0) | None => weak.push(format!(
            "password reuse allowed (CIS: remember {MIN_REUSE_PREVENTION})"
        )),
        Some(n) => weak.push(format!(
            "only {n} previous passwords remembered (CIS: {MIN_REUSE_PREVENTION})"
        )),
    }
    weak
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        if ev.record.source() != IAM {
            return;
        }
        let account = ev.record.account();
        let what = if ev.name() == "DeleteAccountPasswordPolicy" {
            format!("deleted the password policy of account {account} (IAM's default: 8 characters, reuse allowed)")
        } else {
            let weak = weaknesses(&ev.record.request().unwrap_or_default());
            if weak.is_empty() {
                return;
            }
            format!(
                "set a weak password policy on account {account}: {}",
                join(&weak)
            )
        };
        let summary = format!(
            "{} {what}; restore a policy of at least {MIN_LENGTH} characters with {MIN_REUSE_PREVENTION} passwords \
             remembered, and ask the caller why it changed",
            who(ev)
        );
        out.push(Finding::for_event(
            &META,
            ev,
            vec![account.to_owned()],
            summary,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::*;
    use super::*;

    fn update(req: &str) -> Vec<Finding> {
        let json = by_alice(
            IAM,
            "UpdateAccountPasswordPolicy",
            &format!(r#""requestParameters":{req}"#),
        );
        run(&Rule, &json, &Config::default())
    }

    #[test]
    fn thresholds_and_types() {
        assert!(update(r#"{"minimumPasswordLength":14,"passwordReusePrevention":24}"#).is_empty());
        assert!(
            update(r#"{"minimumPasswordLength":"20","passwordReusePrevention":"24"}"#).is_empty()
        );
        let f = update(r#"{"minimumPasswordLength":13,"passwordReusePrevention":24}"#);
        assert!(
            f[0].summary.contains("minimum length 13"),
            "{}",
            f[0].summary
        );
        let f = update(r#"{"minimumPasswordLength":14,"passwordReusePrevention":5}"#);
        assert!(
            f[0].summary.contains("only 5 previous passwords"),
            "{}",
            f[0].summary
        );
        let f = update("null");
        assert!(
            f[0].summary.contains("no minimum length") && f[0].summary.contains("reuse allowed")
        );
    }
}
