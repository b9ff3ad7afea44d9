//! Edge cases of `corr-login-then-takeover` the fixtures do not cover.

use super::*;
use crate::record::input::read_bytes;
use crate::rules::correlation::tests::{findings, iam_user, record};
use serde_json::{json, Value};

const ID: &str = "corr-login-then-takeover";

fn login(n: u32, t: &str, who: &Value, ip: &str, mfa: &str) -> String {
    record(
        n,
        t,
        "signin.amazonaws.com",
        "ConsoleLogin",
        who,
        json!({"sourceIPAddress": ip,
        "eventType": "AwsConsoleSignIn", "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": mfa}}),
    )
}

fn call(n: u32, t: &str, who: &Value, ip: &str, name: &str, read_only: bool) -> String {
    record(
        n,
        t,
        "iam.amazonaws.com",
        name,
        who,
        json!({"sourceIPAddress": ip, "readOnly": read_only,
        "requestParameters": {"userName": "x"}}),
    )
}

fn federated(session: &str) -> Value {
    json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::111122223333:assumed-role/okta-admin/{session}"),
        "accountId": "111122223333", "sessionContext": {"sessionIssuer": {"type": "Role",
        "arn": "arn:aws:iam::111122223333:role/okta-admin", "accountId": "111122223333"}}})
}

#[test]
fn writes_after_the_window_do_not_count() {
    let u = iam_user("alice");
    let lines = vec![
        login(1, "2026-11-17T09:00:00Z", &u, "203.0.113.10", "No"),
        call(
            2,
            "2026-11-17T10:30:00Z",
            &u,
            "203.0.113.10",
            "CreateAccessKey",
            false,
        ),
    ];
    assert!(findings(ID, &lines).is_empty());
    let soon = vec![
        lines[0].clone(),
        call(
            2,
            "2026-11-17T09:59:00Z",
            &u,
            "203.0.113.10",
            "CreateAccessKey",
            false,
        ),
    ];
    assert_eq!(findings(ID, &soon).len(), 1);
}

#[test]
fn federated_sessions_are_judged_by_address_only() {
    let (jane, joe) = (federated("jane@example.com"), federated("joe@example.com"));
    let earlier = login(1, "2026-11-10T09:00:00Z", &jane, "198.51.100.5", "No");
    let usual = vec![
        earlier.clone(),
        login(2, "2026-11-17T09:00:00Z", &jane, "198.51.100.5", "No"),
        call(
            3,
            "2026-11-17T09:05:00Z",
            &jane,
            "198.51.100.5",
            "CreateUser",
            false,
        ),
    ];
    assert!(
        findings(ID, &usual).is_empty(),
        "MFAUsed is always No for federated sign-ins"
    );
    let new = vec![
        earlier.clone(),
        login(2, "2026-11-17T09:00:00Z", &jane, "203.0.113.9", "No"),
        call(
            3,
            "2026-11-17T09:05:00Z",
            &jane,
            "203.0.113.9",
            "CreateUser",
            false,
        ),
    ];
    assert_eq!(findings(ID, &new).len(), 1);
    let other_person = vec![
        earlier,
        login(2, "2026-11-17T09:00:00Z", &joe, "203.0.113.9", "No"),
        call(
            3,
            "2026-11-17T09:05:00Z",
            &joe,
            "203.0.113.9",
            "CreateUser",
            false,
        ),
    ];
    assert!(
        findings(ID, &other_person).is_empty(),
        "joe's first sight, not jane's new address"
    );
}

#[test]
fn addresses_last_seen_long_ago_are_not_known() {
    let u = iam_user("bob");
    let lines = vec![
        call(
            1,
            "2026-10-01T09:00:00Z",
            &u,
            "198.51.100.14",
            "GetUser",
            true,
        ),
        call(
            2,
            "2026-11-15T09:00:00Z",
            &u,
            "198.51.100.20",
            "GetUser",
            true,
        ),
        login(3, "2026-11-17T09:00:00Z", &u, "198.51.100.14", "Yes"),
        call(
            4,
            "2026-11-17T09:03:00Z",
            &u,
            "198.51.100.14",
            "CreateUser",
            false,
        ),
    ];
    let f = findings(ID, &lines);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].summary.contains("from 198.51.100.14, an address"),
        "{}",
        f[0].summary
    );
    let mut recent = lines.clone();
    recent[0] = call(
        1,
        "2026-11-01T09:00:00Z",
        &u,
        "198.51.100.14",
        "GetUser",
        true,
    );
    assert!(findings(ID, &recent).is_empty());
}

#[test]
fn self_service_after_first_sign_in_is_not_takeover() {
    let u = iam_user("carol");
    let lines = vec![
        login(1, "2026-11-17T09:00:00Z", &u, "203.0.113.12", "No"),
        call(
            2,
            "2026-11-17T09:01:00Z",
            &u,
            "203.0.113.12",
            "ChangePassword",
            false,
        ),
        call(
            3,
            "2026-11-17T09:02:00Z",
            &u,
            "203.0.113.12",
            "CreateVirtualMFADevice",
            false,
        ),
        call(
            4,
            "2026-11-17T09:02:30Z",
            &u,
            "203.0.113.12",
            "EnableMFADevice",
            false,
        ),
    ];
    assert!(findings(ID, &lines).is_empty());
}

#[test]
fn automation_records_cost_nothing() {
    let role = json!({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app/i-0abc",
        "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::111122223333:role/app"}}});
    let cfg = Config::default();
    for (source, name, read_only, ip) in [
        ("s3.amazonaws.com", "GetObject", true, "198.51.100.3"),
        ("ec2.amazonaws.com", "RunInstances", false, "198.51.100.3"),
    ] {
        let line = record(
            1,
            "2026-11-17T09:00:00Z",
            source,
            name,
            &role,
            json!({"readOnly": read_only, "sourceIPAddress": ip}),
        );
        let mut out = Vec::new();
        read_bytes("t", line.as_bytes(), &mut |rec, t, _| {
            Rule.facts(&Event::new(rec, t), &cfg, &mut out)
        });
        assert!(out.is_empty(), "{name}: {out:?}");
    }
    let svc = record(
        1,
        "2026-11-17T09:00:00Z",
        "s3.amazonaws.com",
        "GetObject",
        &iam_user("u"),
        json!({"sourceIPAddress": "AWS Internal"}),
    );
    let mut out = Vec::new();
    read_bytes("t", svc.as_bytes(), &mut |rec, t, _| {
        Rule.facts(&Event::new(rec, t), &cfg, &mut out)
    });
    assert!(out.is_empty(), "no address, no history: {out:?}");
}
