//! End-to-end suites for trailguard, driving the built `trailguard` binary through
//! the public contract (`../shared/contracts.md`): arguments, stdout JSON, stderr
//! lines, exit codes. Suites live in `tests/suites/*.rs` (one `[[test]]` each in
//! `tests/Cargo.toml`); this file holds the helpers they share:
//!
//! - locating and running the binary ([`binary`], [`run`], [`hunt_json`]),
//! - reading its output ([`json_lines`], [`stderr_lines`], [`exit_code`]),
//! - writing inputs ([`write_file`], [`gzip`], [`jsonl`], [`s3_log`], [`eventbridge`]),
//! - realistic CloudTrail records ([`records`]),
//! - the rule catalogue of the build under test ([`known_rules`], [`missing_note`]),
//! - a private local AWS emulator per test ([`moto::Moto`]), a realistic
//!   account to seed it with ([`seed`]) and a proxy answering chosen calls
//!   with AWS errors ([`fault_proxy`]),
//! - reading the live commands' stderr ([`partial_lines`]).
//!
//! The binary is not built by the suites: run `cargo build --workspace --bins`
//! first (`scripts/test.sh` does).

pub mod fault_proxy;
pub mod live;
pub mod moto;
pub mod records;
pub mod seed;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The account every synthetic record is in.
pub const ACCOUNT: &str = "111122223333";
/// An outside account nobody trusts.
pub const OUTSIDE_ACCOUNT: &str = "999988887777";
/// An outside account the stories' configs trust.
pub const TRUSTED_ACCOUNT: &str = "444455556666";

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// `fixtures/` in the workspace.
pub fn fixtures() -> PathBuf {
    root().join("fixtures")
}

/// Path to the `trailguard` binary under test.
///
/// `TRAILGUARD_BIN` wins when set. Otherwise the binary is the one beside this
/// test executable (`<target>/<profile>/deps/<suite>` gives
/// `<target>/<profile>/trailguard`), which follows `CARGO_TARGET_DIR` and the
/// profile without guessing.
pub fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("TRAILGUARD_BIN") {
        return PathBuf::from(p);
    }
    let name = format!("trailguard{}", std::env::consts::EXE_SUFFIX);
    if let Ok(exe) = std::env::current_exe() {
        if let Some(profile_dir) = exe.parent().and_then(Path::parent) {
            return profile_dir.join(name);
        }
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    target.join(profile).join(name)
}

/// The target directory the binary was built in (for reports such as `stratus-report.md`).
pub fn target_dir() -> PathBuf {
    let bin = binary();
    bin.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root().join("target"))
}

fn ensure_binary() {
    let bin = binary();
    if !bin.is_file() {
        panic!(
            "{} does not exist: build it first with `cargo build --workspace --bins` \
             (scripts/test.sh does), or point TRAILGUARD_BIN at a trailguard binary",
            bin.display()
        );
    }
}

/// Runs `trailguard` with arguments and optional stdin, in the workspace root.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    run_in(&root(), args, stdin)
}

/// Runs `trailguard` in `dir`.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    ensure_binary();
    let mut cmd = Command::new(binary());
    cmd.args(args)
        .current_dir(dir)
        .env_remove("TRAILGUARD_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!(
            "{}: {e} (build it first: cargo build --workspace --bins)",
            binary().display()
        )
    });
    let input = child.stdin.take();
    let data = stdin.map(<[u8]>::to_vec);
    // Feed stdin from a thread so a large input cannot deadlock against a full stdout pipe.
    let feeder = std::thread::spawn(move || {
        if let (Some(mut pipe), Some(data)) = (input, data) {
            let _ = pipe.write_all(&data);
        }
    });
    let out = child.wait_with_output().expect("wait for trailguard");
    let _ = feeder.join();
    out
}

/// Runs `hunt --format json` over `paths` with extra arguments; returns the output and its findings.
pub fn hunt_json(extra: &[&str], paths: &[&Path]) -> (Output, Vec<Value>) {
    let path_strs: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut args: Vec<&str> = vec!["hunt", "--format", "json"];
    args.extend_from_slice(extra);
    args.extend(path_strs.iter().map(String::as_str));
    let out = run(&args, None);
    let findings = json_lines(&out);
    (out, findings)
}

/// Parses stdout as JSON Lines.
pub fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"))
        })
        .collect()
}

/// The lines of stderr.
pub fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Stdout as text.
pub fn stdout_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The exit status; panics (showing stderr) when the process died of a signal
/// or panicked (Rust's panic exit status is 101).
pub fn exit_code(out: &Output) -> i32 {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("trailguard was killed by a signal; stderr:\n{stderr}"));
    assert!(
        code != 101 && !stderr.contains("panicked"),
        "trailguard panicked (status {code}); stderr:\n{stderr}"
    );
    code
}

/// Asserts the exit status, showing stderr and the start of stdout when it differs.
pub fn assert_exit(out: &Output, want: i32, what: &str) {
    let got = exit_code(out);
    assert_eq!(
        got,
        want,
        "{what}: exit status {got}, want {want}\nstderr:\n{}\nstdout (start):\n{}",
        String::from_utf8_lossy(&out.stderr),
        stdout_text(out).chars().take(2000).collect::<String>()
    );
}

/// String field of a JSON value, or "".
pub fn s<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// `actor.arn` of a finding, or "".
pub fn actor_arn(f: &Value) -> &str {
    f.pointer("/actor/arn")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The rule ids of some findings.
pub fn rule_ids(findings: &[Value]) -> BTreeSet<String> {
    findings
        .iter()
        .map(|f| s(f, "rule_id").to_owned())
        .collect()
}

/// Findings of one rule.
pub fn of_rule<'f>(findings: &'f [Value], rule: &str) -> Vec<&'f Value> {
    findings
        .iter()
        .filter(|f| s(f, "rule_id") == rule)
        .collect()
}

