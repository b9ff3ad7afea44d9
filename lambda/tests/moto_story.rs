//! End to end against moto_server, in process: the real backend (DynamoDB,
//! SNS, IAM) behind the handler. The backdoor-admin story arrives as three
//! separate EventBridge invocations (in order and out of order): one
//! backdoor alert reaches an SQS queue subscribed to the topic, the actor
//! is quarantined in guard mode (not in detect mode), and a redelivery
//! changes nothing. Every AWS call made is checked against
//! `lambda/aws-actions.txt` (what the Terraform role allows).

use aws_sdk_iam::Client as Iam;
use serde_json::Value;
use std::collections::BTreeSet;
use trailguard::Engine;
use trailguard_e2e::moto::Moto;
use trailguard_lambda::aws_backend::AwsBackend;
use trailguard_lambda::settings::{ConfigSource, Mode, Settings};
use trailguard_lambda::Handler;

const MOTO_ACCOUNT: &str = "123456789012";

/// The story's three EventBridge events, for `actor` in moto's account.
fn story(actor: &str, new_user: &str, id_prefix: &str) -> Vec<Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    [
        "eventbridge-story-1-create-user.json",
        "eventbridge-story-2-attach-admin.json",
        "eventbridge-story-3-create-key.json",
    ]
    .iter()
    .map(|f| {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        let text = text
            .replace("111122223333", MOTO_ACCOUNT)
            .replace("user/mallory", &format!("user/{actor}"))
            .replace("\"mallory\"", &format!("\"{actor}\""))
            .replace("backup1", new_user)
            .replace("5b1e3c1a-", id_prefix);
        serde_json::from_str(&text).unwrap()
    })
    .collect()
}

struct World {
    moto: Moto,
    sdk: aws_config::SdkConfig,
    topic: String,
    queue_url: String,
}

async fn world() -> World {
    // Dummy credentials for the function's own SDK configuration (same for every test).
    for (k, v) in trailguard_e2e::moto::aws_env("http://unused") {
        if k != "AWS_ENDPOINT_URL" {
            std::env::set_var(k, v);
        }
    }
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    let sns = aws_sdk_sns::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let topic = sns
        .create_topic()
        .name("trailguard-alerts")
        .send()
        .await
        .unwrap();
    let topic = topic.topic_arn.unwrap();
    let q = sqs
        .create_queue()
        .queue_name("alerts-inbox")
        .send()
        .await
        .unwrap();
    let queue_url = q.queue_url.unwrap();
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let queue_arn =
        attrs.attributes.unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn].clone();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(queue_arn)
        .send()
        .await
        .unwrap();
    World {
        moto,
        sdk,
        topic,
        queue_url,
    }
}

async fn table(w: &World, name: &str) {
    use aws_sdk_dynamodb::types::*;
    let ddb = aws_sdk_dynamodb::Client::new(&w.sdk);
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |n: &str, t| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .unwrap()
    };
    ddb.create_table()
        .table_name(name)
        .attribute_definitions(attr("pk"))
        .attribute_definitions(attr("sk"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name("expires_at")
        .enabled(true)
        .build()
        .unwrap();
    ddb.update_time_to_live()
        .table_name(name)
        .time_to_live_specification(ttl)
        .send()
        .await
        .unwrap();
}

/// The actor and the user it creates exist in moto (the story's calls happened).
async fn seed_users(iam: &Iam, actor: &str, new_user: &str) {
    for u in [actor, new_user] {
        iam.create_user().user_name(u).send().await.unwrap();
    }
    iam.create_access_key()
        .user_name(actor)
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name(new_user)
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name(new_user)
        .send()
        .await
        .unwrap();
}

async fn handler(w: &World, mode: Mode, table_name: &str) -> Handler<AwsBackend> {
    table(w, table_name).await;
    let settings = Settings {
        mode,
        config: ConfigSource::Inline("[guard]\nself = [\"trailguard\"]\n".into()),
        table: table_name.into(),
        topic_arn: w.topic.clone(),
        self_names: vec!["trailguard-state".into()],
    };
    let backend = AwsBackend::init(&settings, Some(&w.moto.endpoint))
        .await
        .unwrap();
    Handler::new(Engine::new(backend.cfg.clone()), mode, backend)
}

/// Alert messages in the inbox so far (SNS envelopes), drained.
async fn drain(w: &World) -> Vec<Value> {
    let sqs = aws_sdk_sqs::Client::new(&w.sdk);
    let mut out = Vec::new();
    loop {
        let r = sqs
            .receive_message()
            .queue_url(&w.queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let msgs = r.messages.unwrap_or_default();
        if msgs.is_empty() {
            return out;
        }
        for m in msgs {
            out.push(serde_json::from_str(m.body().unwrap_or("{}")).unwrap());
            sqs.delete_message()
                .queue_url(&w.queue_url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

fn backdoor_messages(msgs: &[Value], actor: &str) -> usize {
    msgs.iter()
        .filter(|m| {
            let body = m["Message"].as_str().unwrap_or("");
            body.contains("\"rule_id\": \"corr-backdoor-admin\"")
                && body.contains(&format!("user/{actor}"))
        })
        .count()
}

/// Quarantine markers on a user: its inline policies and its active keys.
async fn user_state(iam: &Iam, user: &str) -> (Vec<String>, usize) {
    let policies = iam
        .list_user_policies()
        .user_name(user)
        .send()
        .await
        .unwrap()
        .policy_names;
    let keys = iam.list_access_keys().user_name(user).send().await.unwrap();
    let active = keys
        .access_key_metadata
        .iter()
        .filter(|k| k.status().map(|s| s.as_str()) == Some("Active"))
        .count();
    (policies, active)
}

/// `service:Operation` of the SDK's call counter -> IAM action names in aws-actions.txt.
fn check_actions(calls: &BTreeSet<String>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("aws-actions.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let allowed: BTreeSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_ascii_lowercase)
        .collect();
    let missing: Vec<&String> = calls
        .iter()
        .filter(|c| !allowed.contains(&c.to_ascii_lowercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "calls not in {}: {missing:?}",
        path.display()
    );
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
    let settings = Settings {
        mode: Mode::Guard,
        config: ConfigSource::Ssm("/trailguard/config".into()),
        table: "tg-s3".into(),
        topic_arn: w.topic.clone(),
        self_names: vec![],
    };
    let backend = AwsBackend::init(&settings, Some(&w.moto.endpoint))
        .await
        .unwrap();
    let h = Handler::new(Engine::new(backend.cfg.clone()), Mode::Guard, backend);

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

    // The same events through SQS (EventBridge -> SQS), one poison message:
    // only it is reported failed; the others are redeliveries (no alert).
    let mut msgs: Vec<Value> = story("sam", "backup4", "dddd0004-")
        .iter()
        .enumerate()
        .map(|(i, e)| serde_json::json!({"messageId": format!("m{i}"), "eventSource": "aws:sqs", "body": e.to_string()}))
        .collect();
    msgs.push(serde_json::json!({"messageId": "poison", "eventSource": "aws:sqs", "body": "{"}));
    let r = h
        .handle(&serde_json::json!({ "Records": msgs }))
        .await
        .unwrap();
    assert_eq!(
        r,
        serde_json::json!({"batchItemFailures": [{"itemIdentifier": "poison"}]})
    );
    assert!(drain(&w).await.is_empty());
    let calls: BTreeSet<String> = ops(&h);
    eprintln!("AWS calls made: {calls:?}");
    assert!(
        calls.contains("S3:GetObject") && calls.contains("SSM:GetParameter"),
        "{calls:?}"
    );
    check_actions(&calls);
}
