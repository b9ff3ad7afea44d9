//! Tests of `secrets-harvesting` against the real Stratus Red Team detonations
//! and synthetic edge cases, in any arrival order. The helpers are shared with
//! the EC2 remote-access rules' tests.

use crate::config::Config;
use crate::engine::{Engine, MemoryStore};
use crate::finding::{Finding, Severity};
use crate::record::input::read_bytes;
use serde_json::{json, Value};

/// Stratus techniques this rule catches: (technique, severity, distinct items read).
const CAUGHT: &[(&str, Severity, usize)] = &[
    (
        "aws.credential-access.secretsmanager-retrieve-secrets",
        Severity::High,
        20,
    ),
    (
        "aws.credential-access.secretsmanager-batch-retrieve-secrets",
        Severity::High,
        1,
    ),
    (
        "aws.credential-access.ssm-retrieve-securestring-parameters",
        Severity::High,
        42,
    ),
    (
        "aws.credential-access.ec2-get-password-data",
        Severity::Medium,
        30,
    ),
];

const ID: &str = "secrets-harvesting";

/// The in-repository copy of the Stratus corpus: (technique, record) per line.
pub(crate) fn stratus() -> Vec<(String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/corpus/stratus_detonation_logs.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("corpus line");
            (
                v["technique_id"].as_str().unwrap_or_default().to_owned(),
                v["record"].to_string(),
            )
        })
        .collect()
}

/// The records of one technique, in file order.
pub(crate) fn technique(corpus: &[(String, String)], id: &str) -> Vec<String> {
    let v: Vec<String> = corpus
        .iter()
        .filter(|(t, _)| t == id)
        .map(|(_, r)| r.clone())
        .collect();
    assert!(!v.is_empty(), "{id} missing from the corpus");
    v
}

/// Evaluates records one at a time, in the given order, with one store.
pub(crate) fn run(engine: &Engine, lines: &[String]) -> Vec<Finding> {
    let mut store = MemoryStore::new();
    let mut out = Vec::new();
    for line in lines {
        let rep = read_bytes("test", line.as_bytes(), &mut |rec, t, _| {
            out.extend(engine.evaluate(rec, t, &mut store).expect("memory store"));
        });
        assert!(rep.issues.is_empty(), "{:?}", rep.issue_lines());
    }
    out
}

/// Findings of `rule` with the default configuration.
pub(crate) fn findings(rule: &str, lines: &[String]) -> Vec<Finding> {
    let all = run(&Engine::new(Config::default()), lines);
    all.into_iter().filter(|f| f.rule_id == rule).collect()
}

/// Arrival orders: as is, reversed, rotated, shuffled, doubled, redelivered.
pub(crate) fn orders(lines: &[String]) -> Vec<(String, Vec<String>)> {
    let mut v = vec![("forward".to_owned(), lines.to_vec())];
    v.push(("reversed".to_owned(), lines.iter().rev().cloned().collect()));
    for seed in 1..=4u64 {
        let mut r = lines.to_vec();
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for i in (1..r.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            r.swap(i, (x % (i as u64 + 1)) as usize);
        }
        v.push((format!("shuffle {seed}"), r));
    }
    v.push((
        "each twice".to_owned(),
        lines.iter().flat_map(|l| [l.clone(), l.clone()]).collect(),
    ));
    let mut again = lines.to_vec();
    again.extend(lines.iter().rev().cloned());
    v.push(("redelivered in reverse".to_owned(), again));
    v
}

