//! GuardDuty disabled, detached or silenced.
//!
//! High: `DeleteDetector`, `UpdateDetector` with `enable: false`, a member
//! leaving its administrator (`DisassociateFromMasterAccount`,
//! `DisassociateFromAdministratorAccount`), an administrator dropping members
//! (`StopMonitoringMembers`, `DeleteMembers`, `DisassociateMembers`).
//! Medium, because they silence rather than stop detection: turning off a
//! protection plan in `UpdateDetector` (`features[].status: DISABLED`,
//! `dataSources.*.enable: false`), activating a trusted IP list
//! (`CreateIPSet`/`UpdateIPSet` with `activate: true`, or `UpdateIPSet`
//! rewriting an active list: GuardDuty raises no findings for listed
//! addresses), and a suppression filter (`CreateFilter`/`UpdateFilter` with
//! `action: ARCHIVE`, which auto-archives matching findings).
//! `UpdateDetector` with `enable: true` or only a publishing frequency, an
//! inactive IP list and `NOOP` filters are not reported.
//!
//! Fixtures: `fixtures/rules/logging-guardduty-disabled/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Flag, Record, Text};
use crate::rules::json::{field, list_some, text, texts};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "logging-guardduty-disabled",
    title: "GuardDuty disabled, detached or silenced",
    severity: Severity::High,
    mitre: &["T1562.001"],
    description: "A GuardDuty detector was deleted or suspended, an account left (or was dropped by) \
                  its GuardDuty administrator, a protection plan was turned off, a trusted IP list \
                  was activated or a suppression (auto-archive) filter was set. Each stops or hides \
                  threat findings for the account.",
    remediation: "Re-enable what was changed (create or enable the detector, re-invite the member, \
                  deactivate the IP list, delete the filter) and confirm the change with the \
                  actor's owner; treat the actor as compromised if nobody asked for it.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[
        "DeleteDetector",
        "UpdateDetector",
        "DisassociateFromMasterAccount",
        "DisassociateFromAdministratorAccount",
        "StopMonitoringMembers",
        "DeleteMembers",
        "DisassociateMembers",
        "CreateIPSet",
        "UpdateIPSet",
        "CreateFilter",
        "UpdateFilter",
    ],
    about_failures: false,
};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    detector_id: Option<Text<'a>>,
    #[serde(default)]
    enable: Flag,
    #[serde(default)]
    activate: Flag,
    #[serde(borrow, default)]
    action: Option<Text<'a>>,
    #[serde(borrow, default)]
    ip_set_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    name: Option<Text<'a>>,
    #[serde(borrow, default)]
    filter_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    location: Option<Text<'a>>,
    #[serde(default)]
    account_ids: Option<Value>,
    #[serde(default)]
    features: Option<Value>,
    #[serde(default)]
    data_sources: Option<Value>,
}

/// What happened, how bad, and what to undo.
struct Hit {
    severity: Severity,
    resources: Vec<String>,
    did: String,
    next: String,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != "guardduty.amazonaws.com" {
            return;
        }
        let req: Req = r.request().unwrap_or_default();
        let detector = opt(&req.detector_id).unwrap_or_else(|| "(unknown)".to_owned());
        let det_arn = format!(
            "arn:aws:guardduty:{}:{}:detector/{detector}",
            r.region(),
            r.account()
        );
        let hit = match r.name() {
            "DeleteDetector" | "UpdateDetector" => detector_change(r, &req, &detector, &det_arn),
            "CreateIPSet" | "UpdateIPSet" => ip_set(r, &req, &detector, &det_arn),
            "CreateFilter" | "UpdateFilter" => filter(&req, &detector, &det_arn),
            _ => Some(membership(r, &req, &det_arn)),
        };
        let Some(h) = hit else {
            return;
        };
        let summary = format!(
            "{} {} (account {}, {}); {}",
            ev.actor().key(),
            h.did,
            r.account(),
            r.region(),
            h.next
        );
        out.push(Finding::for_event(&META, ev, h.resources, summary).with_severity(h.severity));
    }
}

fn opt(t: &Option<Text>) -> Option<String> {
    t.as_ref()
        .filter(|t| !t.is_empty())
        .map(|t| t.as_str().to_owned())
}

fn detector_change(r: &Record, req: &Req, detector: &str, arn: &str) -> Option<Hit> {
    let (severity, did) = if r.name() == "DeleteDetector" {
        (
            Severity::High,
            format!("deleted GuardDuty detector {detector}"),
        )
    } else if req.enable.0 == Some(false) {
        (
            Severity::High,
            format!("suspended GuardDuty detector {detector}"),
        )
    } else {
        let off = disabled_protections(req);
        if off.is_empty() {
            return None;
        }
        (
            Severity::Medium,
            format!(
                "turned off GuardDuty protection {} on detector {detector}",
                off.join(", ")
            ),
        )
    };
    Some(Hit {
        severity,
        resources: vec![arn.to_owned()],
        did,
        next: format!(
            "re-enable it (aws guardduty {}) and confirm the change with the actor's owner",
            if r.name() == "DeleteDetector" {
                "create-detector --enable".to_owned()
            } else {
                format!("update-detector --detector-id {detector} --enable")
            }
        ),
    })
}

