//! A change to trailguard's own deployment: its function, role, EventBridge
//! rules, queue, table, topic, key or configuration parameter, as named in
//! `[guard] self` (the Lambda adds `TRAILGUARD_SELF`). An intruder who knows
//! the guard is there disables it first; a legitimate deployment runs as
//! trusted automation inside a change window, which the engine already
//! leaves alone.
//!
//! Fixtures: `fixtures/rules/guard-self-tampered/` (positive: the guard's
//! EventBridge rule disabled, its function's code replaced, its topic's
//! subscription removed; negative: the same calls on resources that are not
//! the guard's).

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Record, Text};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "guard-self-tampered",
    title: "trailguard's own deployment changed",
    severity: Severity::Critical,
    mitre: &["T1562.001"],
    description: "A write call changed or removed part of trailguard's own deployment (its Lambda \
                  function, execution role, EventBridge rules, queue, state table, alert topic, key \
                  or configuration parameter, as listed in [guard] self). Disabling the detector is \
                  an intruder's first move; a planned deployment runs as trusted automation inside a \
                  change window.",
    remediation: "Confirm the change with the guard's owners. If nobody deployed it, quarantine the \
                  actor, restore the guard (re-apply its Terraform module) and review what the actor \
                  did while it was impaired.",
    response: Response::Quarantine,
    kind: RuleKind::Event,
    events: &[
        // Lambda (CloudTrail names carry the API version).
        "UpdateFunctionCode20150331v2",
        "UpdateFunctionConfiguration20150331v2",
        "DeleteFunction20150331",
        "AddPermission20150331v2",
        "RemovePermission20150331v2",
        "PutFunctionConcurrency20171031",
        "DeleteEventSourceMapping20150331",
        "UpdateEventSourceMapping20150331",
        // IAM role.
        "DeleteRole",
        "PutRolePolicy",
        "DeleteRolePolicy",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "UpdateAssumeRolePolicy",
        "PutRolePermissionsBoundary",
        // EventBridge.
        "DisableRule",
        "DeleteRule",
        "PutRule",
        "RemoveTargets",
        "PutTargets",
        // SQS, DynamoDB, SNS, KMS, SSM.
        "DeleteQueue",
        "PurgeQueue",
        "SetQueueAttributes",
        "DeleteTable",
        "UpdateTable",
        "UpdateTimeToLive",
        "DeleteTopic",
        "SetTopicAttributes",
        "Unsubscribe",
        "AddPermission",
        "RemovePermission",
        "DisableKey",
        "ScheduleKeyDeletion",
        "PutKeyPolicy",
        "PutParameter",
        "DeleteParameter",
    ],
    about_failures: false,
};

/// Every request field that names a guard resource in the calls above.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    function_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    role_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    name: Option<Text<'a>>,
    #[serde(borrow, default)]
    rule: Option<Text<'a>>,
    #[serde(borrow, default)]
    queue_url: Option<Text<'a>>,
    #[serde(borrow, default)]
    table_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    topic_arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    subscription_arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    key_id: Option<Text<'a>>,
}

/// Event source mappings are named by UUID in the request; the response names the function.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resp<'a> {
    #[serde(borrow, default)]
    function_arn: Option<Text<'a>>,
}

/// The names or ARNs the call acts on.
fn subjects(r: &Record) -> Vec<String> {
    let req: Req = r.request().unwrap_or_default();
    let mut out: Vec<String> = [
        &req.function_name,
        &req.role_name,
        &req.name,
        &req.rule,
        &req.queue_url,
        &req.table_name,
        &req.topic_arn,
        &req.key_id,
    ]
    .into_iter()
    .flatten()
    .map(|t| t.as_str().to_owned())
    .collect();
    // `arn:aws:sns:REGION:ACCT:TOPIC:SUBSCRIPTION-ID` -> the topic's ARN.
    if let Some(s) = &req.subscription_arn {
        if let Some((topic, _)) = s.as_str().rsplit_once(':') {
            out.push(topic.to_owned());
        }
    }
    if let Some(f) = r.response::<Resp>().and_then(|x| x.function_arn) {
        out.push(f.as_str().to_owned());
    }
    out.retain(|s| !s.is_empty());
    out
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        if cfg.guard_self.is_empty() {
            return;
        }
        let r = ev.record;
        let Some((given, listed)) = subjects(r)
            .into_iter()
            .find_map(|s| cfg.guard_self_match(&s).map(|l| (s.clone(), l.to_owned())))
        else {
            return;
        };
        let service = r.source().split('.').next().unwrap_or("");
        let summary = format!(
            "{} called {}:{} on {given}, part of trailguard's own deployment ({listed}); \
             if nobody deployed this, quarantine the actor and re-apply the guard's Terraform",
            ev.actor().key(),
            service,
            r.name()
        );
        out.push(Finding::for_event(&META, ev, vec![given], summary));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(names: &[&str]) -> Config {
        let mut c = Config::default();
        c.extend_self(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        c
    }

    #[test]
    fn names_match_by_arn_or_last_part() {
        let c = cfg(&[
            "trailguard",
            "arn:aws:sns:us-east-1:111122223333:trailguard-alerts",
        ]);
        assert_eq!(
            c.guard_self_match("arn:aws:lambda:us-east-1:111122223333:function:trailguard"),
            Some("trailguard")
        );
        assert_eq!(
            c.guard_self_match("trailguard-alerts"),
            Some("arn:aws:sns:us-east-1:111122223333:trailguard-alerts")
        );
        assert_eq!(
            c.guard_self_match("https://sqs.us-east-1.amazonaws.com/111122223333/trailguard"),
            Some("trailguard")
        );
        assert_eq!(c.guard_self_match("trailguard-other"), None);
        assert_eq!(c.guard_self_match(""), None);
        assert_eq!(cfg(&[]).guard_self_match("trailguard"), None);
    }
}