/// A CloudTrail record by `who` (an IAM user name, or `role/NAME/SESSION`).
pub(crate) fn record(
    n: u32,
    second: u32,
    source: &str,
    name: &str,
    who: &str,
    extra: Value,
) -> String {
    let identity = match who.strip_prefix("role/") {
        Some(rest) => {
            let (role, session) = rest.split_once('/').unwrap_or((rest, "s"));
            json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::111122223333:assumed-role/{role}/{session}"),
                   "accountId": "111122223333", "accessKeyId": format!("ASIA{session}"),
                   "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::111122223333:role/{role}")}}})
        }
        None => json!({"type": "IAMUser", "arn": format!("arn:aws:iam::111122223333:user/{who}"),
                       "accountId": "111122223333", "accessKeyId": "AKIAEXAMPLE", "userName": who}),
    };
    let mut r = json!({
        "eventVersion": "1.09", "userIdentity": identity,
        "eventTime": format!("2026-11-16T{:02}:{:02}:{:02}Z", 3 + second / 3600, second / 60 % 60, second % 60),
        "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.50", "userAgent": "aws-cli/2.15.30",
        "eventID": format!("00000000-0000-4000-8000-{n:012}"), "readOnly": true,
        "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "111122223333",
    });
    if let (Some(o), Value::Object(e)) = (r.as_object_mut(), extra) {
        o.extend(e);
    }
    r.to_string()
}

fn secret(n: u32, second: u32, who: &str, id: &str) -> String {
    record(
        n,
        second,
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        who,
        json!({"requestParameters": {"secretId": id}}),
    )
}

#[test]
fn stratus_credential_access_techniques_fire_once_in_any_order() {
    let corpus = stratus();
    for &(id, severity, resources) in CAUGHT {
        for (how, lines) in orders(&technique(&corpus, id)) {
            let f = findings(ID, &lines);
            assert_eq!(f.len(), 1, "{id} {how}: {f:?}");
            assert_eq!(f[0].severity, severity, "{id} {how}: {}", f[0].summary);
            // The finding lists the burst as it stood when it first reached the threshold.
            let n = f[0].resources.len();
            assert!(n <= resources && n >= resources.min(15), "{id} {how}: {n}");
            assert!(
                f[0].actor.arn.is_some() && !f[0].event_ids.is_empty(),
                "{id} {how}"
            );
            assert!(
                f[0].timeline.windows(2).all(|w| w[0].time <= w[1].time),
                "{id} {how}"
            );
        }
    }
}

#[test]
fn stratus_other_techniques_stay_quiet_and_the_stream_fires_four_times() {
    let corpus = stratus();
    let mut ids: Vec<&str> = corpus.iter().map(|(t, _)| t.as_str()).collect();
    ids.dedup();
    for id in ids
        .into_iter()
        .filter(|id| !CAUGHT.iter().any(|c| c.0 == *id))
    {
        let f = findings(ID, &technique(&corpus, id));
        assert!(f.is_empty(), "{id}: {f:?}");
    }
    let all: Vec<String> = corpus.iter().map(|(_, r)| r.clone()).collect();
    let f = findings(ID, &all);
    for x in &f {
        println!("{} {}: {}", x.rule_id, x.severity, x.summary);
    }
    assert_eq!(f.len(), 4);
}

#[test]
fn one_secret_reread_all_day_never_fires() {
    let forms = [
        "prod/db",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-Ab12Cd",
    ];
    let lines: Vec<String> = (0..300)
        .map(|i| secret(i, i * 10, "role/orders-api/task-1", forms[i as usize % 2]))
        .collect();
    assert!(findings(ID, &lines).is_empty());
}

#[test]
fn fourteen_distinct_stay_quiet_and_fifteen_fire_high() {
    let lines = |n: u32| -> Vec<String> {
        (0..n)
            .map(|i| secret(i, i * 30, "mallory", &format!("app/s{i}")))
            .collect()
    };
    assert!(findings(ID, &lines(14)).is_empty());
    let f = findings(ID, &lines(15));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::High);
    assert!(
        f[0].summary.contains("15 Secrets Manager secrets"),
        "{}",
        f[0].summary
    );
    // The same fifteen spread over an hour: never fifteen within ten minutes.
    let slow: Vec<String> = (0..15)
        .map(|i| secret(i, i * 240, "mallory", &format!("app/s{i}")))
        .collect();
    assert!(findings(ID, &slow).is_empty());
}