/// Protection plans turned off: `features[].name` with status DISABLED, and
/// legacy `dataSources` paths ending in `enable: false`.
fn disabled_protections(req: &Req) -> Vec<String> {
    let mut off: Vec<String> = req
        .features
        .as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|f| text(field(f, "status")).is_some_and(|s| s.eq_ignore_ascii_case("DISABLED")))
        .filter_map(|f| text(field(f, "name")))
        .collect();
    if let Some(ds) = &req.data_sources {
        walk_disabled(ds, "", &mut off);
    }
    off
}

fn walk_disabled(v: &Value, prefix: &str, out: &mut Vec<String>) {
    let Some(obj) = v.as_object() else {
        return;
    };
    for (k, x) in obj {
        if (k == "enable" || k == "ebsVolumes") && x.as_bool() == Some(false) {
            out.push(if prefix.is_empty() {
                k.clone()
            } else {
                prefix.to_owned()
            });
        } else if x.is_object() && out.len() < 16 {
            let p = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            walk_disabled(x, &p, out);
        }
    }
}

fn ip_set(r: &Record, req: &Req, detector: &str, det_arn: &str) -> Option<Hit> {
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct Resp<'a> {
        #[serde(borrow, default)]
        ip_set_id: Option<Text<'a>>,
    }
    let active = match r.name() {
        "CreateIPSet" => req.activate.0 == Some(true),
        _ => req.activate.0 != Some(false),
    };
    if !active {
        return None;
    }
    let id = opt(&req.ip_set_id).or_else(|| r.response::<Resp>().and_then(|x| opt(&x.ip_set_id)));
    let label = opt(&req.name)
        .or(id.clone())
        .unwrap_or_else(|| "(unnamed)".to_owned());
    let id_arg = id.clone().unwrap_or_else(|| "<ip-set-id>".to_owned());
    let loc = opt(&req.location)
        .map(|l| format!(" from {l}"))
        .unwrap_or_default();
    Some(Hit {
        severity: Severity::Medium,
        resources: vec![id.map(|i| format!("{det_arn}/ipset/{i}")).unwrap_or_else(|| det_arn.to_owned())],
        did: format!("activated GuardDuty trusted IP list {label}{loc}: GuardDuty raises no findings for the addresses on it"),
        next: format!("check every address on the list, and deactivate it (aws guardduty update-ip-set --detector-id {detector} --ip-set-id {id_arg} --no-activate) unless they are all yours"),
    })
}

fn filter(req: &Req, detector: &str, det_arn: &str) -> Option<Hit> {
    if !req
        .action
        .as_ref()
        .is_some_and(|a| a.as_str().eq_ignore_ascii_case("ARCHIVE"))
    {
        return None;
    }
    let name = opt(&req.name)
        .or(opt(&req.filter_name))
        .unwrap_or_else(|| "(unnamed)".to_owned());
    Some(Hit {
        severity: Severity::Medium,
        resources: vec![format!("{det_arn}/filter/{name}")],
        did: format!("set GuardDuty suppression filter {name}, which auto-archives the findings it matches"),
        next: format!("review its criteria and delete it (aws guardduty delete-filter --detector-id {detector} --filter-name {name}) unless it was agreed"),
    })
}

fn membership(r: &Record, req: &Req, det_arn: &str) -> Hit {
    let members = texts(req.account_ids.as_ref());
    let (did, next) = match r.name() {
        "DisassociateFromMasterAccount" | "DisassociateFromAdministratorAccount" => (
            "detached this account from its GuardDuty administrator, whose findings view no longer covers it".to_owned(),
            "re-accept the administrator's invitation from the member account".to_owned(),
        ),
        verb => (
            format!(
                "{} GuardDuty member account(s) {}",
                match verb {
                    "StopMonitoringMembers" => "stopped monitoring",
                    "DeleteMembers" => "deleted",
                    _ => "disassociated",
                },
                if members.is_empty() { "(unlisted)".to_owned() } else { list_some(&members, 5) }
            ),
            "re-add and re-enable monitoring of the members from the administrator account".to_owned(),
        ),
    };
    let mut resources = vec![det_arn.to_owned()];
    resources.extend(members);
    Hit {
        severity: Severity::High,
        resources,
        did,
        next: format!("{next}, and confirm the change with the actor's owner"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn off(json: &str) -> Vec<String> {
        let r: Req = serde_json::from_str(json).unwrap();
        disabled_protections(&r)
    }

    fn archived(json: &str) -> Option<Vec<String>> {
        let r: Req = serde_json::from_str(json).unwrap();
        filter(&r, "d", "arn").map(|h| h.resources)
    }

    #[test]
    fn protections_turned_off() {
        assert_eq!(
            off(
                r#"{"detectorId":"d","features":[{"name":"S3_DATA_EVENTS","status":"DISABLED"},{"name":"EKS_AUDIT_LOGS","status":"ENABLED"}]}"#
            ),
            vec!["S3_DATA_EVENTS"]
        );
        assert_eq!(
            off(
                r#"{"detectorId":"d","dataSources":{"s3Logs":{"enable":false},"kubernetes":{"auditLogs":{"enable":true}}}}"#
            ),
            vec!["s3Logs"]
        );
        assert!(off(r#"{"detectorId":"d","findingPublishingFrequency":"SIX_HOURS"}"#).is_empty());
    }

    #[test]
    fn filters_only_when_archiving() {
        assert!(archived(r#"{"detectorId":"d","name":"f","action":"NOOP"}"#).is_none());
        assert_eq!(
            archived(r#"{"detectorId":"d","name":"quiet","action":"ARCHIVE"}"#),
            Some(vec!["arn/filter/quiet".to_owned()])
        );
    }
}
