//! Regression against public CloudTrail nobody on the team wrote, for the
//! logging, EC2/compute and sign-in rules: real Stratus Red Team detonations,
//! and Panther's labelled tests where their rule means the same as ours.
//!
//! The corpus is the in-repository copy (`fixtures/corpus`, see `fixtures/THIRD_PARTY.md` and its
//! README).

use crate::config::Config;
use crate::engine::{Engine, MemoryStore};
use crate::finding::Finding;
use crate::record::Record;
use serde_json::Value;

const STRATUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/corpus/stratus_detonation_logs.jsonl"
);
const PANTHER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/corpus/panther_cloudtrail_tests.jsonl"
);

/// Stratus technique and the rule that must fire on its records.
const STRATUS_EXPECTED: &[(&str, &str)] = &[
    (
        "aws.defense-evasion.cloudtrail-delete",
        "logging-cloudtrail-tampered",
    ),
    (
        "aws.defense-evasion.cloudtrail-event-selectors",
        "logging-cloudtrail-tampered",
    ),
    (
        "aws.defense-evasion.cloudtrail-stop",
        "logging-cloudtrail-tampered",
    ),
    (
        "aws.defense-evasion.dns-delete-logs",
        "logging-network-logs-deleted",
    ),
    (
        "aws.defense-evasion.organizations-leave",
        "logging-organization-left",
    ),
    (
        "aws.defense-evasion.vpc-remove-flow-logs",
        "logging-network-logs-deleted",
    ),
    (
        "aws.exfiltration.ec2-security-group-open-port-22-ingress",
        "ec2-security-group-open-world",
    ),
    (
        "aws.exfiltration.ec2-share-ami",
        "ec2-resource-shared-outside",
    ),
    (
        "aws.exfiltration.ec2-share-ebs-snapshot",
        "ec2-resource-shared-outside",
    ),
    (
        "aws.exfiltration.rds-share-snapshot",
        "ec2-resource-shared-outside",
    ),
    (
        "aws.initial-access.console-login-without-mfa",
        "signin-console-login-without-mfa",
    ),
    (
        "aws.persistence.lambda-backdoor-function",
        "lambda-function-exposed",
    ),
    (
        "aws.persistence.lambda-layer-extension",
        "lambda-layer-attached",
    ),
    (
        "aws.persistence.sts-federation-token",
        "signin-federation-token-issued",
    ),
    ("aws.execution.ec2-user-data", "ec2-user-data-modified"),
];

/// The rules this branch owns (sign-in's `root-activity` excepted).
const OURS: &[&str] = &[
    "logging-cloudtrail-tampered",
    "logging-guardduty-disabled",
    "logging-config-stopped",
    "logging-securityhub-disabled",
    "logging-organization-left",
    "logging-network-logs-deleted",
    "ec2-terminate-many",
    "ec2-resource-shared-outside",
    "ec2-security-group-open-world",
    "ec2-user-data-modified",
    "lambda-function-exposed",
    "lambda-layer-attached",
    "signin-console-login-without-mfa",
    "signin-federation-token-issued",
];

fn load(path: &str) -> Option<Vec<Value>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).expect("corpus line"))
                .collect(),
        ),
        Err(e) => panic!("{path}: {e} (the corpus is part of the repository: fixtures/corpus)"),
    }
}

/// Findings for one record, evaluated alone.
fn run(engine: &Engine, record: &Value) -> Vec<Finding> {
    let text = record.to_string();
    let rec: Record = serde_json::from_str(&text).expect("record");
    let t = rec.time().unwrap_or(0);
    engine
        .evaluate(&rec, t, &mut MemoryStore::new())
        .expect("memory store")
}

