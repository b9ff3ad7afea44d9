//! OCSF 1.3 Detection Finding (class 2004) for a [`Finding`].

use super::{Finding, Severity};
use crate::rules::RuleMeta;
use serde_json::{json, Value};

/// OCSF `severity_id`.
pub fn severity_id(s: Severity) -> u8 {
    match s {
        Severity::Info => 1,
        Severity::Low => 2,
        Severity::Medium => 3,
        Severity::High => 4,
        Severity::Critical => 5,
    }
}

/// Maps a finding to an OCSF Detection Finding object.
pub fn to_ocsf(f: &Finding, meta: Option<&RuleMeta>) -> Value {
    let attacks: Vec<Value> = f
        .mitre
        .iter()
        .map(|t| json!({"technique": {"uid": t}, "version": "v15"}))
        .collect();
    let resources: Vec<Value> = f.resources.iter().map(|r| json!({"uid": r})).collect();
    let mut v = json!({
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id(f.severity),
        "severity": capitalise(f.severity.as_str()),
        "status_id": 1,
        "status": "New",
        "time": f.time * 1000,
        "message": f.summary,
        "metadata": {
            "version": "1.3.0",
            "product": {"name": "trailguard", "vendor_name": "trailguard", "version": env!("CARGO_PKG_VERSION")},
            "event_code": f.rule_id,
        },
        "finding_info": {
            "uid": f.uid(),
            "title": f.title,
            "desc": meta.map(|m| m.description).unwrap_or(""),
            "types": [f.rule_id],
            "analytic": {"uid": f.rule_id, "name": f.title, "type_id": 1, "type": "Rule"},
            "attacks": attacks,
            "related_events": f.event_ids.iter().map(|e| json!({"uid": e})).collect::<Vec<_>>(),
        },
        "cloud": {"provider": "AWS", "account": {"uid": f.account, "type_id": 10, "type": "AWS Account"}, "region": f.region},
        "actor": {
            "user": {"uid": f.actor.arn, "type": f.actor.kind.as_str(), "credential_uid": f.actor.access_key_id},
            "session": {"uid": f.actor.session_arn},
        },
        "resources": resources,
        "unmapped": {"response": f.response.as_str()},
    });
    if let Some(ip) = &f.actor.source_ip {
        v["src_endpoint"] = json!({"ip": ip});
    }
    if let Some(ua) = &f.actor.user_agent {
        v["http_request"] = json!({"user_agent": ua});
    }
    if let Some(m) = meta {
        v["remediation"] = json!({"desc": m.remediation});
    }
    v
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
