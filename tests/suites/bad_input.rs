//! Bad input: each bad file or record gives exactly one clear stderr line naming
//! the file (and `Records[i]` / `line N` where it applies), the good records in
//! the same file and in other files are still evaluated, nothing panics, and the
//! exit status follows the contract: bad records alone do not change it, an input
//! that cannot be read at all is an I/O error (2).
//!
//! Good records are root console sign-ins (`root-activity`), so "evaluated" is
//! visible as a finding carrying the record's event id.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Output;
use trailguard_e2e::records::{describe_instances, event_id, nov, root_login};
use trailguard_e2e::*;

const TAG: u32 = 0xbad;

fn login(n: u32) -> Value {
    root_login(&event_id(TAG, n), &nov(12, 3600 + n))
}

fn id(n: u32) -> String {
    event_id(TAG, n)
}

/// A good file beside the bad one, whose record must still be evaluated.
fn good_file(dir: &Path) -> PathBuf {
    write_file(dir, "good/other.jsonl", &jsonl(&[login(900)]))
}

/// What a run over a bad input must show.
struct Expect<'a> {
    /// Stderr must hold exactly one line containing this (the bad file's path).
    names: String,
    /// That line must also contain this (`line 2`, `Records[1]`, ...).
    loc: Option<&'a str>,
    /// Event ids whose findings must appear.
    found: &'a [u32],
    /// Event ids whose findings must not appear.
    absent: &'a [u32],
    exit: i32,
}

/// `Expect` in one line: names, loc, found, absent, exit status.
fn expect<'a>(
    names: &str,
    loc: Option<&'a str>,
    found: &'a [u32],
    absent: &'a [u32],
    exit: i32,
) -> Expect<'a> {
    let names = names.to_owned();
    Expect {
        names,
        loc,
        found,
        absent,
        exit,
    }
}

fn check(what: &str, out: &Output, e: &Expect) {
    assert_exit(out, e.exit, what);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<String> = stderr_lines(out)
        .into_iter()
        .filter(|l| l.contains(&e.names))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "{what}: want exactly one stderr line naming {}, got:\n{stderr}",
        e.names
    );
    assert!(lines[0].starts_with("trailguard: "), "{what}: {}", lines[0]);
    if let Some(loc) = e.loc {
        assert!(
            lines[0].contains(loc),
            "{what}: the line should say where ({loc}): {}",
            lines[0]
        );
    }
    let findings = json_lines(out);
    for n in e.found {
        assert!(
            has_event(&findings, &id(*n)),
            "{what}: good record {} was not evaluated; stderr:\n{stderr}",
            id(*n)
        );
    }
    for n in e.absent {
        assert!(
            !has_event(&findings, &id(*n)),
            "{what}: record {} should have been skipped",
            id(*n)
        );
    }
}

fn hunt_paths(paths: &[&Path]) -> Output {
    hunt_json(&[], paths).0
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// A JSON Lines file of one sign-in, `filler` read-only calls, one more sign-in.
fn long_jsonl(first: u32, last: u32, filler: u32) -> Vec<u8> {
    let mut recs = vec![login(first)];
    recs.extend((0..filler).map(|i| describe_instances(&event_id(TAG + 1, i), &nov(12, 3600 + i))));
    recs.push(login(last));
    jsonl(&recs)
}

#[test]
fn truncated_gzip_keeps_the_records_before_the_cut() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let gz = gzip(&long_jsonl(1, 2, 3000));
    let cut = write_file(dir.path(), "cut.jsonl.gz", &gz[..gz.len() * 6 / 10]);
    let out = hunt_paths(&[&cut, &good]);
    let e = expect(&p(&cut), None, &[1, 900], &[2], 1);
    check("truncated gzip JSON Lines", &out, &e);
    let lines = stderr_lines(&out);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("truncated") || l.contains("corrupt")),
        "{lines:?}"
    );

    let mut recs = vec![login(3)];
    recs.extend((0..3000).map(|i| describe_instances(&event_id(TAG + 2, i), &nov(12, 7200 + i))));
    recs.push(login(4));
    let gz = gzip(&s3_log(&recs));
    let cut = write_file(dir.path(), "cut-log.json.gz", &gz[..gz.len() / 2]);
    let out = hunt_paths(&[&cut, &good]);
    let e = expect(&p(&cut), None, &[3, 900], &[4], 1);
    check("truncated gzip S3 log file", &out, &e);
}

