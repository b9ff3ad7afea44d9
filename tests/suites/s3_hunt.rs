//! `hunt s3://bucket/prefix` against a private moto S3: the gzip CloudTrail
//! files of `fixtures/demo/` put under their real key layout
//! (`<prefix>/AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/`), plus a digest
//! and a corrupt `.json.gz`, must give the findings `hunt fixtures/demo`
//! gives; the corrupt object is reported by its `s3://` name;
//! `--since/--until` drop the days outside the range; a missing bucket is an
//! error (exit 2) naming it.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use trailguard_e2e::moto::{runtime, Moto};
use trailguard_e2e::*;

const BUCKET: &str = "org-trail-logs";
const PREFIX: &str = "trail";
const DIGEST: &str = "trail/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/11/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20261111T0955Z.json.gz";
const CORRUPT: &str = "trail/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/13/111122223333_CloudTrail_us-east-1_20261113T1755Z_0000000000000BAD.json.gz";

/// Every file under `fixtures/demo/AWSLogs`, as (key relative to the demo dir, path).
fn demo_files() -> Vec<(String, PathBuf)> {
    let root = fixtures().join("demo");
    let mut out = Vec::new();
    let mut dirs = vec![root.join("AWSLogs")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("demo dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.to_string_lossy().ends_with(".json.gz") {
                let rel = p
                    .strip_prefix(&root)
                    .expect("under demo")
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, p));
            }
        }
    }
    out.sort();
    assert!(out.len() >= 5, "fixtures/demo changed: {out:?}");
    out
}

