//! The IAM rules against records nobody on this team wrote: the Stratus Red
//! Team detonation logs (each IAM technique must be caught by the right rule,
//! and the IAM rules must stay quiet on the other techniques), and Panther's
//! labelled tests where a Panther rule means the same as ours.
//!
//! The corpus is the in-repository copy (`fixtures/corpus`, see `fixtures/THIRD_PARTY.md`); when it is
//! absent the tests fail.

use crate::config::Config;
use crate::engine::{Engine, MemoryStore};
use crate::finding::Finding;
use crate::record::Record;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/corpus/");

/// Ids of the rules in this area.
fn iam_rule_ids() -> BTreeSet<&'static str> {
    super::rules().iter().map(|r| r.meta().id).collect()
}

/// The corpus file's lines as JSON, or `None` (with a notice) when it is absent.
fn corpus(file: &str) -> Option<Vec<Value>> {
    let path = format!("{CORPUS}{file}");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e} (in-repo corpus)"));
    Some(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("corpus line"))
            .collect(),
    )
}

/// Findings of the whole engine for one record.
fn findings(engine: &Engine, record: &Value) -> Vec<Finding> {
    let text = record.to_string();
    let rec: Record = serde_json::from_str(&text).expect("record");
    let t = rec.time().unwrap_or(0);
    engine
        .evaluate(&rec, t, &mut MemoryStore::new())
        .expect("memory store")
}

/// Which of our IAM rules must fire on each Stratus technique.
const STRATUS: &[(&str, &[&str])] = &[
    (
        "aws.persistence.iam-create-admin-user",
        &[
            "iam-admin-granted",
            "iam-access-key-for-other-user",
            "iam-user-created-outside-window",
        ],
    ),
    (
        "aws.persistence.iam-backdoor-user",
        &["iam-access-key-for-other-user"],
    ),
    ("aws.persistence.iam-backdoor-role", &["iam-trust-opened"]),
    (
        "aws.persistence.iam-create-backdoor-role",
        &["iam-trust-opened", "iam-admin-granted"],
    ),
    (
        "aws.persistence.iam-create-user-login-profile",
        &["iam-login-profile-for-other-user"],
    ),
    (
        "aws.privilege-escalation.iam-update-user-login-profile",
        &["iam-login-profile-for-other-user"],
    ),
    (
        "aws.persistence.rolesanywhere-create-trust-anchor",
        &["iam-identity-provider-changed"],
    ),
];

#[test]
fn stratus_iam_techniques_are_caught_by_the_right_rules() {
    let Some(lines) = corpus("stratus_detonation_logs.jsonl") else {
        return;
    };
    let engine = Engine::new(Config::default());
    let ours = iam_rule_ids();
    let mut fired: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in &lines {
        let technique = line["technique_id"].as_str().unwrap_or("").to_owned();
        for f in findings(&engine, &line["record"]) {
            if ours.contains(f.rule_id.as_str()) {
                fired
                    .entry(technique.clone())
                    .or_default()
                    .insert(f.rule_id);
            }
        }
    }
    let mut problems = Vec::new();
    for (technique, rules) in STRATUS {
        let got = fired.remove(*technique).unwrap_or_default();
        let want: BTreeSet<String> = rules.iter().map(|r| r.to_string()).collect();
        if got != want {
            problems.push(format!("{technique}: want {want:?}, got {got:?}"));
        }
    }
    for (technique, got) in fired {
        problems.push(format!(
            "{technique} is not an IAM technique but raised {got:?}"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Panther rules that mean what one of ours means.
const PANTHER: &[(&str, &str)] = &[
    ("AWS.IAM.AttachAdminUserPolicy", "iam-admin-granted"),
    ("AWS.IAM.AttachAdminRolePolicy", "iam-admin-granted"),
    (
        "AWS.IAM.Backdoor.User.Keys",
        "iam-access-key-for-other-user",
    ),
    (
        "AWS.CloudTrail.RootAccessKeyCreated",
        "root-access-key-created",
    ),
    ("AWS.IAM.BackdoorRole", "iam-trust-opened"),
    (
        "AWS.Suspicious.SAML.Activity",
        "iam-identity-provider-changed",
    ),
    (
        "AWS.User.Login.Profile.Modified",
        "iam-login-profile-for-other-user",
    ),
    (
        "AWS.CloudTrail.LoginProfileCreatedOrModified",
        "iam-login-profile-for-other-user",
    ),
];

/// Panther tests where we deliberately decide otherwise, and why.
const PANTHER_DISAGREE: &[(&str, &str)] = &[
    // Role session `assumed-role/IAM/alice` resetting user alice's password:
    // Panther matches the session name to the user name; the session name is
    // chosen by whoever assumed the role, so we treat it as another principal.
    (
        "ChangeOwnPassword",
        "a role session's name is attacker-chosen",
    ),
    // Reset with `passwordResetRequired: true`: the one who set the temporary
    // password can do the reset, so the takeover still works.
    (
        "User changed password for other reset required",
        "a required reset does not stop the setter",
    ),
    // Panther's SAML rule also reports deletions; removing a provider closes a
    // way in (see identity_provider_changed's module docs).
    ("DeleteSAMLProvider", "a removal is not an opening"),
];

#[test]
fn panther_verdicts_agree_where_the_semantics_match() {
    let Some(lines) = corpus("panther_cloudtrail_tests.jsonl") else {
        return;
    };
    let engine = Engine::new(Config::default());
    let mut checked = 0;
    let mut problems = Vec::new();
    for line in &lines {
        let panther_rule = line["rule_id"].as_str().unwrap_or("");
        let Some((_, ours)) = PANTHER.iter().find(|(p, _)| *p == panther_rule) else {
            continue;
        };
        let name = line["test_name"].as_str().unwrap_or("");
        let mut expected = line["expected"].as_bool().unwrap_or(false);
        if PANTHER_DISAGREE.iter().any(|(t, _)| *t == name) {
            expected = !expected;
        }
        let got = findings(&engine, &line["record"])
            .iter()
            .any(|f| f.rule_id == *ours);
        checked += 1;
        if got != expected {
            problems.push(format!(
                "{panther_rule} / {name}: expected {expected}, {ours} gave {got}"
            ));
        }
    }
    assert!(checked >= 20, "only {checked} Panther tests matched");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
