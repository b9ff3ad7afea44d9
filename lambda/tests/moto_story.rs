//! End to end against moto_server, in process: the real backend (DynamoDB,
//! SNS, IAM) behind the handler. The backdoor-admin story arrives as three
//! separate EventBridge invocations (in order and out of order): one
//! backdoor alert reaches an SQS queue subscribed to the topic, the actor
//! is quarantined in guard mode (not in detect mode), and a redelivery
//! changes nothing. Every AWS call made is checked against
//! `lambda/aws-actions.txt` (what the Terraform role allows).

mod common;

use aws_sdk_iam::Client as Iam;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use trailguard_lambda::aws_backend::{self, AwsBackend};
use trailguard_lambda::settings::{ConfigSource, DeadLetters, Mode, Settings};
use trailguard_lambda::Handler;

async fn handler(w: &World, mode: Mode, table_name: &str) -> Handler<AwsBackend> {
    table(w, table_name).await;
    let settings = Settings {
        mode,
        config: ConfigSource::Inline("[guard]\nself = [\"trailguard\"]\n".into()),
        table: table_name.into(),
        topic_arn: w.topic.clone(),
        self_names: vec!["trailguard-state".into()],
        dead_letters: None,
    };
    aws_backend::handler(&settings, Some(&w.moto.endpoint))
        .await
        .unwrap()
}

fn ops(h: &Handler<AwsBackend>) -> BTreeSet<String> {
    h.backend.aws.calls().by_operation.keys().cloned().collect()
}