#[test]
fn an_invalid_json_line_among_good_ones() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let mut body = jsonl(&[login(1)]);
    body.extend_from_slice(
        b"{\"eventVersion\":\"1.09\",\"eventTime\": oops, \"eventName\":\"CreateUser\"}\n",
    );
    body.extend_from_slice(&jsonl(&[login(2)]));
    let f = write_file(dir.path(), "mixed.jsonl", &body);
    let e = expect(&p(&f), Some("line 2"), &[1, 2, 900], &[], 1);
    check("invalid JSON line", &hunt_paths(&[&f, &good]), &e);
}

#[test]
fn a_syntax_error_inside_an_s3_log_file_keeps_the_records_before_it() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let body = format!(
        "{{\"Records\":[{},{{\"eventName\": nope}},{}]}}",
        login(1),
        login(2)
    );
    let f = write_file(dir.path(), "broken-log.json", body.as_bytes());
    let e = expect(&p(&f), Some("Records[1]"), &[1, 900], &[], 1);
    check("syntax error in Records[1]", &hunt_paths(&[&f, &good]), &e);
}

#[test]
fn a_record_missing_event_time() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let mut no_time = login(5);
    no_time.as_object_mut().map(|o| o.remove("eventTime"));
    let log = write_file(
        dir.path(),
        "no-time.json",
        &s3_log(&[login(1), no_time.clone(), login(2)]),
    );
    let e = expect(&p(&log), Some("Records[1]"), &[1, 2, 900], &[5], 1);
    check(
        "missing eventTime in an S3 log file",
        &hunt_paths(&[&log, &good]),
        &e,
    );
    let lines = write_file(
        dir.path(),
        "no-time.jsonl",
        &jsonl(&[login(3), no_time, login(4)]),
    );
    let e = expect(&p(&lines), Some("line 2"), &[3, 4, 900], &[5], 1);
    check(
        "missing eventTime in JSON Lines",
        &hunt_paths(&[&lines, &good]),
        &e,
    );
}

#[test]
fn records_with_fields_of_the_wrong_type() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let mut numeric_time = login(5);
    numeric_time["eventTime"] = json!(1_731_381_164);
    let mut bad_time = login(6);
    bad_time["eventTime"] = json!("yesterday at noon");
    let body = s3_log(&[
        login(1),
        numeric_time,
        bad_time,
        json!(42),
        json!("text"),
        json!(null),
        login(2),
    ]);
    let f = write_file(dir.path(), "odd-types.json", &body);
    let out = hunt_paths(&[&f, &good]);
    assert_exit(&out, 1, "wrong types");
    let name = p(&f);
    let lines: Vec<String> = stderr_lines(&out)
        .into_iter()
        .filter(|l| l.contains(&name))
        .collect();
    for i in 1..=5 {
        let loc = format!("Records[{i}]");
        assert_eq!(
            lines.iter().filter(|l| l.contains(&loc)).count(),
            1,
            "one line for {loc}: {lines:#?}"
        );
    }
    assert_eq!(lines.len(), 5, "{lines:#?}");
    let findings = json_lines(&out);
    for n in [1, 2, 900] {
        assert!(has_event(&findings, &id(n)), "record {n} not evaluated");
    }
}

#[test]
fn a_50_mb_record_is_skipped_and_the_rest_evaluated() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let mut huge = login(7);
    huge["requestParameters"] = json!({ "blob": "A".repeat(50 << 20) });
    let f = write_file(
        dir.path(),
        "huge.jsonl",
        &jsonl(&[login(1), huge, login(2)]),
    );
    let e = expect(&p(&f), Some("line 2"), &[1, 2, 900], &[7], 1);
    check("50 MB record", &hunt_paths(&[&f, &good]), &e);
}

