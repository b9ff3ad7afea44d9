//! In-process handler tests over `lambda/fixtures/`, one per trigger shape,
//! with the in-memory backend.

use super::*;
use crate::backend::MemoryBackend;
use lambda_runtime::Context;
use std::path::PathBuf;
use trailguard::Config;

fn fixture(name: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

fn handler(mode: Mode) -> Handler<MemoryBackend> {
    Handler::new(
        Engine::new(Config::default()),
        mode,
        MemoryBackend::default(),
    )
}

async fn invoke(h: &Handler<MemoryBackend>, payload: Value) -> Result<Value, HandlerError> {
    h.invoke(LambdaEvent::new(payload, Context::default()))
        .await
}

const STORY: [&str; 3] = [
    "eventbridge-story-1-create-user.json",
    "eventbridge-story-2-attach-admin.json",
    "eventbridge-story-3-create-key.json",
];

fn subjects(h: &Handler<MemoryBackend>) -> Vec<String> {
    h.backend
        .published
        .lock()
        .unwrap()
        .iter()
        .map(|p| p.0.clone())
        .collect()
}

fn backdoor_alerts(h: &Handler<MemoryBackend>) -> usize {
    let p = h.backend.published.lock().unwrap();
    p.iter()
        .filter(|(_, b)| b.contains("\"rule_id\": \"corr-backdoor-admin\""))
        .count()
}

#[tokio::test]
async fn backdoor_story_in_three_invocations_alerts_once_in_any_order() {
    for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
        let h = handler(Mode::Detect);
        for i in order {
            invoke(&h, fixture(STORY[i])).await.unwrap();
        }
        assert_eq!(
            backdoor_alerts(&h),
            1,
            "order {order:?}: {:?}",
            subjects(&h)
        );
        // Redelivery of every event: nothing new.
        let before = h.backend.published.lock().unwrap().len();
        for f in STORY {
            let r = invoke(&h, fixture(f)).await.unwrap();
            assert_eq!(r["alerts"], 0, "{r}");
        }
        assert_eq!(h.backend.published.lock().unwrap().len(), before);
        assert!(
            h.backend.quarantined.lock().unwrap().is_empty(),
            "detect mode quarantined"
        );
    }
}

#[tokio::test]
async fn guard_mode_quarantines_the_actor_once() {
    let h = handler(Mode::Guard);
    for f in STORY.iter().chain(STORY.iter()) {
        invoke(&h, fixture(f)).await.unwrap();
    }
    let q = h.backend.quarantined.lock().unwrap().clone();
    assert_eq!(
        q,
        [
            "arn:aws:iam::111122223333:user/mallory",
            "arn:aws:iam::111122223333:user/backup1"
        ],
        "actor and backdoor quarantined once each"
    );
    let p = h.backend.published.lock().unwrap();
    let (_, body) = p
        .iter()
        .find(|(_, b)| b.contains("corr-backdoor-admin"))
        .unwrap();
    assert!(
        body.contains("Action:    quarantined: arn:aws:iam::111122223333:user/mallory"),
        "{body}"
    );
    assert!(
        body.contains("CreateUser backup1") && body.contains("AttachUserPolicy"),
        "{body}"
    );
}

#[tokio::test]
async fn non_matching_service_and_signin_events() {
    let h = handler(Mode::Guard);
    let r = invoke(&h, fixture("eventbridge-non-matching.json"))
        .await
        .unwrap();
    assert_eq!(
        (r["records"].as_u64(), r["findings"].as_u64()),
        (Some(1), Some(0)),
        "{r}"
    );
    let r = invoke(&h, fixture("eventbridge-service-event.json"))
        .await
        .unwrap();
    assert_eq!(r["findings"], 0, "{r}");
    let r = invoke(&h, fixture("eventbridge-console-signin-root.json"))
        .await
        .unwrap();
    assert!(r["alerts"].as_u64() >= Some(1), "{r}");
    assert!(subjects(&h)
        .iter()
        .any(|s| s.starts_with("[CRITICAL]") || s.starts_with("[HIGH]")));
    // Root is never quarantined, whatever the mode.
    assert!(h.backend.quarantined.lock().unwrap().is_empty());
}

#[tokio::test]
async fn sqs_batch_reports_only_the_failed_message() {
    let h = handler(Mode::Detect);
    let r = invoke(&h, fixture("sqs-batch.json")).await.unwrap();
    assert_eq!(
        r,
        json!({"batchItemFailures": [{"itemIdentifier": "msg-poison"}]})
    );
    // The good messages were evaluated (the admin grant alerted).
    assert!(
        subjects(&h).iter().any(|s| s.contains("mallory")),
        "{:?}",
        subjects(&h)
    );
}