/// A bucket holding the demo logs under `trail/`, a digest and a corrupt object.
fn seeded() -> Moto {
    let moto = Moto::start();
    runtime().block_on(async {
        let s3 = moto.s3().await;
        s3.create_bucket()
            .bucket(BUCKET)
            .send()
            .await
            .expect("create bucket");
        let mut objects: Vec<(String, Vec<u8>)> = demo_files()
            .into_iter()
            .map(|(rel, p)| {
                (
                    format!("{PREFIX}/{rel}"),
                    std::fs::read(p).expect("demo file"),
                )
            })
            .collect();
        objects.push((
            DIGEST.into(),
            gzip(br#"{"awsAccountId":"111122223333","digestStartTime":"2026-11-11T08:55:00Z"}"#),
        ));
        let mut broken = gzip(br#"{"Records":[{"eventVersion":"1.08","eventName":"ListUsers"}]}"#);
        broken.truncate(broken.len() / 2);
        objects.push((CORRUPT.into(), broken));
        objects.push((
            "elsewhere/AWSLogs/x.json.gz".into(),
            b"not under the prefix".to_vec(),
        ));
        for (key, body) in objects {
            s3.put_object()
                .bucket(BUCKET)
                .key(&key)
                .body(body.into())
                .send()
                .await
                .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
        }
    });
    moto
}

/// The comparable part of each finding: rule id and event ids.
fn keys(findings: &[Value]) -> BTreeSet<(String, Vec<String>)> {
    findings
        .iter()
        .map(|f| {
            let ids = f["event_ids"]
                .as_array()
                .map(|a| a.iter().map(|v| v.to_string()).collect())
                .unwrap_or_default();
            (s(f, "rule_id").to_owned(), ids)
        })
        .collect()
}

fn local(extra: &[&str], paths: &[&Path]) -> Vec<Value> {
    let (out, findings) = hunt_json(extra, paths);
    assert_exit(&out, 1, "hunt of the local demo files");
    findings
}

fn url() -> String {
    format!("s3://{BUCKET}/{PREFIX}/")
}

#[test]
fn s3_prefix_gives_the_findings_of_the_local_files() {
    let moto = seeded();
    let want = local(&[], &[&fixtures().join("demo")]);
    assert!(!want.is_empty());
    let out = moto.trailguard(&["hunt", "--format", "json", &url()]);
    assert_exit(&out, 1, "hunt s3://");
    assert_eq!(keys(&json_lines(&out)), keys(&want));
    let err = stderr_lines(&out).join("\n");
    let corrupt = format!("s3://{BUCKET}/{CORRUPT}: ");
    assert!(
        err.lines()
            .any(|l| l.contains(&corrupt) && l.contains("corrupt")),
        "{err}"
    );
    assert!(
        !err.contains("CloudTrail-Digest"),
        "the digest was read: {err}"
    );
    assert!(
        !err.contains("elsewhere/"),
        "an object outside the prefix was read: {err}"
    );
}

/// The demo's day folder `d` (November 2026).
fn day(d: &str) -> PathBuf {
    fixtures().join(format!(
        "demo/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/{d}"
    ))
}

fn files(d: &str) -> usize {
    std::fs::read_dir(day(d)).map(|r| r.count()).unwrap_or(0)
}

/// `hunt <range> s3://...` in `format`.
fn ranged(moto: &Moto, format: &str, range: &[&str]) -> std::process::Output {
    let u = url();
    let mut args = vec!["hunt", "--format", format];
    args.extend(range);
    args.push(&u);
    moto.trailguard(&args)
}

#[test]
fn since_and_until_drop_the_days_outside_the_range() {
    let moto = seeded();
    // The takeover is all on the 14th: a range ending on the 13th finds nothing.
    let quiet = [
        "--since",
        "2026-11-11T00:00:00Z",
        "--until",
        "2026-11-13T23:00:00Z",
    ];
    let out = ranged(&moto, "json", &quiet);
    assert_exit(&out, 0, "hunt s3:// up to the 13th");
    assert!(json_lines(&out).is_empty());
    let kept = files("11") + files("13") + 1; // and the corrupt object of the 13th
    let listed = format!(
        "{kept} CloudTrail log objects to read ({} outside",
        files("14")
    );
    let err = stderr_lines(&out).join("\n");
    assert!(err.contains(&listed), "want `{listed}` in: {err}");
    let text = stdout_text(&ranged(&moto, "text", &quiet));
    assert!(text.contains(&format!("from {kept} source(s)")), "{text}");

    // From the 14th on: only its files are read, and they give every finding.
    let from = ["--since", "2026-11-14T00:00:00Z"];
    let out = ranged(&moto, "json", &from);
    assert_exit(&out, 1, "hunt s3:// from the 14th");
    let want = local(&[], &[&day("14")]);
    assert_eq!(keys(&json_lines(&out)), keys(&want));
    assert!(
        !stderr_lines(&out).join("\n").contains("0000000000000BAD"),
        "the 13th was read"
    );
    let text = stdout_text(&ranged(&moto, "text", &from));
    assert!(
        text.contains(&format!("from {} source(s)", files("14"))),
        "{text}"
    );
}

#[test]
fn local_files_and_s3_can_be_mixed() {
    let moto = seeded();
    let dir = tempdir();
    let root = records::root_login(&records::event_id(0x53, 1), &records::nov(20, 3600));
    let p = write_file(dir.path(), "extra.jsonl", &jsonl(&[root]));
    let out = moto.trailguard(&["hunt", "--format", "json", &url(), &p.display().to_string()]);
    assert_exit(&out, 1, "hunt of a file and s3://");
    let got = rule_ids(&json_lines(&out));
    assert!(got.contains("root-activity"), "{got:?}");
    assert!(rule_ids(&local(&[], &[&fixtures().join("demo")])).is_subset(&got));
}

#[test]
fn a_missing_bucket_is_an_error_naming_it() {
    let moto = Moto::start();
    let out = moto.trailguard(&[
        "hunt",
        "--format",
        "json",
        "s3://no-such-trail-bucket/AWSLogs/",
    ]);
    assert_exit(&out, 2, "hunt of a missing bucket");
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let err = stderr_lines(&out).join("\n");
    assert!(err.contains("no-such-trail-bucket"), "{err}");
    assert!(err.contains("NoSuchBucket"), "{err}");
}
