//! Look-back over mocked CloudTrail clients (`aws-smithy-mocks`), fed with
//! real records: the Stratus Red Team detonation of
//! `aws.persistence.iam-create-admin-user` from `fixtures/corpus/`.

use super::*;
use crate::Config;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudtrail::config::retry::RetryConfig;
use aws_sdk_cloudtrail::config::Credentials;
use aws_sdk_cloudtrail::operation::lookup_events::{LookupEventsError, LookupEventsOutput};
use aws_sdk_cloudtrail::types::Event;
use aws_smithy_mocks::{create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use std::collections::BTreeSet;
use std::time::Duration;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/corpus/stratus_detonation_logs.jsonl"
);
const TECHNIQUE: &str = "aws.persistence.iam-create-admin-user";
const START: i64 = 1_722_470_400; // 2024-08-01T00:00:00Z
const END: i64 = 1_722_556_800;

/// The technique's records, as CloudTrail's `CloudTrailEvent` strings.
fn detonation() -> Vec<String> {
    let text = std::fs::read_to_string(CORPUS).expect("corpus file");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["technique_id"] == TECHNIQUE)
        .map(|v| v["record"].to_string())
        .collect()
}

fn event(record: &str) -> Event {
    let v: serde_json::Value = serde_json::from_str(record).expect("record");
    let t = parse_time(v["eventTime"].as_str().unwrap_or_default()).unwrap_or(0);
    Event::builder()
        .event_id(v["eventID"].as_str().unwrap_or_default())
        .event_name(v["eventName"].as_str().unwrap_or_default())
        .event_time(DateTime::from_secs(t))
        .cloud_trail_event(record)
        .build()
}

/// The records as two pages: all but the last, then the last.
fn pages(records: &[String]) -> (LookupEventsOutput, LookupEventsOutput) {
    let (head, tail) = records.split_at(records.len() - 1);
    let first = LookupEventsOutput::builder()
        .set_events(Some(head.iter().map(|r| event(r)).collect()))
        .next_token("page-2")
        .build();
    let second = LookupEventsOutput::builder()
        .set_events(Some(tail.iter().map(|r| event(r)).collect()))
        .build();
    (first, second)
}

fn client(rules: &[&Rule]) -> Client {
    let mut mock = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
    for r in rules {
        mock = mock.with_rule(r);
    }
    // Standard, not adaptive, retries: the same classification of throttling
    // errors, without adaptive mode's client-side rate limiter, which waits
    // about ten seconds (at its minimum fill rate) before retrying.
    let retry = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1));
    let conf = aws_sdk_cloudtrail::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .http_client(create_mock_http_client())
        .retry_config(retry)
        .interceptor(mock)
        .build();
    Client::from_conf(conf)
}

/// A region serving the records over two pages, after `throttled` refusals.
fn serving(records: &[String], throttled: usize) -> Rule {
    let (first, second) = pages(records);
    let mut seq = mock!(Client::lookup_events).sequence();
    if throttled > 0 {
        let body = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
        seq = seq.http_status(400, Some(body.to_owned())).times(throttled);
    }
    seq.output(move || first.clone())
        .output(move || second.clone())
        .build()
}

fn denied() -> Rule {
    mock!(Client::lookup_events).then_error(|| {
        LookupEventsError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("User is not authorized to perform: cloudtrail:LookupEvents")
                .build(),
        )
    })
}

fn rule_ids(records: &[String]) -> BTreeSet<String> {
    let engine = Engine::new(Config::default());
    let out = evaluate(&engine, records, "cloudtrail:LookupEvents");
    out.findings.into_iter().map(|f| f.rule_id).collect()
}

#[tokio::test]
async fn two_pages_of_real_records_raise_the_backdoor_rules() {
    let records = detonation();
    assert_eq!(records.len(), 3, "corpus changed");
    let rule = serving(&records, 0);
    let regions = ["us-east-1".to_owned()];
    let (got, gaps) = lookup_with(|_| client(&[&rule]), &regions, START, END).await;
    assert!(gaps.is_empty(), "{gaps:?}");
    assert_eq!(got, records);
    assert_eq!(rule.num_calls(), 2);
    let ids = rule_ids(&got);
    assert!(ids.contains("iam-admin-granted"), "{ids:?}");
    assert!(ids.contains("corr-backdoor-admin"), "{ids:?}");
}

