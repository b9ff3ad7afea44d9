//! A change to trailguard's own deployment: its function, role, EventBridge
//! rules, queue, table, topic, key or configuration parameter, as named in
//! `[guard] self` (the Lambda adds `TRAILGUARD_SELF`). An intruder who knows
//! the guard is there disables it first; a legitimate deployment runs as
//! trusted automation inside a change window, which the engine already
//! leaves alone; the same pipeline outside its window is alerted on, not
//! quarantined (the default for everyone else). A refused attempt (the
//! SCP of `terraform/README.md` at work) is a high-severity alert.
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
                  function, execution role, EventBridge rules, queues, state table, alert topic, key, \
                  log group or configuration parameter, as listed in [guard] self). Disabling the detector is \
                  an intruder's first move; a planned deployment runs as trusted automation inside a \
                  change window.",
    remediation: "Confirm the change with the guard's owners. If nobody deployed it, quarantine the \
                  actor, restore the guard (re-apply its Terraform module) and review what the actor \
                  did while it was impaired.",
    response: Response::Quarantine,
    kind: RuleKind::Event,
    // Exactly the names of terraform/events.json `self_protection` (tested):
    // Lambda's carry API versions; IAM role, EventBridge, SQS, DynamoDB,
    // SNS, KMS, CloudWatch Logs and SSM calls on the guard's resources.
    events: &[
        "AddPermission",
        "AddPermission20150331",
        "AddPermission20150331v2",
        "AssociateKmsKey",
        "AttachRolePolicy",
        "CreateEventSourceMapping",
        "CreateEventSourceMapping20150331",
        "DeleteEventSourceMapping",
        "DeleteEventSourceMapping20150331",
        "DeleteFunction",
        "DeleteFunction20150331",
        "DeleteFunctionConcurrency",
        "DeleteFunctionConcurrency20171031",
        "DeleteFunctionEventInvokeConfig",
        "DeleteLogGroup",
        "DeleteParameter",
        "DeleteParameters",
        "DeleteQueue",
        "DeleteResourcePolicy",
        "DeleteRetentionPolicy",
        "DeleteRole",
        "DeleteRolePermissionsBoundary",
        "DeleteRolePolicy",
        "DeleteRule",
        "DeleteSubscriptionFilter",
        "DeleteTable",
        "DeleteTopic",
        "DetachRolePolicy",
        "DisableKey",
        "DisableKeyRotation",
        "DisableRule",
        "DisassociateKmsKey",
        "PurgeQueue",
        "PutFunctionConcurrency",
        "PutFunctionConcurrency20171031",
        "PutFunctionEventInvokeConfig",
        "PutKeyPolicy",
        "PutParameter",
        "PutPermission",
        "PutResourcePolicy",
        "PutRetentionPolicy",
        "PutRolePermissionsBoundary",
        "PutRolePolicy",
        "PutRule",
        "PutSubscriptionFilter",
        "PutTargets",
        "RemovePermission",
        "RemovePermission20150331",
        "RemovePermission20150331v2",
        "RemoveTargets",
        "ScheduleKeyDeletion",
        "SetQueueAttributes",
        "SetTopicAttributes",
        "Subscribe",
        "Unsubscribe",
        "UpdateAssumeRolePolicy",
        "UpdateContinuousBackups",
        "UpdateEventSourceMapping",
        "UpdateEventSourceMapping20150331",
        "UpdateFunctionCode",
        "UpdateFunctionCode20150331",
        "UpdateFunctionCode20150331v2",
        "UpdateFunctionConfiguration",
        "UpdateFunctionConfiguration20150331",
        "UpdateFunctionConfiguration20150331v2",
        "UpdateFunctionEventInvokeConfig",
        "UpdateRole",
        "UpdateTable",
        "UpdateTimeToLive",
    ],
    // A refused attempt (the SCP in terraform/README.md) is reported too.
    about_failures: true,
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
    event_bus_name: Option<Text<'a>>,
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
    #[serde(borrow, default)]
    log_group_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    resource_arn: Option<Text<'a>>,
    /// `ssm:DeleteParameters`.
    #[serde(borrow, default)]
    names: Option<Vec<Text<'a>>>,
}

/// Event source mappings are named by UUID in the request; the response names the function.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resp<'a> {
    #[serde(borrow, default)]
    function_arn: Option<Text<'a>>,
}

/// Where the call happened: the pieces of the ARNs it acts on.
struct Place<'r> {
    partition: &'static str,
    region: &'r str,
    account: &'r str,
}

impl Place<'_> {
    /// `arn:P:SERVICE:REGION:ACCOUNT:RESOURCE` (IAM is global: no region).
    fn arn(&self, service: &str, resource: &str) -> String {
        let region = if service == "iam" { "" } else { self.region };
        let (p, a) = (self.partition, self.account);
        format!("arn:{p}:{service}:{region}:{a}:{resource}")
    }
}