fn writes(h: &Handler<AwsBackend>) -> u64 {
    let c = h.backend.aws.calls();
    [
        "IAM:PutUserPolicy",
        "IAM:UpdateAccessKey",
        "IAM:TagUser",
        "SNS:Publish",
    ]
    .iter()
    .map(|k| c.by_operation.get(*k).copied().unwrap_or(0))
    .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backdoor_story_against_moto_guard_and_detect() {
    let w = world().await;
    let iam = Iam::new(&w.sdk);
    let mut calls = BTreeSet::new();

    // Guard mode, in order, three invocations.
    seed_users(&iam, "mallory", "backup1").await;
    let guard = handler(&w, Mode::Guard, "trailguard-state").await;
    for ev in story("mallory", "backup1", "aaaa0001-") {
        guard.handle(&ev).await.unwrap();
    }
    let msgs = drain(&w).await;
    assert_eq!(backdoor_messages(&msgs, "mallory"), 1, "{msgs:#?}");
    // A single-event alert of the third invocation shows the actor's
    // earlier calls, made in the other invocations (kept in the table).
    let key_alert = msgs
        .iter()
        .filter_map(|m| m["Message"].as_str())
        .find(|b| b.contains("\"rule_id\": \"iam-access-key-for-other-user\""))
        .unwrap_or_else(|| panic!("no access-key alert: {msgs:#?}"));
    let recent = key_alert
        .split("recent write calls and sign-ins")
        .nth(1)
        .unwrap_or_else(|| panic!("no recent activity: {key_alert}"));
    for call in ["CreateUser backup1", "AttachUserPolicy backup1", "* "] {
        assert!(recent.contains(call), "{call} missing: {key_alert}");
    }
    let subject = msgs
        .iter()
        .find_map(|m| m["Subject"].as_str().filter(|s| s.contains("mallory")));
    assert!(subject.is_some_and(|s| s.len() <= 100), "{subject:?}");
    let (policies, active) = user_state(&iam, "mallory").await;
    assert!(
        !policies.is_empty() && active == 0,
        "mallory not quarantined: {policies:?}, {active} active key(s)"
    );
    let (policies, active) = user_state(&iam, "backup1").await;
    assert!(
        !policies.is_empty() && active == 0,
        "backup1 not quarantined: {policies:?}, {active}"
    );

    // Redelivery: no alert, no change.
    let before = writes(&guard);
    for ev in story("mallory", "backup1", "aaaa0001-") {
        let r = guard.handle(&ev).await.unwrap();
        assert_eq!(r["alerts"], 0, "{r}");
    }
    assert_eq!(writes(&guard), before, "a redelivery wrote something");
    assert!(drain(&w).await.is_empty());

    // Out of order: key, then create, then admin.
    seed_users(&iam, "eve", "support2").await;
    let s = story("eve", "support2", "bbbb0002-");
    for i in [2, 0, 1] {
        guard.handle(&s[i]).await.unwrap();
    }
    let msgs = drain(&w).await;
    assert_eq!(backdoor_messages(&msgs, "eve"), 1, "{msgs:#?}");
    assert_eq!(user_state(&iam, "eve").await.1, 0);
    calls.extend(ops(&guard));

    // Detect mode: alerts, quarantines nothing.
    seed_users(&iam, "trent", "backup3").await;
    let detect = handler(&w, Mode::Detect, "trailguard-state-detect").await;
    for ev in story("trent", "backup3", "cccc0003-") {
        detect.handle(&ev).await.unwrap();
    }
    assert_eq!(backdoor_messages(&drain(&w).await, "trent"), 1);
    let (policies, active) = user_state(&iam, "trent").await;
    assert!(
        policies.is_empty() && active == 1,
        "detect mode changed trent: {policies:?}"
    );
    calls.extend(ops(&detect));

    eprintln!("AWS calls made: {calls:?}");
    check_actions(&calls);
}

/// S3 log file and SQS batch shapes against moto, configuration from SSM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_log_file_and_sqs_batch_with_config_from_ssm() {
    let w = world().await;
    let iam = Iam::new(&w.sdk);
    seed_users(&iam, "sam", "backup4").await;
    let ssm = aws_sdk_ssm::Client::new(&w.sdk);
    ssm.put_parameter()
        .name("/trailguard/config")
        .value("[rules.response]\n\"corr-backdoor-admin\" = \"alert\"\n")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    table(&w, "tg-s3").await;
    let sqs = aws_sdk_sqs::Client::new(&w.sdk);
    let dlq = sqs
        .create_queue()
        .queue_name("tg-dead-letters")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let settings = Settings {
        mode: Mode::Guard,
        config: ConfigSource::Ssm("/trailguard/config".into()),
        table: "tg-s3".into(),
        topic_arn: w.topic.clone(),
        self_names: vec![],
        dead_letters: Some(DeadLetters {
            queue_url: dlq.clone(),
            max_receive: 5,
        }),
    };
    let h = aws_backend::handler(&settings, Some(&w.moto.endpoint))
        .await
        .unwrap();

    // The story as one gzipped CloudTrail log file in S3.
    let records: Vec<Value> = story("sam", "backup4", "dddd0004-")
        .into_iter()
        .map(|e| e["detail"].clone())
        .collect();
    let log = serde_json::to_vec(&serde_json::json!({ "Records": records })).unwrap();
    let s3 = w.moto.s3().await;
    s3.create_bucket()
        .bucket("trail-logs")
        .send()
        .await
        .unwrap();
    let key = "AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/12/f.json.gz";
    s3.put_object()
        .bucket("trail-logs")
        .key(key)
        .body(trailguard_e2e::gzip(&log).into())
        .send()
        .await
        .unwrap();
    let notification = serde_json::json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "trail-logs"}, "object": {"key": key}}}]});
    let r = h.handle(&notification).await.unwrap();
    assert_eq!(r["records"], 3, "{r}");
    assert_eq!(backdoor_messages(&drain(&w).await, "sam"), 1);
    // The SSM configuration made the backdoor an alert: nothing quarantined.
    assert_eq!(user_state(&iam, "sam").await.1, 1);

    // The same events through SQS (EventBridge -> SQS), one message that is
    // not JSON: the others are redeliveries (no alert); it goes to the DLQ at
    // once (no retry can read it), with the reason as an attribute.
    let mut msgs: Vec<Value> = story("sam", "backup4", "dddd0004-")
        .iter()
        .enumerate()
        .map(|(i, e)| serde_json::json!({"messageId": format!("m{i}"), "eventSource": "aws:sqs", "body": e.to_string()}))
        .collect();
    msgs.push(
        serde_json::json!({"messageId": "poison", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:tg-events",
        "attributes": {"ApproximateReceiveCount": "1"}, "body": "{"}),
    );
    let r = h
        .handle(&serde_json::json!({ "Records": msgs }))
        .await
        .unwrap();
    assert_eq!(r, serde_json::json!({"batchItemFailures": []}));
    assert!(drain(&w).await.is_empty());
    let got = sqs
        .receive_message()
        .queue_url(&dlq)
        .message_attribute_names("All")
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].body(), Some("{"));
    let attrs = got[0].message_attributes().cloned().unwrap_or_default();
    let attr = |k: &str| attrs.get(k).and_then(|v| v.string_value()).unwrap_or("");
    assert!(attr("trailguard-reason").contains("not JSON"), "{attrs:?}");
    assert_eq!(attr("trailguard-message-id"), "poison");
    assert_eq!(attr("trailguard-receive-count"), "1");
    assert!(attr("trailguard-source-queue").ends_with(":tg-events"));

    let calls: BTreeSet<String> = ops(&h);
    eprintln!("AWS calls made: {calls:?}");
    assert!(
        calls.contains("S3:GetObject")
            && calls.contains("SSM:GetParameter")
            && calls.contains("SQS:SendMessage"),
        "{calls:?}"
    );
    check_actions(&calls);
}

