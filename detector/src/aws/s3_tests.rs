//! S3 URLs, the day filter, object selection, and the download pipeline over
//! a mocked S3 client.

use super::*;
use crate::{Config, Engine};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::operation::get_object::{GetObjectError, GetObjectOutput};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::error::NoSuchKey;
use aws_smithy_mocks::{
    create_mock_http_client, mock, MockResponse, MockResponseInterceptor, RuleMode,
};
use std::io::Write;

const DIR: &str = "t/AWSLogs/111122223333/CloudTrail/us-east-1";

fn key(day: &str, hhmm: &str) -> String {
    let compact = day.replace('/', "");
    format!("{DIR}/{day}/111122223333_CloudTrail_us-east-1_{compact}T{hhmm}Z_AbCd1234.json.gz")
}

fn obj(key: &str) -> Object {
    Object {
        key: key.to_owned(),
        size: 10,
    }
}

#[test]
fn urls_parse() {
    let u = S3Url::parse("s3://trail-bucket/AWSLogs/111122223333/").expect("url");
    assert_eq!(
        (u.bucket.as_str(), u.prefix.as_str()),
        ("trail-bucket", "AWSLogs/111122223333/")
    );
    assert_eq!(
        S3Url::parse("s3://b").map(|u| u.prefix),
        Some(String::new())
    );
    assert_eq!(S3Url::parse("s3:///x"), None);
    assert_eq!(S3Url::parse("/tmp/x"), None);
    assert_eq!(
        S3Url::parse("s3://b/p").map(|u| u.to_string()).as_deref(),
        Some("s3://b/p")
    );
}

#[test]
fn the_day_filter_reads_the_date_path() {
    let t = |s: &str| crate::record::parse_time(s);
    let f = DayFilter {
        since: t("2026-11-12T18:00:00Z"),
        until: t("2026-11-13T06:00:00Z"),
    };
    assert!(!f.keeps(&key("2026/11/11", "2355")));
    assert!(
        f.keeps(&key("2026/11/12", "0005")),
        "the day overlaps the range"
    );
    assert!(f.keeps(&key("2026/11/13", "2355")));
    assert!(!f.keeps(&key("2026/11/14", "0005")));
    assert!(f.keeps("exports/records.jsonl.gz"), "no date path: kept");
    assert!(
        f.keeps(&format!("{DIR}/2026/11/x.json.gz")),
        "incomplete date path: kept"
    );
    assert!(
        f.keeps("o-abc/111122223333/CloudTrail/eu-west-1/2026/13/01/f.json.gz"),
        "bad month: kept"
    );
    let org = "AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/2026/11/15/f.json.gz";
    assert!(!f.keeps(org));
    assert!(DayFilter::default().keeps(org));
    let open_ended = DayFilter {
        since: t("2026-11-13T00:00:00Z"),
        until: None,
    };
    assert!(open_ended.keeps(org) && !open_ended.keeps(&key("2026/11/12", "2355")));
}

#[test]
fn selection_skips_digests_and_other_names_and_orders_by_delivery() {
    let all = vec![
        obj(&key("2026/11/12", "0105")),
        obj("t/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/12/d.json.gz"),
        obj("t/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/12/111122223333_CloudTrail_eu-west-1_20261112T0005Z_Ef.json.gz"),
        obj("t/README.txt"),
        obj("t/folder/"),
        obj(&key("2026/11/10", "0105")),
    ];
    let since = crate::record::parse_time("2026-11-11T00:00:00Z");
    let (kept, outside, not_logs) = select(all, &DayFilter { since, until: None });
    let names: Vec<&str> = kept.iter().map(|o| o.key.as_str()).collect();
    assert_eq!((outside, not_logs), (1, 3));
    assert_eq!(names.len(), 2);
    assert!(
        names[0].contains("eu-west-1") && names[1].ends_with("T0105Z_AbCd1234.json.gz"),
        "{names:?}"
    );
}

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).expect("gzip");
    enc.finish().expect("gzip")
}

fn log_file(event: &str, id: &str) -> Vec<u8> {
    gzip(&format!(
        r#"{{"Records":[{{"eventVersion":"1.08","userIdentity":{{"type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"}},"eventTime":"2026-11-12T01:00:00Z","eventSource":"iam.amazonaws.com","eventName":"{event}","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","eventID":"{id}","readOnly":false,"recipientAccountId":"111122223333"}}]}}"#
    ))
}

fn mocked_listing(objects: Vec<Object>) -> Listing {
    let rule = mock!(Client::get_object).then_compute_response(|req| match req.key() {
        Some(k) if k.contains("missing") => MockResponse::Error(GetObjectError::NoSuchKey(
            NoSuchKey::builder()
                .message("The specified key does not exist.")
                .build(),
        )),
        Some(k) => MockResponse::Output(
            GetObjectOutput::builder()
                .body(ByteStream::from(log_file("CreateUser", k)))
                .build(),
        ),
        None => MockResponse::Output(GetObjectOutput::builder().build()),
    });
    let mock = MockResponseInterceptor::new()
        .rule_mode(RuleMode::MatchAny)
        .with_rule(&rule);
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .http_client(create_mock_http_client())
        .interceptor(mock)
        .build();
    Listing {
        url: S3Url::parse("s3://trail/t/").expect("url"),
        objects,
        outside_days: 0,
        not_logs: 0,
        client: Client::from_conf(conf),
    }
}

#[test]
fn objects_stream_window_by_window_and_a_missing_one_is_reported() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let aws = Aws::from_sdk_config(SdkConfig::builder().build(), 4);
    let mut objects: Vec<Object> = (0..hunt::WINDOW + 5)
        .map(|i| obj(&format!("t/x/{i:03}.json.gz")))
        .collect();
    objects[7].key = "t/x/missing.json.gz".into();
    let engine = Engine::new(Config::default());
    let mut hunter = Hunter::new(&engine);
    let mut lines = Vec::new();
    let mut seen = 0;
    stream_into(
        rt.handle(),
        &aws,
        mocked_listing(objects),
        &mut hunter,
        &mut |rep, _| {
            seen += 1;
            lines.extend(rep.issue_lines());
        },
    );
    let out = hunter.finish();
    assert_eq!(seen, hunt::WINDOW + 5);
    assert_eq!(out.stats.io_errors, 1);
    assert_eq!(out.stats.records, (hunt::WINDOW + 4) as u64);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("s3://trail/t/x/missing.json.gz: cannot read: s3:GetObject"),
        "{lines:?}"
    );
    assert!(lines[0].contains("NoSuchKey"), "{lines:?}");
    assert!(out.findings.iter().any(|f| f.rule_id == "root-activity"));
}