#[tokio::test]
async fn a_throttled_call_is_retried() {
    let records = detonation();
    let rule = serving(&records, 1);
    let regions = ["us-east-1".to_owned()];
    let (got, gaps) = lookup_with(|_| client(&[&rule]), &regions, START, END).await;
    assert!(gaps.is_empty(), "{gaps:?}");
    assert_eq!(got.len(), 3);
    assert_eq!(rule.num_calls(), 3, "one refusal, then two pages");
}

#[tokio::test]
async fn a_denied_region_is_a_gap_and_the_other_region_counts() {
    let records = detonation();
    let (ok, refused) = (serving(&records, 0), denied());
    let regions = ["us-east-1".to_owned(), "eu-west-1".to_owned()];
    let for_region = |r: &str| {
        if r == "eu-west-1" {
            client(&[&refused])
        } else {
            client(&[&ok])
        }
    };
    let (got, gaps) = lookup_with(for_region, &regions, START, END).await;
    assert_eq!(got.len(), 3);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(
        (gaps[0].operation.as_str(), gaps[0].target.as_str()),
        ("cloudtrail:LookupEvents", "eu-west-1")
    );
    assert!(gaps[0].error.contains("AccessDeniedException"), "{gaps:?}");
    assert_eq!(
        gaps[0].missing,
        "CloudTrail look-back for eu-west-1 from 2024-08-01T00:00:00Z"
    );
    assert!(rule_ids(&got).contains("corr-backdoor-admin"));
}

#[tokio::test]
async fn events_seen_in_two_regions_count_once() {
    let records = detonation();
    let (a, b) = (serving(&records, 0), serving(&records, 0));
    let regions = [
        "us-east-1".to_owned(),
        "us-west-2".to_owned(),
        "us-east-1".to_owned(),
    ];
    let for_region = |r: &str| {
        if r == "us-west-2" {
            client(&[&b])
        } else {
            client(&[&a])
        }
    };
    let (got, gaps) = lookup_with(for_region, &regions, START, END).await;
    assert!(gaps.is_empty());
    assert_eq!(got.len(), 3);
}

#[tokio::test]
async fn a_failed_second_page_keeps_the_first() {
    let records = detonation();
    let (first, _) = pages(&records);
    let rule = mock!(Client::lookup_events)
        .sequence()
        .output(move || first.clone())
        .error(|| {
            LookupEventsError::generic(
                ErrorMetadata::builder()
                    .code("InvalidNextTokenException")
                    .build(),
            )
        })
        .build();
    let regions = ["us-east-1".to_owned()];
    let (got, gaps) = lookup_with(|_| client(&[&rule]), &regions, START, END).await;
    assert_eq!(got.len(), 2);
    assert_eq!(gaps.len(), 1);
    assert_eq!(
        gaps[0].missing,
        "CloudTrail look-back for us-east-1 from 2024-08-01T00:00:00Z to 2024-08-01T13:33:28Z"
    );
}

#[test]
fn evaluate_reads_records_in_any_order_and_counts_bad_ones() {
    let mut records = detonation();
    records.reverse();
    records.push("{not json".to_owned());
    records.push(String::new());
    let engine = Engine::new(Config::default());
    let out = evaluate(&engine, &records, "look-back");
    assert_eq!(out.stats.records, 3);
    assert!(out.stats.bad_records >= 1);
    assert!(out
        .findings
        .iter()
        .any(|f| f.rule_id == "corr-backdoor-admin"));
    assert!(evaluate(&engine, &[], "look-back").findings.is_empty());
}

#[test]
fn many_records_are_split_into_sources_in_time_order() {
    let rec = |i: usize| {
        format!(
            r#"{{"eventTime":"2026-11-10T00:00:{:02}Z","eventID":"{i}"}}"#,
            i % 60
        )
    };
    let records: Vec<String> = (0..RECORDS_PER_SOURCE + 10).map(rec).collect();
    let sources = as_sources(&records, "lb");
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[1].name, "lb (part 2 of 2)");
    let SourceKind::Bytes(first) = &sources[0].kind else {
        panic!("bytes")
    };
    assert!(first.starts_with(b"{\"eventTime\":\"2026-11-10T00:00:00Z\""));
    assert_eq!(
        first.iter().filter(|&&b| b == b'\n').count(),
        RECORDS_PER_SOURCE
    );
}
