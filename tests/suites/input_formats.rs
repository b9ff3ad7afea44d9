//! Every input format `hunt` reads yields the same findings for the same records.
//!
//! Two records carry the checks: a root console sign-in without MFA
//! (`root-activity` and `signin-console-login-without-mfa`, an
//! "AWS Console Sign In via CloudTrail" event) and a `CreateUser` by an IAM user
//! (`iam-user-created-outside-window`, an "AWS API Call via CloudTrail" event).
//! The reference is JSON Lines; every other shape must print exactly the same
//! findings, with nothing on stderr.

use serde_json::Value;
use std::path::{Path, PathBuf};
use trailguard_e2e::records::{create_user, event_id, iam_user, nov, root_login};
use trailguard_e2e::*;

fn login() -> Value {
    root_login(&event_id(0xf0, 1), &nov(12, 3 * 3600 + 12 * 60 + 44))
}

fn create() -> Value {
    create_user(
        &event_id(0xf0, 2),
        &nov(9, 15 * 3600 + 12 * 60 + 44),
        iam_user("alice"),
        "backup1",
    )
}

fn both() -> Vec<Value> {
    vec![login(), create()]
}

/// The findings from the reference input (JSON Lines), checked for sanity once.
fn reference() -> Vec<Value> {
    let dir = tempdir();
    let p = write_file(dir.path(), "ref.jsonl", &jsonl(&both()));
    let (out, findings) = hunt_json(&[], &[&p]);
    assert_exit(&out, 1, "reference JSON Lines");
    let ids = rule_ids(&findings);
    assert!(
        ids.contains("root-activity")
            && ids.contains("signin-console-login-without-mfa")
            && ids.contains("iam-user-created-outside-window"),
        "{ids:?}"
    );
    assert_eq!(findings.len(), 3, "{findings:#?}");
    findings
}