#[tokio::test]
async fn sqs_message_whose_alert_fails_is_retried_and_alerts_then() {
    let h = handler(Mode::Detect);
    *h.backend.fail_publish_containing.lock().unwrap() = Some("mallory".into());
    let r = invoke(&h, fixture("sqs-batch.json")).await.unwrap();
    let failed = r["batchItemFailures"].as_array().unwrap().len();
    assert_eq!(failed, 3, "{r}");
    // The retry (SQS redelivers the failed messages) alerts.
    *h.backend.fail_publish_containing.lock().unwrap() = None;
    let r = invoke(&h, fixture("sqs-batch.json")).await.unwrap();
    assert_eq!(r["batchItemFailures"].as_array().unwrap().len(), 1, "{r}");
    assert!(subjects(&h).iter().any(|s| s.contains("mallory")));
}

/// The batch with the poison message on delivery `count`.
fn poison_on_delivery(count: u32) -> Value {
    let mut b = fixture("sqs-batch.json");
    for r in b["Records"].as_array_mut().unwrap() {
        r["attributes"]["ApproximateReceiveCount"] = json!(count.to_string());
    }
    b
}

#[tokio::test]
async fn unreadable_message_goes_to_the_dlq_at_once_with_its_reason() {
    let h = handler(Mode::Detect).with_dead_letters(3);
    let r = invoke(&h, poison_on_delivery(1)).await.unwrap();
    assert_eq!(r, json!({"batchItemFailures": []}));
    let dead = h.backend.dead_letters.lock().unwrap().clone();
    assert_eq!(dead.len(), 1, "{dead:?}");
    let (id, body, reason) = &dead[0];
    assert_eq!(id, "msg-poison");
    let original = &fixture("sqs-batch.json")["Records"][2]["body"];
    assert_eq!(
        Some(body.as_str()),
        original.as_str(),
        "the body is kept as is"
    );
    assert!(reason.contains("not JSON"), "{reason}");
    // The good messages of the batch alerted.
    assert!(subjects(&h).iter().any(|s| s.contains("mallory")));
}

