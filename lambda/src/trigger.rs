//! What invoked the function, told from the raw payload: an EventBridge
//! CloudTrail event, an SQS batch (whose bodies are such events or S3
//! notifications), an S3 `ObjectCreated` notification for CloudTrail log
//! files, or the scheduled posture scan.

use serde_json::Value;

/// The EventBridge detail types of CloudTrail events.
pub const CLOUDTRAIL_DETAIL_TYPES: [&str; 3] = [
    "AWS API Call via CloudTrail",
    "AWS Console Sign In via CloudTrail",
    "AWS Service Event via CloudTrail",
];

/// One S3 object to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    pub bucket: String,
    pub key: String,
}

/// One SQS message: its id (for `batchItemFailures`), body, how many times
/// SQS has delivered it (`ApproximateReceiveCount`, 0 when absent) and its queue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqsMessage {
    pub id: String,
    pub body: String,
    pub receive_count: u32,
    pub queue_arn: String,
}

/// The shape of an invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// One CloudTrail event from EventBridge (the payload as received).
    CloudTrail,
    Sqs(Vec<SqsMessage>),
    S3(Vec<S3Object>),
    Scheduled,
    /// Anything else (logged and ignored).
    Unknown(String),
}

/// Classifies an invocation payload.
pub fn classify(v: &Value) -> Trigger {
    if let Some(dt) = v.get("detail-type").and_then(Value::as_str) {
        if dt == "Scheduled Event" {
            return Trigger::Scheduled;
        }
        if CLOUDTRAIL_DETAIL_TYPES.contains(&dt) {
            return Trigger::CloudTrail;
        }
        return Trigger::Unknown(format!("EventBridge detail-type {dt:?}"));
    }
    let Some(records) = v.get("Records").and_then(Value::as_array) else {
        return Trigger::Unknown("neither an EventBridge event nor Records".into());
    };
    let source = |r: &Value| {
        r.get("eventSource")
            .or_else(|| r.get("EventSource"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    match records.first().map(source).as_deref() {
        Some("aws:sqs") => Trigger::Sqs(records.iter().map(sqs_message).collect()),
        Some("aws:s3") => Trigger::S3(s3_objects(v)),
        // A CloudTrail log file (`{"Records":[{eventVersion...}]}`) sent as is.
        Some(_) if records.iter().any(|r| r.get("eventVersion").is_some()) => Trigger::CloudTrail,
        Some(s) => Trigger::Unknown(format!("Records from {s:?}")),
        None => Trigger::Unknown("empty Records".into()),
    }
}

fn sqs_message(r: &Value) -> SqsMessage {
    let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let receive_count = r
        .pointer("/attributes/ApproximateReceiveCount")
        .and_then(|c| match c {
            Value::String(s) => s.trim().parse().ok(),
            Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            _ => None,
        })
        .unwrap_or(0);
    SqsMessage {
        id: s("messageId"),
        body: s("body"),
        receive_count,
        queue_arn: s("eventSourceARN"),
    }
}

/// The CloudTrail log objects of an S3 notification (`ObjectCreated:*` only;
/// CloudTrail digest files are skipped).
pub fn s3_objects(v: &Value) -> Vec<S3Object> {
    let Some(records) = v.get("Records").and_then(Value::as_array) else {
        return Vec::new();
    };
    records
        .iter()
        .filter(|r| {
            r.get("eventName")
                .and_then(Value::as_str)
                .is_some_and(|n| n.starts_with("ObjectCreated:"))
        })
        .filter_map(|r| {
            let s3 = r.get("s3")?;
            let bucket = s3.pointer("/bucket/name")?.as_str()?.to_owned();
            let key = url_decode(s3.pointer("/object/key")?.as_str()?);
            (!key.contains("/CloudTrail-Digest/")).then_some(S3Object { bucket, key })
        })
        .collect()
}

/// S3 notification keys are URL-encoded with `+` for spaces.
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(x) => {
                        out.push(x);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classifies_every_shape() {
        let eb = json!({"detail-type": "AWS Console Sign In via CloudTrail", "detail": {}});
        assert_eq!(classify(&eb), Trigger::CloudTrail);
        let sched = json!({"detail-type": "Scheduled Event", "source": "aws.events"});
        assert_eq!(classify(&sched), Trigger::Scheduled);
        let sqs = json!({"Records": [
            {"messageId": "m1", "body": "{}", "eventSource": "aws:sqs",
             "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
             "attributes": {"ApproximateReceiveCount": "3"}},
            {"messageId": "m2", "body": "{}", "eventSource": "aws:sqs",
             "attributes": {"ApproximateReceiveCount": "many"}}]});
        assert_eq!(
            classify(&sqs),
            Trigger::Sqs(vec![
                SqsMessage {
                    id: "m1".into(),
                    body: "{}".into(),
                    receive_count: 3,
                    queue_arn: "arn:aws:sqs:us-east-1:1:q".into(),
                },
                SqsMessage {
                    id: "m2".into(),
                    body: "{}".into(),
                    ..SqsMessage::default()
                }
            ])
        );
        let s3 = json!({"Records": [
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
             "s3": {"bucket": {"name": "b"}, "object": {"key": "AWSLogs/1/CloudTrail/x+y%3A1.json.gz"}}},
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
             "s3": {"bucket": {"name": "b"}, "object": {"key": "AWSLogs/1/CloudTrail-Digest/d.json.gz"}}},
            {"eventSource": "aws:s3", "eventName": "ObjectRemoved:Delete",
             "s3": {"bucket": {"name": "b"}, "object": {"key": "k"}}}]});
        assert_eq!(
            classify(&s3),
            Trigger::S3(vec![S3Object {
                bucket: "b".into(),
                key: "AWSLogs/1/CloudTrail/x y:1.json.gz".into()
            }])
        );
        assert!(matches!(
            classify(&json!({"detail-type": "EC2 State"})),
            Trigger::Unknown(_)
        ));
        assert!(matches!(
            classify(&json!({"Records": []})),
            Trigger::Unknown(_)
        ));
        assert!(matches!(classify(&json!(42)), Trigger::Unknown(_)));
    }

    #[test]
    fn url_decoding_never_panics() {
        assert_eq!(url_decode("a%2"), "a%2");
        assert_eq!(url_decode("%"), "%");
        assert_eq!(url_decode("%zz"), "%zz");
        assert_eq!(url_decode("%41b"), "Ab");
    }
}
