//! Network logs deleted: VPC flow logs (`DeleteFlowLogs`) and Route 53
//! Resolver query logging (`DeleteResolverQueryLogConfig`,
//! `DisassociateResolverQueryLogConfig`). These are how a responder sees
//! exfiltration, C2 beacons and DNS tunnelling from instances; intruders remove
//! them before moving data.
//!
//! Medium: VPCs and their logs are also torn down by infrastructure code,
//! which the engine mutes when it is trusted automation inside a change window.
//!
//! Fixtures: `fixtures/rules/logging-network-logs-deleted/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::Event;
use crate::rules::json::{list_some, path, text, texts};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "logging-network-logs-deleted",
    title: "VPC flow logs or DNS query logging deleted",
    severity: Severity::Medium,
    mitre: &["T1562.008"],
    description: "VPC flow logs were deleted, or a Route 53 Resolver query logging configuration \
                  was deleted or detached from a VPC. Network and DNS evidence of exfiltration and \
                  command-and-control stops being recorded.",
    remediation:
        "Recreate the flow logs or query logging (to the central log bucket), confirm the \
                  change with the actor's owner, and review the affected VPCs' traffic from other \
                  sources for the gap.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[
        "DeleteFlowLogs",
        "DeleteResolverQueryLogConfig",
        "DisassociateResolverQueryLogConfig",
    ],
    about_failures: false,
};

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        let req: Value = r.request().unwrap_or(Value::Null);
        let (region, acct) = (r.region(), r.account());
        let (resources, did, next) = match (r.source(), r.name()) {
            ("ec2.amazonaws.com", "DeleteFlowLogs") => {
                let mut ids = texts(path(&req, &["DeleteFlowLogsRequest", "FlowLogId"]));
                ids.extend(texts(path(&req, &["flowLogIds"])));
                let resp: Value = r.response().unwrap_or(Value::Null);
                let mut failed = Vec::new();
                if let Some(u) = path(&resp, &["DeleteFlowLogsResponse", "unsuccessful"]) {
                    resource_ids(u, &mut failed);
                }
                ids.retain(|i| !failed.contains(i));
                if ids.is_empty() && !failed.is_empty() {
                    return;
                }
                let shown = if ids.is_empty() {
                    "(unlisted)".to_owned()
                } else {
                    list_some(&ids, 5)
                };
                (
                    ids.iter().map(|i| format!("arn:aws:ec2:{region}:{acct}:vpc-flow-log/{i}")).collect(),
                    format!("deleted VPC flow log(s) {shown}"),
                    "recreate them (aws ec2 create-flow-logs) for the same VPCs, subnets or interfaces",
                )
            }
            ("route53resolver.amazonaws.com", name) if name != "DeleteFlowLogs" => {
                let id = text(path(&req, &["resolverQueryLogConfigId"]))
                    .unwrap_or_else(|| "(unknown)".to_owned());
                let arn = format!(
                    "arn:aws:route53resolver:{region}:{acct}:resolver-query-log-config/{id}"
                );
                let did = match text(path(&req, &["resourceId"])) {
                    Some(vpc) if name == "DisassociateResolverQueryLogConfig" => {
                        format!("stopped DNS query logging {id} for {vpc}")
                    }
                    _ => format!("deleted Route 53 Resolver query logging configuration {id}"),
                };
                (
                    vec![arn],
                    did,
                    "recreate and re-associate DNS query logging for the affected VPCs",
                )
            }
            _ => return,
        };
        let summary = format!(
            "{} {did} (account {acct}, {region}); {next} and confirm the change with the actor's owner",
            ev.actor().key()
        );
        out.push(Finding::for_event(&META, ev, resources, summary));
    }
}

/// Every `resourceId` under `v`: the flow logs a `DeleteFlowLogs` response
/// lists as not deleted (`unsuccessful.item[].resourceId`).
fn resource_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match text(Some(x)) {
                    Some(id) if k == "resourceId" => out.push(id),
                    _ => resource_ids(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| resource_ids(x, out)),
        _ => {}
    }
}