/// True when some finding's `event_ids` holds `id`.
pub fn has_event(findings: &[Value], id: &str) -> bool {
    findings.iter().any(|f| {
        f.get("event_ids")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|e| e.as_str() == Some(id)))
    })
}

/// The rule ids the binary under test knows (`rules --format json`).
pub fn known_rules() -> &'static BTreeSet<String> {
    static KNOWN: OnceLock<BTreeSet<String>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let out = run(&["rules", "--format", "json"], None);
        assert_exit(&out, 0, "rules --format json");
        json_lines(&out)
            .iter()
            .map(|m| s(m, "id").to_owned())
            .collect()
    })
}

/// `" (rule not in this build yet)"` for ids the binary does not know, else "".
/// Failure messages carry it so a failure caused only by an unmerged rule is
/// told apart from a wrong result.
pub fn missing_note(rule: &str) -> &'static str {
    if known_rules().contains(rule) {
        ""
    } else {
        " (rule not in this build yet)"
    }
}

/// Writes `bytes` at `dir/rel`, creating parent directories; returns the path.
pub fn write_file(dir: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    }
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    p
}

/// Gzip-compresses bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use flate2::write::GzEncoder;
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

/// JSON Lines of records.
pub fn jsonl(records: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        out.extend_from_slice(r.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

/// A CloudTrail S3 log file `{"Records":[...]}`.
pub fn s3_log(records: &[Value]) -> Vec<u8> {
    serde_json::json!({ "Records": records })
        .to_string()
        .into_bytes()
}

/// An EventBridge event carrying `record` as its `detail`, with the detail-type
/// CloudTrail uses for its kind of event.
pub fn eventbridge(record: &Value) -> Value {
    let detail_type = match s(record, "eventType") {
        "AwsConsoleSignIn" => "AWS Console Sign In via CloudTrail",
        _ => "AWS API Call via CloudTrail",
    };
    let source = s(record, "eventSource");
    let source = source.strip_suffix(".amazonaws.com").unwrap_or(source);
    serde_json::json!({
        "version": "0",
        "id": format!("eb-{}", s(record, "eventID")),
        "detail-type": detail_type,
        "source": format!("aws.{source}"),
        "account": s(record, "recipientAccountId"),
        "time": s(record, "eventTime"),
        "region": s(record, "awsRegion"),
        "resources": [],
        "detail": record,
    })
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("trailguard-e2e-")
        .tempdir()
        .expect("temporary directory")
}

/// Seconds since the epoch of a `YYYY-MM-DDTHH:MM:SSZ` time, or `None` when the
/// text is not exactly that form (the contract's time format).
pub fn epoch(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let shape_ok = b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let n = |r: std::ops::Range<usize>| t[r].parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Every rule id the project plans (the lead's list); the README's rule table
/// and the stories refer to them.
pub const PLANNED_RULES: &[&str] = &[
    "iam-user-created-outside-window",
    "iam-admin-granted",
    "iam-access-key-for-other-user",
    "iam-login-profile-for-other-user",
    "iam-mfa-removed",
    "iam-trust-opened",
    "iam-identity-provider-changed",
    "iam-password-policy-weakened",
    "root-access-key-created",
    "root-activity",
    "signin-console-login-without-mfa",
    "signin-federation-token-issued",
    "signin-break-glass-used",
    "logging-cloudtrail-tampered",
    "logging-guardduty-disabled",
    "logging-config-stopped",
    "logging-securityhub-disabled",
    "logging-organization-left",
    "logging-network-logs-deleted",
    "guard-self-tampered",
    "ec2-terminate-many",
    "ec2-resource-shared-outside",
    "ec2-security-group-open-world",
    "lambda-function-exposed",
    "ec2-user-data-modified",
    "corr-backdoor-admin",
    "corr-mass-termination",
    "corr-login-then-takeover",
    "corr-access-denied-probing",
    "corr-policy-version-escalation",
    "lambda-layer-attached",
    "ec2-instance-remote-access-pushed",
    "ec2-ssh-key-pushed-to-many",
    "secrets-harvesting",
    "corr-mass-deletion",
    "iam-console-access-added-to-self",
    "s3-bucket-made-public",
    "posture-unexpected-admin",
    "posture-console-user-without-mfa",
    "posture-root-without-mfa",
    "posture-root-access-keys",
    "posture-role-trusts-outside",
    "posture-identity-provider-unlisted",
    "posture-user-created-outside-window",
    "posture-access-key-hygiene",
    "posture-console-password-never-used",
    "posture-password-policy-weak",
    "posture-ssh-and-service-credentials",
];

/// The contract's severities, lowest first.
pub const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

/// The strings of a JSON array of strings; `None` when it is anything else.
pub fn string_array(v: Option<&Value>) -> Option<Vec<&str>> {
    v?.as_array()?.iter().map(Value::as_str).collect()
}

/// An ATT&CK technique id: `T1234` or `T1234.001`.
pub fn is_technique(t: &str) -> bool {
    let mut parts = t.strip_prefix('T').unwrap_or("x").split('.');
    let main = parts.next().unwrap_or("");
    let sub = parts.next();
    main.len() == 4
        && main.bytes().all(|b| b.is_ascii_digit())
        && sub.is_none_or(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_none()
}

/// The stderr lines of a live command that report a partial result
/// (`trailguard: partial result: ...`, the contract's gap line).
pub fn partial_lines(out: &Output) -> Vec<String> {
    stderr_lines(out)
        .into_iter()
        .filter(|l| l.starts_with("trailguard: partial result: "))
        .collect()
}
