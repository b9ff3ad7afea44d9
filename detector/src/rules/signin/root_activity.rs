//! Any activity by the root user: it should be locked away with MFA and unused.
//!
//! Fixtures: `fixtures/rules/root-activity/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::Event;
use crate::rules::{EventRule, RuleKind, RuleMeta};

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "root-activity",
    title: "Root user activity",
    severity: Severity::Critical,
    mitre: &["T1078.004"],
    description: "The account's root user made a call or signed in. Root cannot be restricted by \
                  IAM policies; day-to-day use of it, or use by an attacker, is an emergency.",
    remediation: "Confirm with the root credential's custodian. If unexplained: reset the root \
                  password, delete root access keys, re-register root MFA, and review everything \
                  root did.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[],
    about_failures: false,
};

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.identity_type() != "Root"
            || ev
                .actor()
                .invoked_by
                .as_deref()
                .is_some_and(|s| s.ends_with(".amazonaws.com"))
        {
            return;
        }
        let summary = format!(
            "the root user of account {} called {} from {}; confirm with its custodian, rotate root credentials if unexplained",
            r.account(),
            r.name(),
            ev.actor().source_ip.as_deref().unwrap_or("an unknown address")
        );
        out.push(Finding::for_event(&META, ev, vec![], summary));
    }
}