#[test]
fn a_json_file_that_is_not_cloudtrail() {
    let dir = tempdir();
    good_file(dir.path());
    let f = write_file(
        dir.path(),
        "package.json",
        br#"{"name":"site","version":"1.0.0","dependencies":{"left-pad":"^1.3.0"}}"#,
    );
    let out = hunt_paths(&[dir.path()]);
    let e = expect(&p(&f), None, &[900], &[], 1);
    check("non-CloudTrail JSON (directory walk)", &out, &e);
}

#[test]
fn binary_garbage() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let mut x: u32 = 0x1234_5678;
    let mut bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect();
    bytes[0] = 0x89;
    let f = write_file(dir.path(), "garbage.json", &bytes);
    let e = expect(&p(&f), None, &[900], &[], 1);
    check("binary garbage", &hunt_paths(&[&f, &good]), &e);
}

/// Gzip magic followed by garbage: a corrupt compressed stream that yields no
/// byte. One line (the corruption), not two ("empty input" besides).
#[test]
fn a_corrupt_gzip_stream() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let mut bytes = vec![0x1f, 0x8b];
    bytes.extend((0u32..4094).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let f = write_file(dir.path(), "garbage.json.gz", &bytes);
    let e = expect(&p(&f), None, &[900], &[], 1);
    check("corrupt gzip", &hunt_paths(&[&f, &good]), &e);
}

/// A gzip file cut inside its first block: nothing decompresses. One line.
#[test]
fn a_gzip_file_cut_before_its_first_record() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let f = write_file(
        dir.path(),
        "cut-early.json.gz",
        &gzip(&s3_log(&[login(6)]))[..30],
    );
    let e = expect(&p(&f), None, &[900], &[6], 1);
    check(
        "gzip cut before its first record",
        &hunt_paths(&[&f, &good]),
        &e,
    );
}

#[test]
fn empty_files() {
    let dir = tempdir();
    let good = good_file(dir.path());
    for (name, body) in [
        ("empty.json", Vec::new()),
        ("blank.jsonl", b" \n\n\t\n".to_vec()),
        ("empty.json.gz", gzip(b"")),
    ] {
        let f = write_file(dir.path(), name, &body);
        let e = expect(&p(&f), None, &[900], &[], 1);
        check(name, &hunt_paths(&[&f, &good]), &e);
    }
}

/// A syntax error that starts on a multi-byte character must not panic the
/// reader (the resynchronisation has to land on a character boundary).
#[test]
fn non_ascii_text_right_after_a_record_does_not_panic() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let body = format!("{}«note»\n{}\n", login(1), login(2));
    let f = write_file(dir.path(), "glued.jsonl", body.as_bytes());
    let e = expect(&p(&f), Some("line 1"), &[1, 2, 900], &[], 1);
    check(
        "non-ASCII text glued to a record",
        &hunt_paths(&[&f, &good]),
        &e,
    );
}

#[test]
fn deeply_nested_json_does_not_overflow_the_stack() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let depth = 200_000;
    let body = format!(
        "{}\n{{\"a\":{}{}}}\n{}\n",
        login(1),
        "[".repeat(depth),
        "]".repeat(depth),
        login(2)
    );
    let f = write_file(dir.path(), "nested.jsonl", body.as_bytes());
    let e = expect(&p(&f), Some("line 2"), &[1, 2, 900], &[], 1);
    check("deeply nested JSON", &hunt_paths(&[&f, &good]), &e);
}