/// Hunts `paths` (or stdin) and asserts the reference findings, status 1 and a quiet stderr.
fn assert_same(what: &str, args_paths: &[&str], stdin: Option<&[u8]>) {
    let want = reference();
    let mut args = vec!["hunt", "--format", "json"];
    args.extend_from_slice(args_paths);
    let out = run(&args, stdin);
    assert_exit(&out, 1, what);
    assert_eq!(
        json_lines(&out),
        want,
        "{what}: findings differ from the JSON Lines reference"
    );
    assert!(
        out.stderr.is_empty(),
        "{what}: unexpected stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

fn assert_same_files(what: &str, files: &[PathBuf]) {
    let strs: Vec<String> = files.iter().map(|p| path_str(p)).collect();
    let refs: Vec<&str> = strs.iter().map(String::as_str).collect();
    assert_same(what, &refs, None);
}

#[test]
fn cloudtrail_s3_log_file_plain_and_gzip() {
    let dir = tempdir();
    let plain = write_file(
        dir.path(),
        "111122223333_CloudTrail_us-east-1_20261112T0315Z_a1.json",
        &s3_log(&both()),
    );
    let gz = write_file(
        dir.path(),
        "111122223333_CloudTrail_us-east-1_20261112T0315Z_a2.json.gz",
        &gzip(&s3_log(&both())),
    );
    assert_same_files("S3 log file", &[plain]);
    assert_same_files("S3 log file .json.gz", &[gz]);
}

#[test]
fn json_lines_plain_and_gzip() {
    let dir = tempdir();
    let plain = write_file(dir.path(), "events.jsonl", &jsonl(&both()));
    let gz = write_file(dir.path(), "events.jsonl.gz", &gzip(&jsonl(&both())));
    // CRLF line ends and blank lines are still JSON Lines.
    let mut crlf = Vec::new();
    for r in both() {
        crlf.extend_from_slice(r.to_string().as_bytes());
        crlf.extend_from_slice(b"\r\n\r\n");
    }
    let crlf = write_file(dir.path(), "crlf.jsonl", &crlf);
    assert_same_files("JSON Lines", &[plain]);
    assert_same_files("JSON Lines .gz", &[gz]);
    assert_same_files("JSON Lines with CRLF line ends and blank lines", &[crlf]);
}

/// A UTF-8 byte-order mark (Windows editors, PowerShell `Out-File`) is not part
/// of the document: every shape must read as without it.
#[test]
fn a_utf8_byte_order_mark_is_ignored() {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let dir = tempdir();
    let with_bom = |body: Vec<u8>| [BOM.to_vec(), body].concat();
    let lines = write_file(dir.path(), "bom.jsonl", &with_bom(jsonl(&both())));
    assert_same_files("JSON Lines starting with a BOM", &[lines]);
    let log = write_file(dir.path(), "bom-log.json", &with_bom(s3_log(&both())));
    assert_same_files("S3 log file starting with a BOM", &[log]);
    let one = write_file(
        dir.path(),
        "bom-bare/1.json",
        &with_bom(login().to_string().into_bytes()),
    );
    let two = write_file(
        dir.path(),
        "bom-bare/2.json",
        &with_bom(create().to_string().into_bytes()),
    );
    assert_same_files("bare records starting with a BOM", &[one, two]);
}

#[test]
fn eventbridge_single_array_and_lines() {
    let dir = tempdir();
    let events: Vec<Value> = both().iter().map(eventbridge).collect();
    assert_eq!(
        s(&events[0], "detail-type"),
        "AWS Console Sign In via CloudTrail"
    );
    assert_eq!(s(&events[1], "detail-type"), "AWS API Call via CloudTrail");
    let one = write_file(
        dir.path(),
        "single/login.json",
        events[0].to_string().as_bytes(),
    );
    let two = write_file(
        dir.path(),
        "single/create.json",
        events[1].to_string().as_bytes(),
    );
    assert_same_files("EventBridge events, one per file", &[one, two]);
    let array = write_file(
        dir.path(),
        "array.json",
        Value::Array(events.clone()).to_string().as_bytes(),
    );
    assert_same_files("EventBridge events as a JSON array", &[array]);
    let lines = write_file(dir.path(), "lines.jsonl", &jsonl(&events));
    assert_same_files("EventBridge events as JSON Lines", &[lines]);
    let gz = write_file(dir.path(), "lines.jsonl.gz", &gzip(&jsonl(&events)));
    assert_same_files("EventBridge events as gzip JSON Lines", &[gz]);
}

#[test]
fn bare_and_pretty_printed_records() {
    let dir = tempdir();
    let recs = both();
    let bare: Vec<PathBuf> = recs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            write_file(
                dir.path(),
                &format!("bare/{i}.json"),
                r.to_string().as_bytes(),
            )
        })
        .collect();
    assert_same_files("single bare records", &bare);
    let pretty_files: Vec<PathBuf> = recs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            write_file(
                dir.path(),
                &format!("pretty/{i}.json"),
                pretty(r).as_bytes(),
            )
        })
        .collect();
    assert_same_files("pretty-printed bare records", &pretty_files);
    let both_pretty = format!("{}\n{}\n", pretty(&recs[0]), pretty(&recs[1]));
    let concat = write_file(dir.path(), "concatenated.json", both_pretty.as_bytes());
    assert_same_files("two pretty-printed records in one file", &[concat]);
    let log = serde_json::to_string_pretty(&serde_json::json!({"Records": recs})).expect("json");
    let log = write_file(dir.path(), "pretty-log.json", log.as_bytes());
    assert_same_files("pretty-printed S3 log file", &[log]);
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("json")
}

#[test]
fn stdin_plain_and_gzip() {
    assert_same("JSON Lines on stdin", &["-"], Some(&jsonl(&both())));
    assert_same(
        "gzip JSON Lines on stdin",
        &["-"],
        Some(&gzip(&jsonl(&both()))),
    );
    assert_same("S3 log file on stdin", &["-"], Some(&s3_log(&both())));
    assert_same(
        "gzip S3 log file on stdin",
        &["-"],
        Some(&gzip(&s3_log(&both()))),
    );
}

