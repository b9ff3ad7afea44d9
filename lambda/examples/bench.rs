//! Per-event handling time against an AWS endpoint (moto in `bench/lambda.sh`):
//! builds the real backend once (timed: the handler's cold-start
//! initialisation), then times `Handler::handle` for a non-matching event and
//! for a matching one (alert: claim + SNS publish), and prints p50/p99 and
//! the process's peak RSS. Environment: `TRAILGUARD_BENCH_ENDPOINT` (the
//! emulator), `TRAILGUARD_BENCH_N` (events per kind, default 300); dummy
//! credentials from the usual variables.

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use trailguard::Engine;
use trailguard_lambda::aws_backend::{sdk_config, AwsBackend};
use trailguard_lambda::settings::{ConfigSource, Mode, Settings};
use trailguard_lambda::Handler;

/// An event by `bench` (an IAM user) or, with `session`, by an automation
/// role session (whose reads feed no correlation state).
fn event(i: usize, name: &str, params: Value, session: bool) -> Value {
    let mut ev = json!({"version": "0", "id": format!("eb-{i}"), "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.iam", "account": "123456789012", "time": "2026-11-12T03:13:10Z", "region": "us-east-1",
        "resources": [], "detail": {"eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::123456789012:user/bench",
            "accountId": "123456789012", "accessKeyId": "AKIAEXAMPLEBENCH0001", "userName": "bench"},
        "eventTime": "2026-11-12T03:13:10Z", "eventSource": "iam.amazonaws.com", "eventName": name,
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.9", "userAgent": "aws-cli/2.15.0",
        "requestParameters": params, "responseElements": null, "requestID": format!("r-{i}"),
        "eventID": format!("bench-{name}-{i:06}"), "readOnly": false, "eventType": "AwsApiCall",
        "managementEvent": true, "recipientAccountId": "123456789012", "eventCategory": "Management"}});
    if session {
        ev["detail"]["userIdentity"] = json!({"type": "AssumedRole", "principalId": "AROAEXAMPLE:i-0abc",
            "arn": "arn:aws:sts::123456789012:assumed-role/app/i-0abc", "accountId": "123456789012",
            "accessKeyId": "ASIAEXAMPLEBENCH0001", "sessionContext": {"sessionIssuer": {"type": "Role",
            "principalId": "AROAEXAMPLE", "arn": "arn:aws:iam::123456789012:role/app", "accountId": "123456789012",
            "userName": "app"}, "attributes": {"creationDate": "2026-11-12T03:00:00Z", "mfaAuthenticated": "false"}}});
        ev["detail"]["readOnly"] = json!(true);
    }
    ev
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn peak_rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(0.0, |k| k / 1024.0)
}

async fn setup(endpoint: &str) -> Result<String, Box<dyn std::error::Error>> {
    use aws_sdk_dynamodb::types::*;
    let sdk = sdk_config(Some(endpoint)).await;
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |n: &str, t| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
    };
    ddb.create_table()
        .table_name("bench")
        .attribute_definitions(attr("pk")?)
        .attribute_definitions(attr("sk")?)
        .key_schema(key("pk", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    let sns = aws_sdk_sns::Client::new(&sdk);
    Ok(sns
        .create_topic()
        .name("bench")
        .send()
        .await?
        .topic_arn
        .unwrap_or_default())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::var("TRAILGUARD_BENCH_ENDPOINT")?;
    let n: usize = std::env::var("TRAILGUARD_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let topic_arn = setup(&endpoint).await?;
    let settings = Settings {
        mode: Mode::Detect,
        config: ConfigSource::Default,
        table: "bench".into(),
        topic_arn,
        self_names: vec![],
    };
    let t0 = Instant::now();
    let backend = AwsBackend::init(&settings, Some(&endpoint)).await?;
    let h = Handler::new(Engine::new(backend.cfg.clone()), Mode::Detect, backend);
    println!(
        "handler init (clients, config, identity, engine): {:.1} ms",
        t0.elapsed().as_secs_f64() * 1000.0
    );
    for (label, name, params, session) in [
        (
            "non-matching (a role session's ListUsers)",
            "ListUsers",
            Value::Null,
            true,
        ),
        (
            "non-matching (an IAM user's ListUsers: one address fact per day)",
            "ListUsers",
            Value::Null,
            false,
        ),
        (
            "matching (AttachUserPolicy admin: alert)",
            "AttachUserPolicy",
            json!({"userName": "x", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
            false,
        ),
    ] {
        let mut times = Vec::with_capacity(n);
        for i in 0..n {
            let mut ev = event(i, name, params.clone(), session);
            if let Some(p) = ev.pointer_mut("/detail/requestParameters/userName") {
                *p = json!(format!("user{i}"));
            }
            let t = Instant::now();
            h.handle(&ev).await?;
            times.push(t.elapsed());
        }
        println!(
            "{label}: n={n} p50 {:.3} ms, p99 {:.3} ms",
            pct(&mut times, 0.5),
            pct(&mut times, 0.99)
        );
    }
    println!("API calls: {:?}", h.backend.aws.calls().by_operation);
    println!("peak RSS (bench process): {:.1} MB", peak_rss_mb());
    Ok(())
}
