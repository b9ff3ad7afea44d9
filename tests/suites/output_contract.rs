//! The output contract: the Finding schema (`--format json`), the OCSF mapping,
//! the text report, `--min-severity` and exit codes, and deterministic output.
//! `rules` and `config` are in `rules_and_config.rs`.

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use trailguard_e2e::records::{
    create_user, describe_instances, event_id, iam_user, mixed, nov, root_login,
};
use trailguard_e2e::*;

const TAG: u32 = 0xc0;

fn mixed_records() -> Vec<Value> {
    mixed(TAG)
}

fn mixed_file(dir: &Path) -> PathBuf {
    write_file(dir, "mixed.jsonl", &jsonl(&mixed_records()))
}

fn is_opt_string(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Null) | Some(Value::String(_)))
}

/// Checks one finding against the contract's schema; returns the problems.
fn schema_problems(f: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            bad.push(what.to_owned());
        }
    };
    for key in ["rule_id", "title", "summary", "region"] {
        need(
            f.get(key).is_some_and(Value::is_string),
            &format!("{key} is a string"),
        );
    }
    need(
        !s(f, "rule_id").is_empty() && !s(f, "title").is_empty(),
        "rule_id and title are not empty",
    );
    need(
        !s(f, "summary").is_empty() && !s(f, "summary").contains('\n'),
        "summary is one non-empty line",
    );
    need(
        SEVERITIES.contains(&s(f, "severity")),
        "severity is info|low|medium|high|critical",
    );
    need(
        epoch(s(f, "time")).is_some(),
        "time is YYYY-MM-DDTHH:MM:SSZ",
    );
    let acct = s(f, "account");
    need(
        acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()),
        "account is a 12-digit string",
    );
    need(
        ["alert", "quarantine"].contains(&s(f, "response")),
        "response is alert|quarantine",
    );
    need(
        string_array(f.get("resources")).is_some(),
        "resources is an array of strings",
    );
    need(
        string_array(f.get("event_ids")).is_some_and(|v| !v.is_empty()),
        "event_ids is a non-empty array of strings",
    );
    let mitre = string_array(f.get("mitre"));
    need(
        mitre
            .as_ref()
            .is_some_and(|m| !m.is_empty() && m.iter().all(|t| is_technique(t))),
        "mitre holds ATT&CK ids",
    );
    bad.extend(actor_problems(f.get("actor")));
    bad
}

/// Checks `actor`: an object with `type` and the five nullable strings.
fn actor_problems(actor: Option<&Value>) -> Vec<String> {
    let mut bad = Vec::new();
    if !actor.is_some_and(Value::is_object) {
        bad.push("actor is an object".to_owned());
    }
    for key in [
        "arn",
        "session_arn",
        "access_key_id",
        "source_ip",
        "user_agent",
    ] {
        if !is_opt_string(actor.and_then(|a| a.get(key))) {
            bad.push(format!("actor.{key} is present, a string or null"));
        }
    }
    if !actor
        .and_then(|a| a.get("type"))
        .is_some_and(Value::is_string)
    {
        bad.push("actor.type is a string".to_owned());
    }
    bad
}

#[test]
fn json_findings_follow_the_schema() {
    let dir = tempdir();
    let (out, findings) = hunt_json(&[], &[&mixed_file(dir.path())]);
    assert_exit(&out, 1, "hunt --format json");
    assert!(findings.len() >= 5, "{findings:#?}");
    for f in &findings {
        let bad = schema_problems(f);
        assert!(bad.is_empty(), "finding breaks the schema: {bad:?}\n{f:#}");
        assert!(known_rules().contains(s(f, "rule_id")));
    }
    let stdout = stdout_text(&out);
    assert!(
        stdout.lines().all(|l| l.starts_with('{')),
        "nothing but findings on stdout"
    );
}

fn finding_for(findings: &[Value], event: u32) -> &Value {
    let id = event_id(TAG, event);
    findings
        .iter()
        .find(|f| {
            f["event_ids"]
                .as_array()
                .is_some_and(|a| a.iter().any(|e| e == id.as_str()))
        })
        .unwrap_or_else(|| panic!("no finding for event {id}: {findings:#?}"))
}

