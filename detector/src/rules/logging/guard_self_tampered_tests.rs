//! Tests of the self-protection rule: name and ARN matching, globs by
//! service, refused attempts, trusted automation.

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

#[test]
fn trusted_automation_outside_its_window_is_alerted_not_quarantined() {
    let toml = r#"
        [principals]
        trusted_automation = ["arn:aws:iam::111122223333:role/deploy"]
        [guard]
        self = ["trailguard"]
    "#;
    let c = Config::parse(toml).unwrap();
    let line = |arn: &str| {
        format!(
            r#"{{"eventSource":"lambda.amazonaws.com","eventName":"UpdateFunctionCode20150331v2",
            "awsRegion":"us-east-1","recipientAccountId":"111122223333","eventID":"e1",
            "eventTime":"2026-11-15T02:00:00Z","userIdentity":{{"type":"IAMUser","arn":"{arn}"}},
            "requestParameters":{{"functionName":"trailguard"}}}}"#
        )
    };
    let run = |arn: &str| {
        let text = line(arn);
        let rec: Record = serde_json::from_str(&text).unwrap();
        let ev = Event::new(&rec, 1_763_172_000);
        let mut out = Vec::new();
        Rule.evaluate(&ev, &c, &mut out);
        out.into_iter().map(|f| f.response).collect::<Vec<_>>()
    };
    assert_eq!(
        run("arn:aws:iam::111122223333:role/deploy"),
        vec![Response::Alert]
    );
    assert_eq!(
        run("arn:aws:iam::111122223333:user/eve"),
        vec![Response::Quarantine]
    );
    // Refused by the SCP: a high alert, whoever tried.
    let text = line("arn:aws:iam::111122223333:user/eve")
        .replace("\"eventID\"", "\"errorCode\":\"AccessDenied\",\"eventID\"");
    let rec: Record = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    Rule.evaluate(&Event::new(&rec, 1_763_172_000), &c, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].severity, out[0].response),
        (Severity::High, Response::Alert)
    );
    assert!(
        out[0].summary.contains("refused (AccessDenied)"),
        "{}",
        out[0].summary
    );
}

/// The Terraform module's `self_resources`: ARNs with globs, matched
/// only against resources of the same service.
#[test]
fn terraform_globs_match_by_service() {
    let c = cfg(&[
        "arn:aws:lambda:us-east-1:111122223333:function:trailguard",
        "arn:aws:iam::111122223333:role/trailguard-forward-*",
        "arn:aws:events:*:111122223333:rule/trailguard-*",
        "arn:aws:sqs:*:111122223333:trailguard-*",
        "arn:aws:ssm:us-east-1:111122223333:parameter/trailguard/config",
        "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-0000-4000-8000-000000000001",
    ]);
    let hit = |source: &str, name: &str, region: &str, req: &str| {
        let line = format!(
            r#"{{"eventSource":"{source}","eventName":"{name}","awsRegion":"{region}",
            "recipientAccountId":"111122223333","eventID":"e1","eventTime":"2026-11-15T02:00:00Z",
            "userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/eve"}},
            "requestParameters":{req}}}"#
        );
        let rec: Record = serde_json::from_str(&line).unwrap();
        subjects(&rec)
            .iter()
            .find_map(|s| c.guard_self_match(s).map(str::to_owned))
    };
    let (ev, iam, sqs, ssm) = (
        "events.amazonaws.com",
        "iam.amazonaws.com",
        "sqs.amazonaws.com",
        "ssm.amazonaws.com",
    );
    let (lambda, code) = ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2");
    let queue = "https://sqs.eu-west-1.amazonaws.com/111122223333/trailguard-events";
    let cases: &[(&str, &str, &str, String, bool)] = &[
        (
            ev,
            "DisableRule",
            "eu-west-1",
            r#"{"name":"trailguard-forward"}"#.into(),
            true,
        ),
        (
            ev,
            "RemoveTargets",
            "us-east-1",
            r#"{"rule":"trailguard-iam"}"#.into(),
            true,
        ),
        // Another event bus: not the module's rules.
        (
            ev,
            "DisableRule",
            "us-east-1",
            r#"{"name":"trailguard-x","eventBusName":"audit"}"#.into(),
            false,
        ),
        (
            iam,
            "PutRolePolicy",
            "us-east-1",
            r#"{"roleName":"trailguard-forward-eu-west-1"}"#.into(),
            true,
        ),
        // A role that merely shares the prefix of the queues' glob.
        (
            iam,
            "PutRolePolicy",
            "us-east-1",
            r#"{"roleName":"trailguard-admin"}"#.into(),
            false,
        ),
        (
            sqs,
            "PurgeQueue",
            "eu-west-1",
            format!(r#"{{"queueUrl":"{queue}"}}"#),
            true,
        ),
        (
            sqs,
            "PurgeQueue",
            "eu-west-1",
            format!(
                r#"{{"queueUrl":"{}"}}"#,
                queue.replace("111122223333", "444455556666")
            ),
            false,
        ),
        (
            ssm,
            "PutParameter",
            "us-east-1",
            r#"{"name":"/trailguard/config"}"#.into(),
            true,
        ),
        (
            ssm,
            "PutParameter",
            "us-east-1",
            r#"{"name":"/app/config"}"#.into(),
            false,
        ),
        (
            ssm,
            "DeleteParameters",
            "us-east-1",
            r#"{"names":["/app/config","/trailguard/config"]}"#.into(),
            true,
        ),
        (
            "kms.amazonaws.com",
            "DisableKey",
            "us-east-1",
            r#"{"keyId":"0a1b2c3d-0000-4000-8000-000000000001"}"#.into(),
            true,
        ),
        (
            lambda,
            code,
            "us-east-1",
            r#"{"functionName":"trailguard"}"#.into(),
            true,
        ),
        // The same name in another region is another function.
        (
            lambda,
            code,
            "eu-west-1",
            r#"{"functionName":"trailguard"}"#.into(),
            false,
        ),
        (
            lambda,
            "AddPermission20150331v2",
            "us-east-1",
            r#"{"functionName":"arn:aws:lambda:us-east-1:111122223333:function:trailguard:live"}"#
                .into(),
            true,
        ),
    ];
    for (source, name, region, req, want) in cases {
        assert_eq!(
            hit(source, name, region, req).is_some(),
            *want,
            "{name} {req} in {region}"
        );
    }
}