/// The story's three events handled at the same time (three concurrent
/// invocations sharing the table): each actor still gets exactly one
/// backdoor alert (strongly consistent reads after each write, conditional
/// claims).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_invocations_alert_once_per_actor() {
    let w = world().await;
    let iam = Iam::new(&w.sdk);
    let h = std::sync::Arc::new(handler(&w, Mode::Detect, "tg-concurrent").await);
    for (i, actor) in ["ana", "ben", "cy", "dee", "eli"].iter().enumerate() {
        let new_user = format!("backup-{actor}");
        seed_users(&iam, actor, &new_user).await;
        let tasks: Vec<_> = story(actor, &new_user, &format!("{:04x}0005-", 0xa0 + i))
            .into_iter()
            .map(|ev| {
                let h = std::sync::Arc::clone(&h);
                tokio::spawn(async move { h.handle(&ev).await.map(|_| ()) })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let msgs = drain(&w).await;
        assert_eq!(backdoor_messages(&msgs, actor), 1, "{actor}: {msgs:#?}");
    }
}

/// Against DynamoDB: the backdoor's alert fails (no such topic), so its
/// correlation claim stays pending; the redelivery after the invocation's
/// deadline finds the finding again and alerts it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_correlation_alert_fires_on_the_redelivery() {
    use trailguard_lambda::backend::Lease;
    let w = world().await;
    let iam = Iam::new(&w.sdk);
    seed_users(&iam, "uma", "backup6").await;
    let good = handler(&w, Mode::Detect, "tg-refire").await;
    let settings = Settings {
        mode: Mode::Detect,
        config: ConfigSource::Default,
        table: "tg-refire".into(),
        topic_arn: format!("{}-missing", w.topic),
        self_names: vec![],
        dead_letters: None,
    };
    let broken = aws_backend::handler(&settings, Some(&w.moto.endpoint))
        .await
        .unwrap();
    let now = trailguard_lambda::backend::now();
    let first = Lease {
        now,
        until: now + 60,
    };
    let s = story("uma", "backup6", "eeee0006-");
    let mut failed = Vec::new();
    for ev in &s {
        failed.push(broken.handle_leased(ev, first).await.is_err());
    }
    assert!(
        failed[2],
        "the backdoor's alert should have failed: {failed:?}"
    );
    assert!(drain(&w).await.is_empty());
    // The redelivery, after the first invocation's deadline.
    let retry = Lease {
        now: now + 120,
        until: now + 180,
    };
    good.handle_leased(&s[2], retry).await.unwrap();
    assert_eq!(backdoor_messages(&drain(&w).await, "uma"), 1);
    for ev in &s {
        good.handle_leased(
            ev,
            Lease {
                now: now + 300,
                until: now + 360,
            },
        )
        .await
        .unwrap();
    }
    let again = drain(&w).await;
    assert_eq!(backdoor_messages(&again, "uma"), 0, "{again:#?}");
}