#[test]
fn reads_an_aws_service_makes_for_the_actor_do_not_count() {
    let via = |extra: Value| -> Vec<String> {
        (0..20)
            .map(|i| {
                let mut e = json!({"requestParameters": {"secretId": format!("app/s{i}")}});
                if let (Some(o), Value::Object(x)) = (e.as_object_mut(), extra.clone()) {
                    o.extend(x);
                }
                record(
                    i,
                    i,
                    "secretsmanager.amazonaws.com",
                    "GetSecretValue",
                    "role/deploy/cfn",
                    e,
                )
            })
            .collect()
    };
    let cfn = json!({"sourceIPAddress": "cloudformation.amazonaws.com"});
    assert!(findings(ID, &via(cfn)).is_empty());
    assert!(findings(ID, &via(json!({}))).len() == 1);
}

#[test]
fn denied_attempts_fire_medium_and_reads_win_high() {
    let denied = json!({"errorCode": "AccessDeniedException", "errorMessage": "not authorized"});
    let mut lines: Vec<String> = (0..15)
        .map(|i| {
            let mut e = json!({"requestParameters": {"secretId": format!("app/s{i}")}});
            if let (Some(o), Some(d)) = (e.as_object_mut(), denied.as_object()) {
                o.extend(d.clone());
            }
            record(
                i,
                i,
                "secretsmanager.amazonaws.com",
                "GetSecretValue",
                "mallory",
                e,
            )
        })
        .collect();
    let f = findings(ID, &lines);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Medium, "{}", f[0].summary);
    assert!(f[0].summary.contains("15 calls denied"), "{}", f[0].summary);
    let reads: Vec<String> = (20..40)
        .map(|i| secret(i, i, "mallory", &format!("app/s{i}")))
        .collect();
    lines.splice(0..0, reads);
    let f = findings(ID, &lines);
    assert_eq!((f.len(), f[0].severity), (1, Severity::High));
}

#[test]
fn mixed_stores_add_up() {
    let mut lines: Vec<String> = (0..5)
        .map(|i| secret(i, i, "mallory", &format!("app/s{i}")))
        .collect();
    let names: Vec<String> = (0..5).map(|i| format!("/app/p{i}")).collect();
    let req = json!({"requestParameters": {"names": names, "withDecryption": true}});
    lines.push(record(
        10,
        10,
        "ssm.amazonaws.com",
        "GetParameters",
        "mallory",
        req,
    ));
    for i in 0..5 {
        let req = json!({"requestParameters": {"instanceId": format!("i-0abc{i}")}});
        lines.push(record(
            20 + i,
            20 + i,
            "ec2.amazonaws.com",
            "GetPasswordData",
            "mallory",
            req,
        ));
    }
    let f = findings(ID, &lines);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].summary.contains(
            "5 Secrets Manager secrets, 5 SSM SecureString parameters and 5 EC2 instance passwords"
        ),
        "{}",
        f[0].summary
    );
}

fn page(n: u32, second: u32, who: &str, values: &[&str]) -> String {
    let req = json!({"requestParameters": {"filters": [{"key": "tag-key", "values": values}]}});
    record(
        n,
        second,
        "secretsmanager.amazonaws.com",
        "BatchGetSecretValue",
        who,
        req,
    )
}

#[test]
fn filtered_pages_count_per_session_and_catch_alls_fire_alone() {
    let tasks: Vec<String> = (0..5)
        .map(|i| page(i, i, &format!("role/orders-api/task-{i}"), &["orders"]))
        .collect();
    assert!(findings(ID, &tasks).is_empty(), "one page per task");
    let spaced: Vec<String> = (0..5)
        .map(|i| page(i, i * 120, "role/orders-api/task-1", &["orders"]))
        .collect();
    assert!(
        findings(ID, &spaced).is_empty(),
        "a page every two minutes is not a listing"
    );
    let listing: Vec<String> = (0..3).map(|i| page(i, i, "mallory", &["orders"])).collect();
    for (how, lines) in orders(&listing) {
        assert_eq!(findings(ID, &lines).len(), 1, "{how}");
    }
    assert_eq!(
        findings(ID, &[page(1, 1, "mallory", &["!nothing"])]).len(),
        1
    );
    assert!(findings(ID, &[page(1, 1, "mallory", &["!nothing", "orders"])]).is_empty());
    let denied = record(
        1,
        1,
        "secretsmanager.amazonaws.com",
        "BatchGetSecretValue",
        "mallory",
        json!({"errorCode": "AccessDeniedException", "requestParameters": {"filters": [{"key": "tag-key", "values": ["!x"]}]}}),
    );
    assert!(findings(ID, &[denied]).is_empty());
}

