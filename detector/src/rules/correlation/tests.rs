//! Tests over every correlation rule: its fixtures in any arrival order and with
//! redeliveries, the Stratus Red Team detonations, and configured thresholds.
//! Helpers here are shared with the rules' own test modules.

use crate::config::Config;
use crate::engine::{Engine, MemoryStore};
use crate::finding::Finding;
use crate::record::input::read_bytes;
use std::path::{Path, PathBuf};

/// The correlation rule ids.
pub(crate) fn ids() -> Vec<&'static str> {
    super::rules().iter().map(|r| r.meta().id).collect()
}

/// Evaluates records (one JSON document per line), one at a time, in the given order.
pub(crate) fn run(engine: &Engine, lines: &[String]) -> Vec<Finding> {
    let mut store = MemoryStore::new();
    let mut out = Vec::new();
    for line in lines {
        let rep = read_bytes("story", line.as_bytes(), &mut |rec, t, _| {
            out.extend(engine.evaluate(rec, t, &mut store).expect("memory store"));
        });
        assert!(rep.issues.is_empty(), "{:?}", rep.issue_lines());
    }
    out
}

/// Findings of `rule` only.
pub(crate) fn of(rule: &str, findings: Vec<Finding>) -> Vec<Finding> {
    findings.into_iter().filter(|f| f.rule_id == rule).collect()
}

/// Runs `lines` with a default engine and returns the findings of `rule`.
pub(crate) fn findings(rule: &str, lines: &[String]) -> Vec<Finding> {
    of(rule, run(&Engine::new(Config::default()), lines))
}

fn fixtures(rule: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/rules")
        .join(rule)
}