/// Past the first 20 bad records of a source, the rest are counted on one line.
#[test]
fn many_bad_records_are_capped_per_file() {
    let dir = tempdir();
    let mut body = jsonl(&[login(1)]);
    for _ in 0..100 {
        body.extend_from_slice(b"{not json at all}\n");
    }
    body.extend_from_slice(&jsonl(&[login(2)]));
    let f = write_file(dir.path(), "noisy.jsonl", &body);
    let out = hunt_paths(&[&f]);
    assert_exit(&out, 1, "100 bad lines");
    let name = p(&f);
    let lines: Vec<String> = stderr_lines(&out)
        .into_iter()
        .filter(|l| l.contains(&name))
        .collect();
    assert!(
        lines.len() <= 21,
        "{} lines for one noisy file",
        lines.len()
    );
    assert!(
        lines.last().is_some_and(|l| l.contains("80 more")),
        "{lines:#?}"
    );
    let findings = json_lines(&out);
    assert!(has_event(&findings, &id(1)) && has_event(&findings, &id(2)));
}

// ---- inputs that cannot be read at all: exit 2, the rest still evaluated ----

fn unreadable(what: &str, bad: &Path, others: &[&Path]) {
    let mut paths: Vec<&Path> = vec![bad];
    paths.extend_from_slice(others);
    let out = hunt_paths(&paths);
    let e = expect(&p(bad), None, &[900], &[], 2);
    check(what, &out, &e);
}

#[test]
fn a_path_that_does_not_exist() {
    let dir = tempdir();
    let good = good_file(dir.path());
    unreadable(
        "non-existent path",
        &dir.path().join("nope/missing.json.gz"),
        &[&good],
    );
}

#[test]
fn a_dangling_symlink_given_explicitly() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let link = dir.path().join("dangling.json");
    std::os::unix::fs::symlink(dir.path().join("gone.json"), &link).expect("symlink");
    unreadable("dangling symlink", &link, &[&good]);
}

#[test]
fn a_path_that_cannot_be_opened_as_a_file() {
    let dir = tempdir();
    let good = good_file(dir.path());
    let sock = dir.path().join("trail.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind a unix socket");
    unreadable("unix socket", &sock, &[&good]);
}

#[test]
fn a_dangling_symlink_inside_a_directory() {
    let dir = tempdir();
    good_file(dir.path());
    let link = dir.path().join("logs/dangling.json.gz");
    std::fs::create_dir_all(dir.path().join("logs")).expect("mkdir");
    std::os::unix::fs::symlink(dir.path().join("gone.json.gz"), &link).expect("symlink");
    let out = hunt_paths(&[dir.path()]);
    let e = expect(&p(&link), None, &[900], &[], 2);
    check("dangling symlink in a walked directory", &out, &e);
}

/// Bad records and bad files alone leave the status at 0 when the good records
/// raise nothing, and at 1 when they raise something.
#[test]
fn bad_records_alone_do_not_change_the_exit_status() {
    let dir = tempdir();
    let benign = write_file(
        dir.path(),
        "benign.jsonl",
        &jsonl(&[describe_instances(&id(50), &nov(12, 0))]),
    );
    let mut no_time = login(5);
    no_time.as_object_mut().map(|o| o.remove("eventTime"));
    let bad = [
        write_file(dir.path(), "bad/no-time.json", &s3_log(&[no_time])),
        write_file(dir.path(), "bad/syntax.jsonl", b"{\"eventName\": \n"),
        write_file(dir.path(), "bad/package.json", br#"{"name":"x"}"#),
        write_file(dir.path(), "bad/empty.json", b""),
        write_file(dir.path(), "bad/garbage.json", b"\x89PNG\r\n\x1a\n\x00\x00"),
        write_file(
            dir.path(),
            "bad/cut.json.gz",
            &gzip(&s3_log(&[login(6)]))[..30],
        ),
    ];
    let mut paths: Vec<&Path> = vec![&benign];
    paths.extend(bad.iter().map(PathBuf::as_path));
    let out = hunt_paths(&paths);
    assert_exit(&out, 0, "benign records plus bad ones");
    assert!(json_lines(&out).is_empty());
    for b in &bad {
        let named = stderr_lines(&out).iter().any(|l| l.contains(&p(b)));
        assert!(
            named,
            "{} not reported: {}",
            p(b),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let firing = write_file(dir.path(), "firing.jsonl", &jsonl(&[login(1)]));
    paths.push(&firing);
    assert_exit(&hunt_paths(&paths), 1, "a firing record plus bad ones");
}