#[test]
fn parameters_count_only_with_decryption() {
    let call = |n: u32, from: u32, decrypt: bool| {
        let names: Vec<String> = (from..from + 10).map(|i| format!("/app/p{i}")).collect();
        let req = json!({"requestParameters": {"names": names, "withDecryption": decrypt}});
        record(
            n,
            n,
            "ssm.amazonaws.com",
            "GetParameters",
            "role/app/x",
            req,
        )
    };
    assert!(findings(ID, &[call(1, 0, false), call(2, 10, false)]).is_empty());
    assert!(
        findings(ID, &[call(1, 0, true), call(2, 0, true)]).is_empty(),
        "the same ten twice"
    );
    assert_eq!(
        findings(ID, &[call(1, 0, true), call(2, 10, true)]).len(),
        1
    );
    let root =
        json!({"requestParameters": {"path": "/", "recursive": true, "withDecryption": true}});
    let f = findings(
        ID,
        &[record(
            1,
            1,
            "ssm.amazonaws.com",
            "GetParametersByPath",
            "mallory",
            root,
        )],
    );
    assert_eq!(f.len(), 1);
    assert!(
        f[0].summary.contains("every SSM SecureString parameter"),
        "{}",
        f[0].summary
    );
}

#[test]
fn a_long_harvest_fires_once_per_window_at_most() {
    // 60 secrets, one every 20 seconds, over 20 minutes.
    let lines: Vec<String> = (0..60)
        .map(|i| secret(i, i * 20, "mallory", &format!("app/s{i}")))
        .collect();
    for (how, lines) in orders(&lines) {
        let n = findings(ID, &lines).len();
        assert!((1..=2).contains(&n), "{how}: {n}");
    }
}

/// The records of a fixture file, one JSON document per entry.
fn fixture(rule: &str, file: &str) -> Vec<String> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/rules")
        .join(rule)
        .join(file);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    if file.ends_with(".json") {
        let v: Value = serde_json::from_str(&text).expect("fixture");
        return vec![v.to_string()];
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn correlation_fixtures_behave_in_any_order() {
    let mut failures = Vec::new();
    for rule in ["secrets-harvesting", "ec2-ssh-key-pushed-to-many"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/rules")
            .join(rule);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("fixture dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json") || n.ends_with(".jsonl"))
            .collect();
        files.sort();
        for file in files {
            let want = usize::from(file.starts_with("positive"));
            for (how, lines) in orders(&fixture(rule, &file)) {
                let f = findings(rule, &lines);
                if f.len() != want {
                    failures.push(format!(
                        "{rule}/{file} {how}: {:?}",
                        f.iter().map(|f| &f.summary).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_secrets_harvesting_threshold_comes_from_the_config() {
    let cfg =
        crate::Config::parse("[thresholds]\nsecrets_harvesting = { count = 4, window = \"2m\" }")
            .expect("config");
    let engine = Engine::new(cfg);
    let four: Vec<String> = (0..4)
        .map(|i| secret(i, i * 20, "mallory", &format!("app/s{i}")))
        .collect();
    let hits = |lines: &[String]| {
        run(&engine, lines)
            .into_iter()
            .filter(|f| f.rule_id == ID)
            .count()
    };
    assert_eq!(hits(&four), 1);
    // Four spread over four minutes never fall within the two-minute window.
    let slow: Vec<String> = (0..4)
        .map(|i| secret(i, i * 80, "mallory", &format!("app/s{i}")))
        .collect();
    assert_eq!(hits(&slow), 0);
}