/// An IAM user's reads only feed the daily address fact: after the first,
/// the same second's others cost no DynamoDB call (a derived fact's repeat
/// is not a redelivery to re-evaluate).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_reads_cost_no_table_calls() {
    let w = world().await;
    let h = handler(&w, Mode::Detect, "tg-reads").await;
    let read = |i: u32| {
        serde_json::json!({"version": "0", "id": format!("r{i}"), "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.iam", "account": MOTO_ACCOUNT, "time": "2026-11-12T03:13:10Z", "region": "us-east-1",
            "detail": {"eventVersion": "1.09", "eventTime": "2026-11-12T03:13:10Z",
                "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::{MOTO_ACCOUNT}:user/reader"),
                    "accountId": MOTO_ACCOUNT, "userName": "reader"},
                "eventSource": "iam.amazonaws.com", "eventName": "ListUsers", "awsRegion": "us-east-1",
                "sourceIPAddress": "203.0.113.7", "readOnly": true, "eventID": format!("read-{i}"),
                "recipientAccountId": MOTO_ACCOUNT}})
    };
    let table_calls = |h: &Handler<AwsBackend>| {
        let c = h.backend.aws.calls();
        c.by_operation
            .iter()
            .filter(|(k, _)| k.starts_with("DynamoDB:"))
            .map(|(_, v)| *v)
            .sum::<u64>()
    };
    h.handle(&read(1)).await.unwrap();
    let after_first = table_calls(&h);
    for i in 2..6 {
        h.handle(&read(i)).await.unwrap();
    }
    assert_eq!(table_calls(&h), after_first);
}

/// Two findings about the same user quarantined at once (two invocations):
/// the quarantine lock in DynamoDB lets one run; the other waits, finds the
/// quarantine in effect and does nothing, so the journal holds one entry
/// (without the lock both run and write one entry over the other).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_quarantines_of_one_user_journal_once() {
    use trailguard_lambda::backend::Lease;
    use trailguard_lambda::target_lock;
    let w = world().await;
    let iam = Iam::new(&w.sdk);
    seed_users(&iam, "quinn", "backup-q").await;
    let h = handler(&w, Mode::Guard, "tg-lock").await;
    let arn = format!("arn:aws:iam::{MOTO_ACCOUNT}:user/quinn");
    let finding = |rule: &str| -> trailguard::Finding {
        serde_json::from_value(serde_json::json!({
            "rule_id": rule, "title": rule, "severity": "critical",
            "time": "2026-11-12T03:13:10Z", "account": MOTO_ACCOUNT, "region": "us-east-1",
            "actor": {"arn": arn, "type": "IAMUser"}, "resources": [], "event_ids": [rule],
            "mitre": [], "summary": "s", "response": "quarantine"
        }))
        .unwrap()
    };
    let (a, b) = (finding("corr-backdoor-admin"), finding("iam-admin-granted"));
    let (x, y) = tokio::join!(
        target_lock::quarantine(&h.backend, &arn, &a, Lease::longest()),
        target_lock::quarantine(&h.backend, &arn, &b, Lease::longest())
    );
    let outs = [x.unwrap(), y.unwrap()];
    assert_eq!(
        outs.iter().filter(|o| o.contains("step(s) done")).count(),
        1,
        "{outs:?}"
    );
    assert_eq!(
        outs.iter()
            .filter(|o| o.contains("already quarantined"))
            .count(),
        1,
        "{outs:?}"
    );
    let (policies, active) = user_state(&iam, "quinn").await;
    assert!(!policies.is_empty() && active == 0, "{policies:?} {active}");
    let ddb = aws_sdk_dynamodb::Client::new(&w.sdk);
    let journal = ddb
        .query()
        .table_name("tg-lock")
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("journal#{arn}")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(journal.count, 1, "{:#?}", journal.items);
    let lock = ddb
        .get_item()
        .table_name("tg-lock")
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!(
                "claim#{}",
                target_lock::lock_key(&arn)
            )),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("claim".into()),
        )
        .send()
        .await
        .unwrap();
    assert!(lock.item.is_none(), "lock left behind: {:?}", lock.item);
}