#[test]
fn actor_arn_names_the_principal() {
    let dir = tempdir();
    let (_, findings) = hunt_json(&[], &[&mixed_file(dir.path())]);
    let root = finding_for(&findings, 1);
    assert_eq!(actor_arn(root), "arn:aws:iam::111122223333:root");
    assert_eq!(root["actor"]["type"], "Root");
    assert_eq!(root["actor"]["session_arn"], Value::Null);
    assert_eq!(root["response"], "alert", "root is never quarantined");
    let user = finding_for(&findings, 2);
    assert_eq!(actor_arn(user), "arn:aws:iam::111122223333:user/alice");
    assert_eq!(user["actor"]["type"], "IAMUser");
    assert_eq!(user["actor"]["session_arn"], Value::Null);
    assert_eq!(user["actor"]["access_key_id"], "AKIAE2EALICE");
    assert_eq!(
        user["resources"],
        json!(["arn:aws:iam::111122223333:user/backup1"])
    );
    let role = finding_for(&findings, 3);
    assert_eq!(actor_arn(role), "arn:aws:iam::111122223333:role/deploy");
    assert_eq!(role["actor"]["type"], "AssumedRole");
    assert_eq!(
        role["actor"]["session_arn"],
        "arn:aws:sts::111122223333:assumed-role/deploy/ci-4242"
    );
    let derived = finding_for(&findings, 4);
    assert_eq!(actor_arn(derived), "arn:aws:iam::111122223333:role/ops");
    assert_eq!(
        derived["actor"]["session_arn"],
        "arn:aws:sts::111122223333:assumed-role/ops/jane@example.com"
    );
    let root_no_arn = finding_for(&findings, 6);
    assert_eq!(actor_arn(root_no_arn), "arn:aws:iam::111122223333:root");
    assert!(
        !has_event(&findings, &event_id(TAG, 5)),
        "a read-only call raised something"
    );
}

#[test]
fn ocsf_findings_map_the_json_ones() {
    let dir = tempdir();
    let file = mixed_file(dir.path());
    let (_, findings) = hunt_json(&[], &[&file]);
    let out = run(
        &["hunt", "--format", "ocsf", &file.display().to_string()],
        None,
    );
    assert_exit(&out, 1, "hunt --format ocsf");
    let ocsf = json_lines(&out);
    assert_eq!(ocsf.len(), findings.len(), "one OCSF object per finding");
    let mut uids = BTreeSet::new();
    for (o, f) in ocsf.iter().zip(&findings) {
        assert_eq!(o["class_uid"], 2004, "{o:#}");
        assert_eq!(o["category_uid"], 2);
        assert_eq!(o["type_uid"], 200401);
        assert_eq!(
            o["type_uid"].as_i64(),
            Some(
                o["class_uid"].as_i64().unwrap_or(0) * 100
                    + o["activity_id"].as_i64().unwrap_or(-1)
            )
        );
        let sev = SEVERITIES
            .iter()
            .position(|x| *x == s(f, "severity"))
            .map(|i| i as i64 + 1);
        assert_eq!(
            o["severity_id"].as_i64(),
            sev,
            "severity_id for {}",
            s(f, "severity")
        );
        let ms = epoch(s(f, "time")).map(|t| t * 1000);
        assert_eq!(o["time"].as_i64(), ms, "OCSF time is epoch milliseconds");
        let uid = o
            .pointer("/finding_info/uid")
            .and_then(Value::as_str)
            .unwrap_or("");
        assert!(
            !uid.is_empty() && uids.insert(uid.to_owned()),
            "finding_info.uid is set and unique: {uid:?}"
        );
        assert_eq!(o.pointer("/finding_info/title"), f.get("title"));
        assert_eq!(o.pointer("/cloud/account/uid"), f.get("account"));
        assert_eq!(
            o.pointer("/cloud/provider").and_then(Value::as_str),
            Some("AWS")
        );
        assert_eq!(o.pointer("/actor/user/uid"), f.pointer("/actor/arn"));
        assert_eq!(o.get("message"), f.get("summary"));
        assert!(o.pointer("/metadata/version").is_some_and(Value::is_string));
        assert!(o
            .pointer("/metadata/product/name")
            .is_some_and(Value::is_string));
    }
}

#[test]
fn text_output_groups_by_actor_with_a_timeline() {
    let dir = tempdir();
    let file = mixed_file(dir.path());
    let (_, findings) = hunt_json(&[], &[&file]);
    let out = run(&["hunt", &file.display().to_string()], None);
    assert_exit(&out, 1, "hunt (text)");
    let text = stdout_text(&out);
    assert!(
        text.starts_with("trailguard hunt: 6 records from 1 source(s)"),
        "{text}"
    );
    let actors: BTreeSet<&str> = findings.iter().map(actor_arn).collect();
    let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(headers.len(), actors.len(), "one group per actor:\n{text}");
    for a in &actors {
        assert_eq!(
            headers
                .iter()
                .filter(|h| h.starts_with(&format!("== {a} ")))
                .count(),
            1,
            "group for {a}:\n{text}"
        );
    }
    assert!(
        headers[0].contains(":root"),
        "the worst actor (root, critical) comes first:\n{text}"
    );
    assert_eq!(
        text.matches("timeline:").count(),
        actors.len(),
        "a timeline per actor:\n{text}"
    );
    // Each group lists its own findings' rules and events.
    let groups: Vec<&str> = text.split("\n== ").skip(1).collect();
    for f in &findings {
        let g = groups
            .iter()
            .find(|g| g.starts_with(actor_arn(f)))
            .expect("group");
        assert!(
            g.contains(s(f, "rule_id")),
            "{} missing from its actor's group:\n{g}",
            s(f, "rule_id")
        );
    }
    assert!(
        groups.iter().any(|g| g.contains("CreateUser backup1")),
        "timeline names the event and target:\n{text}"
    );
}