#[test]
fn stratus_detonations_are_caught_and_nothing_else_fires() {
    let Some(lines) = load(STRATUS) else {
        return;
    };
    let engine = Engine::new(Config::default());
    let mut missed = Vec::new();
    let mut unexpected = Vec::new();
    for &(technique, rule) in STRATUS_EXPECTED {
        let hits: Vec<Finding> = lines
            .iter()
            .filter(|l| l["technique_id"] == technique)
            .flat_map(|l| run(&engine, &l["record"]))
            .collect();
        if !hits.iter().any(|f| f.rule_id == rule) {
            missed.push(format!("{technique}: {rule} did not fire"));
        }
        for f in &hits {
            println!("{technique}: {} {}: {}", f.rule_id, f.severity, f.summary);
        }
    }
    for l in &lines {
        let technique = l["technique_id"].as_str().unwrap_or("");
        let expected = STRATUS_EXPECTED
            .iter()
            .find(|e| e.0 == technique)
            .map(|e| e.1);
        for f in run(&engine, &l["record"]) {
            if OURS.contains(&f.rule_id.as_str()) && Some(f.rule_id.as_str()) != expected {
                unexpected.push(format!("{technique}: {} fired: {}", f.rule_id, f.summary));
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}

/// Panther rule, the rule of ours meaning the same.
const PANTHER_SAME: &[(&str, &str)] = &[
    ("AWS.CloudTrail.Stopped", "logging-cloudtrail-tampered"),
    (
        "AWS.CloudTrail.EventSelectorsDisabled",
        "logging-cloudtrail-tampered",
    ),
    (
        "AWS.ConfigService.DisabledDeleted",
        "logging-config-stopped",
    ),
    (
        "AWS.CloudTrail.AttemptToLeaveOrg",
        "logging-organization-left",
    ),
    (
        "AWS.CloudTrail.DNSLogsDeleted",
        "logging-network-logs-deleted",
    ),
    ("AWS.VPCFlow.LogsDeleted", "logging-network-logs-deleted"),
    (
        "AWS.CloudTrail.AMIModifiedForPublicAccess",
        "ec2-resource-shared-outside",
    ),
    (
        "AWS.CloudTrail.SnapshotMadePublic",
        "ec2-resource-shared-outside",
    ),
    ("AWS.RDS.SnapshotShared", "ec2-resource-shared-outside"),
    ("AWS.EC2.Startup.Script.Change", "ec2-user-data-modified"),
    (
        "AWS.Console.LoginWithoutMFA",
        "signin-console-login-without-mfa",
    ),
    ("AWS.Potential.Backdoor.Lambda", "lambda-function-exposed"),
    (
        "AWS.Lambda.UpdateFunctionConfiguration",
        "lambda-layer-attached",
    ),
];

/// Panther tests where we disagree on purpose, and why.
const PANTHER_DISAGREE: &[(&str, &str)] = &[
    // Panther's mock says the user is new; we have no such lookup, and a new user
    // signing in without MFA is still worth the medium alert.
    ("No MFA Login - New User", "mocked lookup"),
    // Panther flags every AddPermission; these records name no principal, so
    // nothing shows the function was opened to anyone outside.
    ("Lambda Add Permission Event", "no principal in the record"),
    (
        "Lambda Add Permission Event v2",
        "no principal in the record",
    ),
    // Layers appear only in responseElements (the function's state after any
    // change); the request did not set them.
    (
        "IAM User Updates Lambda Configuration with Layers",
        "layers not in the request",
    ),
    (
        "SSO AssumedRole Updates Lambda Configuration with Layers",
        "layers not in the request",
    ),
    (
        "FederatedUser Updates Lambda Configuration with Layers",
        "layers not in the request",
    ),
];

#[test]
fn panther_labelled_tests_agree_where_the_semantics_match() {
    let Some(lines) = load(PANTHER) else {
        return;
    };
    let engine = Engine::new(Config::default());
    let mut wrong = Vec::new();
    let mut checked = 0;
    for l in &lines {
        let Some(&(_, ours)) = PANTHER_SAME.iter().find(|p| l["rule_id"] == p.0) else {
            continue;
        };
        if l["record"].get("eventName").is_none() {
            continue; // lower-case keys: not real CloudTrail
        }
        let name = l["test_name"].as_str().unwrap_or("");
        let fired = run(&engine, &l["record"]).iter().any(|f| f.rule_id == ours);
        let expected = l["expected"].as_bool().unwrap_or(false);
        let disagree = PANTHER_DISAGREE.iter().any(|d| d.0 == name);
        checked += 1;
        if (fired == expected) == disagree {
            wrong.push(format!("{} / {name}: expected {expected} (disagreement listed: {disagree}), {ours} fired: {fired}", l["rule_id"]));
        }
    }
    assert!(checked >= 30, "only {checked} Panther tests checked");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Odd shapes never panic and never fire: every event name any of our rules
/// reads, with request, response and additional data of every JSON type.
#[test]
fn odd_shapes_are_tolerated() {
    let engine = Engine::new(Config::default());
    let names: Vec<&str> = crate::rules::catalog()
        .into_iter()
        .filter(|m| OURS.contains(&m.id))
        .flat_map(|m| m.events.iter().copied())
        .collect();
    let shapes = [
        "null",
        "\"x\"",
        "[]",
        "[1,{}]",
        "7",
        "true",
        "{}",
        r#"{"items":"x","layers":{},"principal":["*"]}"#,
    ];
    for name in names {
        for shape in shapes {
            let rec = serde_json::json!({
                "eventName": name, "eventTime": "2026-11-12T03:12:44Z", "eventID": "e",
                "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"},
                "requestParameters": serde_json::from_str::<Value>(shape).expect("shape"),
                "responseElements": serde_json::from_str::<Value>(shape).expect("shape"),
                "additionalEventData": serde_json::from_str::<Value>(shape).expect("shape"),
            });
            for source in [
                "ec2",
                "cloudtrail",
                "guardduty",
                "lambda",
                "signin",
                "sts",
                "rds",
                "organizations",
            ] {
                let mut r = rec.clone();
                r["eventSource"] = Value::String(format!("{source}.amazonaws.com"));
                for f in run(&engine, &r) {
                    let fires_on_name_alone = [
                        "DeleteTrail",
                        "StopLogging",
                        "DeleteDetector",
                        "DisassociateFromAdministratorAccount",
                        "DisassociateFromMasterAccount",
                        "StopMonitoringMembers",
                        "DeleteMembers",
                        "DisassociateMembers",
                        "StopConfigurationRecorder",
                        "DeleteConfigurationRecorder",
                        "DeleteDeliveryChannel",
                        "DisableSecurityHub",
                        "BatchDisableStandards",
                        "DisableImportFindingsForProduct",
                        "LeaveOrganization",
                        "RemoveAccountFromOrganization",
                        "DeleteEventDataStore",
                        "StopEventDataStoreIngestion",
                        "GetFederationToken",
                        "DeleteFlowLogs",
                        "DeleteResolverQueryLogConfig",
                        "DisassociateResolverQueryLogConfig",
                        "UpdateIPSet",
                    ];
                    assert!(
                        fires_on_name_alone.contains(&name),
                        "{name} {source} {shape}: {} fired: {}",
                        f.rule_id,
                        f.summary
                    );
                }
            }
        }
    }
}