#[tokio::test]
async fn failing_message_goes_to_the_dlq_with_its_reason_on_its_last_delivery() {
    let h = handler(Mode::Detect).with_dead_letters(3);
    *h.backend.fail_publish_containing.lock().unwrap() = Some("mallory".into());
    let failed = |r: &Value| {
        let v = r["batchItemFailures"].as_array().unwrap();
        v.iter()
            .map(|x| x["itemIdentifier"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let good_only = |n| {
        let mut b = poison_on_delivery(n);
        b["Records"].as_array_mut().unwrap().truncate(2);
        b
    };
    // Deliveries 1 and 2: the alerts fail, SQS delivers them again.
    for n in [1, 2] {
        let r = invoke(&h, good_only(n)).await.unwrap();
        assert_eq!(failed(&r), vec!["msg-1", "msg-2"], "{r}");
    }
    // Delivery 3 (maxReceiveCount): in the DLQ with the reason, done for SQS.
    let r = invoke(&h, good_only(3)).await.unwrap();
    assert!(failed(&r).is_empty(), "{r}");
    let dead = h.backend.dead_letters.lock().unwrap().clone();
    let ids: Vec<&str> = dead.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(ids, vec!["msg-1", "msg-2"]);
    assert!(dead[0].2.contains("sns:Publish failed"), "{dead:?}");
}

#[tokio::test]
async fn a_refused_dead_letter_is_left_to_the_redrive_policy() {
    let h = handler(Mode::Detect).with_dead_letters(3);
    *h.backend.fail_dead_letter.lock().unwrap() = true;
    let r = invoke(&h, poison_on_delivery(1)).await.unwrap();
    assert_eq!(
        r,
        json!({"batchItemFailures": [{"itemIdentifier": "msg-poison"}]})
    );
    // Without a DLQ configured, the count does not matter.
    let h = handler(Mode::Detect);
    let r = invoke(&h, poison_on_delivery(9)).await.unwrap();
    assert_eq!(r["batchItemFailures"].as_array().unwrap().len(), 1, "{r}");
    assert!(h.backend.dead_letters.lock().unwrap().is_empty());
}

#[tokio::test]
async fn s3_notification_reads_the_whole_log_file() {
    let h = handler(Mode::Detect);
    let n = fixture("s3-object-created.json");
    let objs = trigger::s3_objects(&n);
    let log = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/cloudtrail-log-file.json"),
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &log).unwrap();
    h.backend
        .objects
        .lock()
        .unwrap()
        .push((objs[0].clone(), gz.finish().unwrap()));
    let r = invoke(&h, n.clone()).await.unwrap();
    assert_eq!(r["records"], 4, "{r}");
    assert_eq!(backdoor_alerts(&h), 1);
    // A missing object fails the invocation (retried; then the DLQ).
    h.backend.objects.lock().unwrap().clear();
    let e = invoke(&h, n).await.unwrap_err();
    assert!(e.to_string().contains("NoSuchKey"), "{e}");
}

#[tokio::test]
async fn scheduled_event_runs_the_posture_scan() {
    let h = handler(Mode::Detect);
    let mut f: Finding = serde_json::from_value(json!({
        "rule_id": "posture-root-access-key", "title": "Root has an access key", "severity": "critical",
        "time": "2026-11-12T06:00:00Z", "account": "111122223333", "region": "us-east-1",
        "actor": {"arn": "arn:aws:iam::111122223333:root", "type": "Root", "session_arn": null,
                  "access_key_id": null, "source_ip": null, "user_agent": null},
        "resources": ["arn:aws:iam::111122223333:root"], "event_ids": [], "mitre": [],
        "summary": "The root user has an active access key.", "response": "alert"}))
    .unwrap();
    f.time += 1;
    h.backend.posture_findings.lock().unwrap().push(f.clone());
    let r = invoke(&h, fixture("scheduled.json")).await.unwrap();
    assert_eq!(r["alerts"], 1, "{r}");
    // The next day's scan: still claimed.
    h.backend.posture_findings.lock().unwrap()[0].time += 24 * 3600;
    let r = invoke(&h, fixture("scheduled.json")).await.unwrap();
    assert_eq!(r["repeats"], 1, "{r}");
    // The problem still stands once the claim has ended: alerted again.
    h.backend.posture_findings.lock().unwrap()[0].time = f.time + ALERT_CLAIM_SECS + 1;
    let r = invoke(&h, fixture("scheduled.json")).await.unwrap();
    assert_eq!(r["alerts"], 1, "{r}");
}

#[tokio::test]
async fn unknown_shapes_are_ignored_not_failed() {
    let h = handler(Mode::Detect);
    let r = invoke(&h, json!({"hello": "world"})).await.unwrap();
    assert!(r["ignored"].is_string(), "{r}");
}

/// A correlation finding whose alert failed is found again on the retry:
/// its correlation claim stayed pending and lapsed with the lease.
#[tokio::test]
async fn a_correlation_whose_alert_failed_fires_again_on_the_retry() {
    let h = handler(Mode::Detect);
    let title = trailguard::rules::find("corr-backdoor-admin")
        .unwrap()
        .title;
    *h.backend.fail_publish_containing.lock().unwrap() = Some(title.to_owned());
    let first = Lease {
        now: 1_000,
        until: 1_100,
    };
    let mut failed = 0;
    for f in STORY {
        failed += usize::from(h.handle_leased(&fixture(f), first).await.is_err());
    }
    assert_eq!((failed, backdoor_alerts(&h)), (1, 0));
    // SQS redelivers the failed event after the invocation's deadline.
    *h.backend.fail_publish_containing.lock().unwrap() = None;
    let retry = Lease {
        now: 1_200,
        until: 1_300,
    };
    h.handle_leased(&fixture(STORY[2]), retry).await.unwrap();
    assert_eq!(backdoor_alerts(&h), 1);
    // Once alerted, redeliveries (any lease) change nothing.
    let later = Lease {
        now: 9_000,
        until: 9_100,
    };
    for f in STORY {
        h.handle_leased(&fixture(f), later).await.unwrap();
    }
    assert_eq!(backdoor_alerts(&h), 1);
}

#[test]
fn claims_are_leased_until_settled() {
    use crate::backend::{take_claim, ClaimBook};
    let mut book = ClaimBook::new();
    let l = |now, until| Lease { now, until };
    assert!(take_claim(&mut book, "k", 0, 500, l(100, 200)));
    // Pending under a live lease: a redelivery waits.
    assert!(!take_claim(&mut book, "k", 0, 500, l(150, 250)));
    // The lease is over (the invocation died): taken again.
    assert!(take_claim(&mut book, "k", 0, 500, l(300, 400)));
    // Settled: held until `until`, whatever the lease.
    book.insert("k".into(), (500, None));
    assert!(!take_claim(&mut book, "k", 0, 500, l(9_000, 9_100)));
    // An ended claim (event time past `until`) is free.
    assert!(take_claim(&mut book, "k", 501, 900, l(9_000, 9_100)));
}

/// Mass termination from four `TerminateInstances` calls, each its own
/// invocation, in several orders and with redeliveries: one alert each time.
#[tokio::test]
async fn mass_termination_across_invocations_alerts_once_in_any_order() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/rules/corr-mass-termination/positive-ten-instances-in-four-calls.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let events: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let rec: Value = serde_json::from_str(l).unwrap();
            json!({"version": "0", "id": format!("eb-{}", rec["eventID"].as_str().unwrap_or("")),
                   "detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2",
                   "account": rec["recipientAccountId"], "region": rec["awsRegion"], "detail": rec})
        })
        .collect();
    let n = events.len();
    assert!(n >= 4, "{n} events");
    let count = |h: &Handler<MemoryBackend>| {
        let p = h.backend.published.lock().unwrap();
        p.iter()
            .filter(|(_, b)| b.contains("\"rule_id\": \"corr-mass-termination\""))
            .count()
    };
    let orders: Vec<Vec<usize>> = vec![(0..n).collect(), (0..n).rev().collect(), {
        let mut v: Vec<usize> = (0..n).collect();
        v.rotate_left(2);
        v
    }];
    for order in orders {
        let h = handler(Mode::Detect);
        for &i in &order {
            invoke(&h, events[i].clone()).await.unwrap();
        }
        assert_eq!(count(&h), 1, "order {order:?}");
        for e in &events {
            invoke(&h, e.clone()).await.unwrap();
        }
        assert_eq!(count(&h), 1, "redelivery, order {order:?}");
    }
}