/// An S3-layout tree: records split over day folders, a digest folder holding a
/// record that must not be read, and files that are not logs.
#[test]
fn directories_are_read_recursively_skipping_digests_and_non_json() {
    let dir = tempdir();
    let base = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11";
    write_file(
        dir.path(),
        &format!("{base}/12/111122223333_CloudTrail_us-east-1_20261112T0315Z_x.json.gz"),
        &gzip(&s3_log(&[login()])),
    );
    write_file(
        dir.path(),
        &format!("{base}/09/111122223333_CloudTrail_us-east-1_20261109T1515Z_y.json.gz"),
        &gzip(&s3_log(&[create()])),
    );
    let digest = root_login(&event_id(0xf0, 99), &nov(12, 4 * 3600));
    write_file(
        dir.path(),
        "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/12/111122223333_CloudTrail-Digest_us-east-1_x_20261112T0400Z.json.gz",
        &gzip(&s3_log(&[digest])),
    );
    write_file(
        dir.path(),
        "README.txt",
        b"these are CloudTrail logs \x00\x01 not JSON",
    );
    write_file(dir.path(), "AWSLogs/111122223333/notes.md", b"# notes\n");
    assert_same("S3-layout directory", &[&path_str(dir.path())], None);
}

/// Directory entries are read in name order: the bad-record lines on stderr come
/// out in path order, whatever the thread count.
#[test]
fn directories_are_read_in_sorted_order() {
    let dir = tempdir();
    let mut no_time = login();
    no_time.as_object_mut().map(|o| o.remove("eventTime"));
    for name in [
        "zeta/late.json",
        "alpha/early.json",
        "mid.json",
        "alpha/sub/deeper.json",
        "beta.jsonl",
    ] {
        let mut rec = no_time.clone();
        rec["eventID"] = Value::String(name.into());
        write_file(dir.path(), name, &s3_log(&[rec, create()]));
    }
    let want = [
        "alpha/early.json",
        "alpha/sub/deeper.json",
        "beta.jsonl",
        "mid.json",
        "zeta/late.json",
    ];
    for threads in ["1", "2"] {
        let out = run(
            &[
                "hunt",
                "--format",
                "json",
                "--threads",
                threads,
                &path_str(dir.path()),
            ],
            None,
        );
        assert_exit(&out, 1, "sorted directory");
        let order: Vec<String> = stderr_lines(&out)
            .iter()
            .filter_map(|l| want.iter().find(|w| l.contains(*w)).map(|w| w.to_string()))
            .collect();
        assert_eq!(
            order,
            want,
            "--threads {threads}: stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The same record given twice (overlapping inputs) is reported once.
#[test]
fn overlapping_inputs_report_each_event_once() {
    let dir = tempdir();
    let a = write_file(dir.path(), "a.jsonl", &jsonl(&both()));
    let b = write_file(dir.path(), "b.json", &s3_log(&both()));
    assert_same_files("the same records in two files", &[a, b]);
}

/// The bundled demo data (README's first command) reads cleanly and finds the story.
#[test]
fn bundled_demo_data_reads_cleanly() {
    let demo = fixtures().join("demo");
    let (out, findings) = hunt_json(&[], &[&demo]);
    assert_exit(&out, 1, "hunt fixtures/demo");
    assert!(
        out.stderr.is_empty(),
        "stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: Vec<_> = of_rule(&findings, "iam-user-created-outside-window");
    assert!(
        created
            .iter()
            .any(|f| actor_arn(f) == "arn:aws:iam::111122223333:user/ops-admin"),
        "{findings:#?}"
    );
    let text = run(&["hunt", "fixtures/demo"], None);
    assert_exit(&text, 1, "hunt fixtures/demo (text)");
    assert!(stdout_text(&text).contains("arn:aws:iam::111122223333:user/ops-admin"));
}
