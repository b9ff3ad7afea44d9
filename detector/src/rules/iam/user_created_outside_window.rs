//! An IAM user created outside every change window: the attacker's "backup" account.
//!
//! Fixtures: `fixtures/rules/iam-user-created-outside-window/` (positive: a user
//! created on a Monday afternoon; negative: the same inside the Tuesday-night
//! window of its `config.toml`).

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{format_time, Event};
use crate::rules::util::{iam_target, user_arn};
use crate::rules::{EventRule, RuleKind, RuleMeta};

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "iam-user-created-outside-window",
    title: "IAM user created outside a change window",
    severity: Severity::Medium,
    mitre: &["T1136.003"],
    description: "An IAM user was created at a time no change window covers. Attackers create \
                  'backup' users so they keep access after the compromised credential is reset.",
    remediation: "Confirm the creation with its owner. If nobody asked for it, quarantine the new \
                  user and the creator, and sweep for keys and policies added since.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["CreateUser"],
    about_failures: false,
};

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        if ev.record.source() != "iam.amazonaws.com" || cfg.in_change_window(ev.time) {
            return;
        }
        let name = iam_target(ev)
            .user_name
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default();
        let arn = user_arn(ev.record.account(), &name);
        let who = ev.actor().key();
        let why = if cfg.windows.is_empty() {
            "no change window is configured"
        } else {
            "outside every change window"
        };
        let summary = format!(
            "{who} created IAM user {name} at {} ({why}); confirm it was requested or quarantine it",
            format_time(ev.time)
        );
        out.push(Finding::for_event(&META, ev, vec![arn], summary));
    }
}