/// The records of a fixture file, one per line.
pub(crate) fn story(rule: &str, file: &str) -> Vec<String> {
    let p = fixtures(rule).join(file);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn config(rule: &str) -> Config {
    let p = fixtures(rule).join("config.toml");
    if p.exists() {
        Config::load(&p).expect("fixture config")
    } else {
        Config::default()
    }
}

/// Deterministic permutations of a story: as is, reversed, rotated, shuffled.
fn orders(lines: &[String]) -> Vec<(String, Vec<String>)> {
    let mut v = vec![("forward".to_owned(), lines.to_vec())];
    v.push(("reversed".to_owned(), lines.iter().rev().cloned().collect()));
    for k in 1..lines.len().min(4) {
        let mut r = lines.to_vec();
        r.rotate_left(k);
        v.push((format!("rotated {k}"), r));
    }
    for seed in 1..=4u64 {
        let mut r = lines.to_vec();
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for i in (1..r.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            r.swap(i, (x % (i as u64 + 1)) as usize);
        }
        v.push((format!("shuffle {seed}"), r));
    }
    let doubled: Vec<String> = lines.iter().flat_map(|l| [l.clone(), l.clone()]).collect();
    v.push(("each record twice".to_owned(), doubled));
    let mut again = lines.to_vec();
    again.extend(lines.iter().rev().cloned());
    v.push(("redelivered in reverse".to_owned(), again));
    v
}

fn files(rule: &str, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixtures(rule))
        .expect("fixture dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix) && n.ends_with(".jsonl"))
        .collect();
    v.sort();
    v
}

#[test]
fn positive_fixtures_fire_exactly_once_in_any_order_and_with_redeliveries() {
    let mut failures = Vec::new();
    for rule in ids() {
        let engine = Engine::new(config(rule));
        for file in files(rule, "positive") {
            for (how, lines) in orders(&story(rule, &file)) {
                let n = of(rule, run(&engine, &lines)).len();
                if n != 1 {
                    failures.push(format!("{rule}/{file} {how}: {n} findings"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Negatives stay quiet in any order, except where late history is a known
/// limit (corr-login-then-takeover: an address history delivered after the
/// login it should excuse); those are checked forward and with redeliveries.
#[test]
fn negative_fixtures_stay_quiet_in_any_order() {
    let mut failures = Vec::new();
    for rule in ids() {
        let engine = Engine::new(config(rule));
        for file in files(rule, "negative") {
            for (how, lines) in orders(&story(rule, &file)) {
                let history_order = how != "forward" && how != "each record twice";
                if rule == "corr-login-then-takeover" && history_order {
                    continue;
                }
                let hits = of(rule, run(&engine, &lines));
                if !hits.is_empty() {
                    failures.push(format!(
                        "{rule}/{file} {how}: {:?}",
                        hits.iter().map(|f| &f.summary).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn findings_list_every_fact_oldest_first() {
    for rule in ids() {
        let engine = Engine::new(config(rule));
        for file in files(rule, "positive") {
            for (how, lines) in orders(&story(rule, &file)) {
                for f in of(rule, run(&engine, &lines)) {
                    let ctx = format!("{rule}/{file} {how}");
                    assert!(f.timeline.len() >= 2, "{ctx}: {:?}", f.timeline);
                    assert!(
                        f.timeline.windows(2).all(|w| w[0].time <= w[1].time),
                        "{ctx}"
                    );
                    let ids: Vec<&String> = f.timeline.iter().map(|e| &e.event_id).collect();
                    assert_eq!(f.event_ids.iter().collect::<Vec<_>>(), ids, "{ctx}");
                    assert_eq!(
                        f.time,
                        f.timeline.last().map(|e| e.time).unwrap_or_default(),
                        "{ctx}"
                    );
                    assert!(
                        f.actor.arn.is_some() && !f.account.is_empty() && !f.summary.is_empty(),
                        "{ctx}"
                    );
                    assert!(!f.resources.is_empty(), "{ctx}: no resources");
                }
            }
        }
    }
}

fn stratus() -> Option<Vec<(String, String)>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/corpus/stratus_detonation_logs.jsonl"
    );
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e} (in-repo corpus)"));
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("corpus line");
        let technique = v["technique_id"].as_str().unwrap_or_default().to_owned();
        out.push((technique, v["record"].to_string()));
    }
    Some(out)
}

#[test]
fn stratus_backdoor_techniques_fire_the_backdoor_rule_once() {
    let Some(corpus) = stratus() else {
        return;
    };
    for technique in [
        "aws.persistence.iam-create-admin-user",
        "aws.persistence.iam-create-backdoor-role",
    ] {
        let lines: Vec<String> = corpus
            .iter()
            .filter(|(t, _)| t == technique)
            .map(|(_, r)| r.clone())
            .collect();
        assert!(!lines.is_empty(), "{technique} missing from the corpus");
        for (how, lines) in orders(&lines) {
            let f = findings("corr-backdoor-admin", &lines);
            assert_eq!(f.len(), 1, "{technique} {how}: {f:?}");
            assert!(
                f[0].resources[0].contains(":user/malicious-iam-user")
                    || f[0].resources[0].contains(":role/stratus-red-team-malicious-iam-role")
            );
            assert!(f[0].timeline.len() >= 2, "{technique} {how}");
        }
    }
}

#[test]
fn stratus_corpus_as_one_stream_raises_backdoors_only_where_expected() {
    let Some(corpus) = stratus() else {
        return;
    };
    let lines: Vec<String> = corpus.iter().map(|(_, r)| r.clone()).collect();
    let all = run(&Engine::new(Config::default()), &lines);
    let corr: Vec<&Finding> = all
        .iter()
        .filter(|f| f.rule_id.starts_with("corr-"))
        .collect();
    for f in &corr {
        println!("{} {} {:?}", f.rule_id, f.summary, f.resources);
    }
    let backdoors = corr
        .iter()
        .filter(|f| f.rule_id == "corr-backdoor-admin")
        .count();
    // The admin user and the backdoor role (the login-profile technique's user is made before the logs).
    assert_eq!(backdoors, 2, "backdoor findings");
    assert!(
        !corr.iter().any(|f| f.rule_id == "corr-mass-termination"),
        "no mass termination in stratus"
    );
}

#[test]
fn thresholds_come_from_the_config() {
    let cfg = Config::parse("[thresholds]\nmass_termination = { count = 3, window = \"5m\" }")
        .expect("config");
    let engine = Engine::new(cfg);
    let rule = "corr-mass-termination";
    // 9 instances in 10 minutes: the first three calls (6 instances) fall within 5 minutes.
    let nine = story(rule, "negative-nine-instances-in-ten-minutes.jsonl");
    assert!(!of(rule, run(&engine, &nine)).is_empty());
    assert!(findings(rule, &nine).is_empty());
    // 2 instances an hour apart, five times: never 3 within 5 minutes.
    let hours = story(rule, "negative-ten-instances-over-five-hours.jsonl");
    assert!(of(rule, run(&engine, &hours)).is_empty());
    let strict = Engine::new(
        Config::parse("[thresholds]\nmass_termination = { count = 11 }").expect("config"),
    );
    assert!(of(
        rule,
        run(
            &strict,
            &story(rule, "positive-ten-instances-in-four-calls.jsonl")
        )
    )
    .is_empty());
    let wide = Engine::new(
        Config::parse("[thresholds]\nmass_termination = { window = \"6h\" }").expect("config"),
    );
    assert_eq!(of(rule, run(&wide, &hours)).len(), 1);
}

/// An IAM user's identity, for hand-made records.
pub(crate) fn iam_user(name: &str) -> serde_json::Value {
    serde_json::json!({"type": "IAMUser", "principalId": format!("AIDA{}", name.to_uppercase()),
        "arn": format!("arn:aws:iam::111122223333:user/{name}"), "accountId": "111122223333",
        "accessKeyId": format!("AKIA{}", name.to_uppercase()), "userName": name})
}

/// A realistic record: `fields` (requestParameters, errorCode, ...) are merged in;
/// the event id is derived from the time, name and `n`.
pub(crate) fn record(
    n: u32,
    time: &str,
    source: &str,
    name: &str,
    who: &serde_json::Value,
    fields: serde_json::Value,
) -> String {
    let mut r = serde_json::json!({
        "eventVersion": "1.09", "userIdentity": who, "eventTime": time, "eventSource": source,
        "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.50",
        "userAgent": "aws-cli/2.15.30", "requestParameters": null, "responseElements": null,
        "requestID": format!("req-{n}"), "eventID": format!("{time}-{name}-{n}"), "readOnly": false,
        "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    });
    if let (Some(obj), Some(extra)) = (r.as_object_mut(), fields.as_object()) {
        for (k, v) in extra {
            obj.insert(k.clone(), v.clone());
        }
    }
    r.to_string()
}