#[test]
fn min_severity_filters_and_sets_the_exit_status() {
    let dir = tempdir();
    let file = mixed_file(dir.path());
    let (out, high) = hunt_json(&["--min-severity", "high"], &[&file]);
    assert_exit(&out, 1, "--min-severity high");
    assert!(
        !high.is_empty()
            && high
                .iter()
                .all(|f| ["high", "critical"].contains(&s(f, "severity"))),
        "{high:#?}"
    );
    let (_, all) = hunt_json(&["--min-severity", "info"], &[&file]);
    assert!(all.len() > high.len());
    let creates = write_file(dir.path(), "creates.jsonl", &jsonl(&mixed_records()[1..5]));
    let (out, none) = hunt_json(&["--min-severity", "critical"], &[&creates]);
    assert_exit(&out, 0, "--min-severity above every finding");
    assert!(none.is_empty());
    let text = run(
        &[
            "hunt",
            "--min-severity",
            "critical",
            &creates.display().to_string(),
        ],
        None,
    );
    assert_exit(&text, 0, "text, --min-severity critical");
    assert!(stdout_text(&text).contains("no findings"));
    let out = run(
        &[
            "hunt",
            "--min-severity",
            "severe",
            &file.display().to_string(),
        ],
        None,
    );
    assert_exit(&out, 2, "unknown severity");
    assert!(out.stdout.is_empty());
}

#[test]
fn exit_codes() {
    let dir = tempdir();
    let benign = write_file(dir.path(), "benign.jsonl", &jsonl(&mixed_records()[4..5]));
    let file = mixed_file(dir.path());
    let b = benign.display().to_string();
    let f = file.display().to_string();
    assert_exit(&run(&["hunt", &b], None), 0, "no findings");
    assert_exit(
        &run(&["hunt", "--format", "json", &b], None),
        0,
        "no findings (json)",
    );
    assert_exit(&run(&["hunt", &f], None), 1, "findings");
    let missing = dir.path().join("missing.json").display().to_string();
    let out = run(&["hunt", "--format", "json", &f, &missing], None);
    assert_exit(&out, 2, "I/O error beside findings");
    assert!(
        !json_lines(&out).is_empty(),
        "the readable input is still reported"
    );
    assert_exit(&run(&["hunt"], None), 2, "no path");
    assert_exit(
        &run(&["hunt", "--format", "yaml", &f], None),
        2,
        "unknown format",
    );
    assert_exit(&run(&["no-such-command"], None), 2, "unknown subcommand");
    assert_exit(&run(&["--help"], None), 0, "--help");
    assert_exit(&run(&["--version"], None), 0, "--version");
}

/// The same multi-file directory gives byte-identical stdout and stderr with
/// one and two worker threads, in every format.
#[test]
fn output_is_deterministic_across_thread_counts() {
    let dir = tempdir();
    for i in 0..40u32 {
        let day = 9 + i % 5;
        let mut recs = vec![
            root_login(&event_id(0xd0 + i, 1), &nov(day, 3600 * (i % 20) + 7)),
            create_user(
                &event_id(0xd0 + i, 2),
                &nov(day, 3600 * (i % 20) + 9),
                iam_user(&format!("user{}", i % 3)),
                &format!("new{i}"),
            ),
            describe_instances(&event_id(0xd0 + i, 3), &nov(day, 3600 * (i % 20) + 11)),
        ];
        if i % 7 == 0 {
            recs.push(json!({"eventName": "ConsoleLogin", "eventID": format!("no-time-{i}")}));
        }
        let rel =
            format!("AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/11/{day:02}/f{i:03}.json.gz");
        write_file(dir.path(), &rel, &gzip(&s3_log(&recs)));
    }
    let d = dir.path().display().to_string();
    for format in ["json", "text", "ocsf"] {
        let one = run(&["hunt", "--format", format, "--threads", "1", &d], None);
        let two = run(&["hunt", "--format", format, "--threads", "2", &d], None);
        assert_exit(&one, 1, "--threads 1");
        assert_exit(&two, 1, "--threads 2");
        assert!(
            one.stdout == two.stdout,
            "{format}: stdout differs between --threads 1 and 2"
        );
        assert!(
            one.stderr == two.stderr,
            "{format}: stderr differs between --threads 1 and 2"
        );
        let again = run(&["hunt", "--format", format, "--threads", "2", &d], None);
        assert!(again.stdout == two.stdout, "{format}: two runs differ");
    }
}
