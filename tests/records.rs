//! Realistic CloudTrail records for the suites, shaped like real ones (see
//! `/work/shared/corpus`): account 111122223333, addresses from 198.51.100.0/24
//! and 203.0.113.0/24, unique uuid-like event ids.
//!
//! Two rules that exist from the first day carry the format, bad-input and
//! output suites: `root-activity` (any root call) and
//! `iam-user-created-outside-window` (any `CreateUser` without a change window).

use super::ACCOUNT;
use serde_json::{json, Value};

/// A uuid-like event id, unique per `n` and `tag` (a short hex string).
pub fn event_id(tag: u32, n: u32) -> String {
    format!("{tag:08x}-0000-4000-8000-{n:012x}")
}

/// `2026-11-DDTHH:MM:SSZ` from a day of November 2026 and seconds into that day.
pub fn nov(day: u32, secs: u32) -> String {
    format!(
        "2026-11-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn base(id: &str, time: &str, source: &str, name: &str, identity: Value) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
        "requestParameters": null,
        "responseElements": null,
        "requestID": format!("req-{id}"),
        "eventID": id,
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    })
}

/// `userIdentity` of IAM user `name` calling with a long-term key.
pub fn iam_user(name: &str) -> Value {
    json!({
        "type": "IAMUser",
        "principalId": format!("AIDAE2E{}", name.to_ascii_uppercase()),
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
        "accountId": ACCOUNT,
        "accessKeyId": format!("AKIAE2E{}", name.to_ascii_uppercase()),
        "userName": name,
    })
}

/// `userIdentity` of a session of role `role` named `session`.
pub fn assumed_role(role: &str, session: &str) -> Value {
    json!({
        "type": "AssumedRole",
        "principalId": format!("AROAE2E{}:{session}", role.to_ascii_uppercase()),
        "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAE2EEXAMPLE000001",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": format!("AROAE2E{}", role.to_ascii_uppercase()),
                "arn": format!("arn:aws:iam::{ACCOUNT}:role/{role}"),
                "accountId": ACCOUNT,
                "userName": role,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": "2026-11-09T15:00:00Z", "mfaAuthenticated": "false"},
        },
    })
}

/// A successful root console sign-in without MFA: raises `root-activity` (critical).
pub fn root_login(id: &str, time: &str) -> Value {
    let mut r = base(
        id,
        time,
        "signin.amazonaws.com",
        "ConsoleLogin",
        json!({"type": "Root", "principalId": ACCOUNT, "arn": format!("arn:aws:iam::{ACCOUNT}:root"), "accountId": ACCOUNT, "accessKeyId": ""}),
    );
    r["eventVersion"] = json!("1.08");
    r["eventType"] = json!("AwsConsoleSignIn");
    r["sourceIPAddress"] = json!("203.0.113.50");
    r["userAgent"] =
        json!("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
    r["responseElements"] = json!({"ConsoleLogin": "Success"});
    r["additionalEventData"] = json!({"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"});
    r.as_object_mut().map(|o| o.remove("requestID"));
    r
}

/// `CreateUser` of `new_user` by `identity`: raises `iam-user-created-outside-window`
/// (medium) without a change window.
pub fn create_user(id: &str, time: &str, identity: Value, new_user: &str) -> Value {
    let mut r = base(id, time, "iam.amazonaws.com", "CreateUser", identity);
    r["requestParameters"] = json!({"userName": new_user});
    r["responseElements"] = json!({"user": {
        "path": "/", "userName": new_user, "userId": "AIDAE2ENEWUSER000001",
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/{new_user}"), "createDate": "Nov 9, 2026 3:12:44 PM"}});
    r
}

/// A read-only `DescribeInstances` by IAM user `alice`: raises nothing.
pub fn describe_instances(id: &str, time: &str) -> Value {
    let mut r = base(
        id,
        time,
        "ec2.amazonaws.com",
        "DescribeInstances",
        iam_user("alice"),
    );
    r["requestParameters"] = json!({"instancesSet": {}, "filterSet": {}});
    r["readOnly"] = json!(true);
    r
}

/// Six records for output checks (event ids `event_id(tag, 1..=6)`): root sign-in, a user creating a user, a role session creating a user, a
/// session whose role must be derived from its ARN, and a read-only call.
pub fn mixed(tag: u32) -> Vec<Value> {
    let mut derived = assumed_role("ops", "jane@example.com");
    derived.as_object_mut().map(|o| o.remove("sessionContext"));
    let mut root_no_arn = root_login(&event_id(tag, 6), &nov(12, 5 * 3600));
    root_no_arn["userIdentity"] =
        json!({"type": "Root", "principalId": ACCOUNT, "accountId": ACCOUNT});
    vec![
        root_login(&event_id(tag, 1), &nov(12, 3 * 3600 + 12 * 60 + 44)),
        create_user(
            &event_id(tag, 2),
            &nov(9, 15 * 3600),
            iam_user("alice"),
            "backup1",
        ),
        create_user(
            &event_id(tag, 3),
            &nov(9, 16 * 3600),
            assumed_role("deploy", "ci-4242"),
            "svc-batch",
        ),
        create_user(&event_id(tag, 4), &nov(9, 17 * 3600), derived, "helper"),
        describe_instances(&event_id(tag, 5), &nov(9, 18 * 3600)),
        root_no_arn,
    ]
}
