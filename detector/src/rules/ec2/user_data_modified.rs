//! EC2 user data replaced (`ModifyInstanceAttribute` with `userData`): the
//! new script runs as root at the instance's next start, with the instance
//! role's credentials at hand. The Stratus `ec2-user-data` technique stops the
//! instance, swaps the user data and starts it again.
//!
//! Other `ModifyInstanceAttribute` changes (instance type, source/dest check,
//! ...) are not reported.
//!
//! Fixtures: `fixtures/rules/ec2-user-data-modified/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::Event;
use crate::rules::json::{field, text};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "ec2-user-data-modified",
    title: "EC2 instance user data modified",
    severity: Severity::Medium,
    mitre: &["T1059", "T1037"],
    description: "An instance's user data was replaced. User data runs as root when the instance \
                  next starts: a way to execute code on it, and to take its role's credentials, \
                  without SSH or SSM.",
    remediation: "Read the new user data (aws ec2 describe-instance-attribute --attribute userData) \
                  before the instance restarts; if it is not a planned change, restore the previous \
                  script, quarantine the actor and check the instance.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["ModifyInstanceAttribute"],
    about_failures: false,
};

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != "ec2.amazonaws.com" {
            return;
        }
        let req: Value = r.request().unwrap_or(Value::Null);
        let sets_user_data = field(&req, "userData").is_some()
            || text(field(&req, "attribute")).is_some_and(|a| a.eq_ignore_ascii_case("userData"));
        if !sets_user_data {
            return;
        }
        let id = text(field(&req, "instanceId")).unwrap_or_else(|| "(unknown)".to_owned());
        let summary = format!(
            "{} replaced the user data of EC2 instance {id} (account {}, {}); it runs as root at the next start: read it now (aws ec2 describe-instance-attribute --instance-id {id} --attribute userData) and restore the previous script if the change was not planned",
            ev.actor().key(),
            r.account(),
            r.region()
        );
        out.push(Finding::for_event(&META, ev, vec![id], summary));
    }
}