/// A function ARN without its `:VERSION` or `:ALIAS` qualifier.
fn unqualified(n: String) -> String {
    let parts: Vec<&str> = n.splitn(8, ':').collect();
    if n.starts_with("arn:") && parts.len() == 8 {
        return parts[..7].join(":");
    }
    n
}

fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The ARNs (else the names) of what the call acts on: each request field
/// turned into its service's ARN, so `[guard] self` globs like
/// `arn:aws:sqs:*:ACCOUNT:trailguard-*` only ever match queues.
fn subjects(r: &Record) -> Vec<String> {
    let req: Req = r.request().unwrap_or_default();
    let at = Place {
        partition: partition(r.region()),
        region: r.region(),
        account: r.account(),
    };
    let text = |t: &Option<Text>| t.as_ref().map(|x| x.as_str().to_owned());
    let mut out = Vec::new();
    let mut add = |name: Option<String>, to_arn: &dyn Fn(&str) -> String| {
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            let known = n.starts_with("arn:") || at.account.is_empty() || at.region.is_empty();
            out.push(if known { n } else { to_arn(&n) });
        }
    };
    add(text(&req.function_name).map(unqualified), &|n| {
        at.arn("lambda", &format!("function:{n}"))
    });
    add(text(&req.role_name), &|n| {
        at.arn("iam", &format!("role/{n}"))
    });
    let bus = text(&req.event_bus_name).filter(|b| b != "default" && !b.starts_with("arn:"));
    let rule = |n: &str| match &bus {
        Some(b) => at.arn("events", &format!("rule/{b}/{n}")),
        None => at.arn("events", &format!("rule/{n}")),
    };
    let param = |n: &str| at.arn("ssm", &format!("parameter/{}", n.trim_start_matches('/')));
    match r.source() {
        "events.amazonaws.com" => add(text(&req.name), &rule),
        "ssm.amazonaws.com" => add(text(&req.name), &param),
        _ => add(text(&req.name), &|n| n.to_owned()),
    }
    add(text(&req.rule), &rule);
    // https://sqs.REGION.amazonaws.com/ACCOUNT/NAME -> arn:P:sqs:REGION:ACCOUNT:NAME
    add(text(&req.queue_url), &|u| {
        let mut parts = u.trim_end_matches('/').rsplit('/');
        match (parts.next(), parts.next()) {
            (Some(name), Some(acct)) if acct.bytes().all(|b| b.is_ascii_digit()) => {
                let p = at.partition;
                format!("arn:{p}:sqs:{}:{acct}:{name}", at.region)
            }
            _ => u.to_owned(),
        }
    });
    add(text(&req.table_name), &|n| {
        at.arn("dynamodb", &format!("table/{n}"))
    });
    add(text(&req.resource_arn), &|n| n.to_owned());
    add(text(&req.log_group_name), &|n| {
        at.arn("logs", &format!("log-group:{n}"))
    });
    for n in req.names.iter().flatten() {
        add(Some(n.as_str().to_owned()), &param);
    }
    add(text(&req.topic_arn), &|n| at.arn("sns", n));
    // `arn:aws:sns:REGION:ACCT:TOPIC:SUBSCRIPTION-ID` -> the topic's ARN.
    let topic = req
        .subscription_arn
        .as_ref()
        .and_then(|s| s.as_str().rsplit_once(':').map(|(t, _)| t.to_owned()));
    add(topic, &|n| n.to_owned());
    add(text(&req.key_id), &|k| {
        if k.starts_with("alias/") {
            at.arn("kms", k)
        } else {
            at.arn("kms", &format!("key/{k}"))
        }
    });
    add(
        r.response::<Resp>().and_then(|x| text(&x.function_arn)),
        &|n| n.to_owned(),
    );
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
        let mut f = Finding::for_event(&META, ev, vec![given], summary);
        // The deploy pipeline outside its change window: very likely a late
        // deployment, so an alert for a human rather than freezing the
        // pipeline (a compromised pipeline still pages someone at once).
        if !r.error_code().is_empty() {
            // Refused (by the SCP or IAM): nothing changed, but someone tried.
            f.severity = Severity::High;
            f.response = Response::Alert;
            f.summary = format!(
                "{} tried {}:{} on {}, part of trailguard's own deployment, and was refused ({}); \
                 find out who holds these credentials",
                ev.actor().key(),
                service,
                r.name(),
                f.resources.first().map_or("", String::as_str),
                r.error_code()
            );
            out.push(f);
            return;
        }
        let a = ev.actor();
        let automation = [a.arn.as_deref(), a.session_arn.as_deref()]
            .into_iter()
            .flatten()
            .any(|x| cfg.is_trusted_automation(x));
        if automation {
            f.response = Response::Alert;
            f.summary
                .push_str(" (trusted automation outside its change window: alert only)");
        }
        out.push(f);
    }
}

#[cfg(test)]
#[path = "guard_self_tampered_tests.rs"]
mod tests;
