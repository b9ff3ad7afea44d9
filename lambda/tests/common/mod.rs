//! Helpers shared by the moto suites: the emulator with a topic, a queue
//! subscribed to it and a table; the backdoor story's events; checks.
#![allow(dead_code)]

use aws_sdk_iam::Client as Iam;
use serde_json::Value;
use std::collections::BTreeSet;
use trailguard_e2e::moto::Moto;

pub const MOTO_ACCOUNT: &str = "123456789012";

/// The story's three EventBridge events, for `actor` in moto's account.
pub fn story(actor: &str, new_user: &str, id_prefix: &str) -> Vec<Value> {
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

pub struct World {
    pub moto: Moto,
    pub sdk: aws_config::SdkConfig,
    pub topic: String,
    pub queue_url: String,
}

pub async fn world() -> World {
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

pub async fn table(w: &World, name: &str) {
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
pub async fn seed_users(iam: &Iam, actor: &str, new_user: &str) {
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

/// Alert messages in the inbox so far (SNS envelopes), drained.
pub async fn drain(w: &World) -> Vec<Value> {
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

pub fn backdoor_messages(msgs: &[Value], actor: &str) -> usize {
    msgs.iter()
        .filter(|m| {
            let body = m["Message"].as_str().unwrap_or("");
            body.contains("\"rule_id\": \"corr-backdoor-admin\"")
                && body.contains(&format!("user/{actor}"))
        })
        .count()
}

/// Quarantine markers on a user: its inline policies and its active keys.
pub async fn user_state(iam: &Iam, user: &str) -> (Vec<String>, usize) {
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
pub fn check_actions(calls: &BTreeSet<String>) {
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
