//! `trailguard quarantine` / `release` against a private moto through the
//! SDK: a user with two keys and a console password, a role given by a
//! session ARN, a single access key, an EC2 instance. Each test checks the
//! real effect by reading moto back (policy present, keys inactive, groups
//! swapped, protection flags, snapshots), that a second quarantine changes
//! nothing, that the release restores exactly the recorded state, that a
//! release is refused when the target changed since, and that protected
//! principals are refused and left untouched.

#[path = "guard_support.rs"]
mod support;

use serde_json::{json, Value};
use support::*;
use trailguard_e2e::moto::MOTO_ACCOUNT;
use trailguard_e2e::*;

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{MOTO_ACCOUNT}:user/{name}")
}

const POLICY: &str = "trailguard-quarantine";

fn all_status(env: &Env, user: &str, status: &str) -> bool {
    let keys = env.keys(user);
    !keys.is_empty() && keys.values().all(|s| s == status)
}

/// A dry run prints the exact calls (one per key) and changes nothing.
fn dry_run_changes_nothing(env: &Env, arn: &str, keys: &[String]) {
    // Dry run: the exact calls; nothing changes, nothing is journalled.
    let out = env.ok(
        &["quarantine", arn, "--dry-run", "--reason", "key leaked"],
        0,
    );
    assert!(out.contains("would make 4 API call(s)"), "{out}");
    for k in keys {
        assert!(out.contains(&format!(r#""AccessKeyId":"{k}""#)), "{out}");
    }
    for call in [
        "1. iam:PutUserPolicy {",
        "iam:UpdateAccessKey {",
        "4. iam:TagUser {",
    ] {
        assert!(out.contains(call), "{call} in {out}");
    }
    assert!(!env.journal.exists());
    assert!(all_status(env, "alice", "Active"));
    assert_eq!(env.inline_policy("user", "alice", POLICY), None);
}

/// What a quarantine of alice leaves in moto.
fn quarantined_in_moto(env: &Env, arn: &str, entry: &Value) {
    // The real effect in moto.
    let doc = env
        .inline_policy("user", "alice", POLICY)
        .expect("quarantine policy");
    assert_eq!(statement(&doc)["Effect"], "Deny");
    assert_eq!(statement(&doc)["Action"], "*");
    assert!(
        all_status(env, "alice", "Inactive"),
        "{:?}",
        env.keys("alice")
    );
    assert!(
        env.has_login_profile("alice"),
        "console password kept without --remove-console-access"
    );
    let tags = env.user_tags("alice");
    assert_eq!(tags["team"], "data");
    assert_eq!(tags["trailguard:quarantine-reason"], "key leaked");
    assert_eq!(
        tags["trailguard:quarantined-by"],
        format!("arn:aws:sts::{MOTO_ACCOUNT}:user/moto")
    );
    assert!(tags.contains_key("trailguard:quarantined-at"));
    assert_eq!(&env.entry(arn), entry);
}

#[test]
fn a_user_with_two_keys_and_a_password_is_quarantined_then_released_exactly() {
    let env = Env::new();
    let keys = env.user("alice", 2, true);
    env.block(async {
        let tag = aws_sdk_iam::types::Tag::builder()
            .key("team")
            .value("data")
            .build();
        let tag = tag.expect("tag");
        env.iam
            .tag_user()
            .user_name("alice")
            .tags(tag)
            .send()
            .await
            .expect("tag user");
    });
    let arn = user_arn("alice");

    dry_run_changes_nothing(&env, &arn, &keys);

    // Quarantine (JSON: the journal entry).
    let out = env.tg(&[
        "quarantine",
        &arn,
        "--reason",
        "key leaked",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0, "quarantine");
    let entry: Value = serde_json::from_slice(&out.stdout).expect("entry JSON");
    assert_eq!(entry["state"], "complete");
    let steps = entry["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 4);
    assert!(steps.iter().all(|s| s["status"] == "done"), "{entry:#}");
    assert_eq!(steps[1]["before"], json!({"Status": "Active"}));
    assert_eq!(steps[1]["after"], json!({"Status": "Inactive"}));

    quarantined_in_moto(&env, &arn, &entry);

    // Twice: nothing to do, nothing changes (in moto or in the journal).
    let journal = std::fs::read(&env.journal).expect("journal");
    let out = env.ok(&["quarantine", &arn], 0);
    assert!(
        out.contains("user alice: already quarantined; nothing to do"),
        "{out}"
    );
    assert_eq!(std::fs::read(&env.journal).expect("journal"), journal);

    // Release: exactly the state before.
    let out = env.ok(&["release", &arn], 0);
    assert!(
        out.contains("release of user alice: 4 API call(s) made"),
        "{out}"
    );
    assert_eq!(env.inline_policy("user", "alice", POLICY), None);
    assert!(all_status(&env, "alice", "Active"));
    assert_eq!(
        env.user_tags("alice").into_iter().collect::<Vec<_>>(),
        [("team".to_owned(), "data".to_owned())]
    );
    assert!(env.has_login_profile("alice"));
    let e = env.entry(&arn);
    assert_eq!(e["state"], "released");
    assert_eq!(e["release_steps"].as_array().map(Vec::len), Some(4));

    // Nothing left to release.
    let out = env.tg(&["release", &arn]);
    assert_exit(&out, 2, "second release");
    assert!(stderr_text(&out).contains("no quarantine of user alice in the journal"));
}

#[test]
fn removing_console_access_deletes_the_password_and_the_release_says_so() {
    let env = Env::new();
    env.user("carol", 0, true);
    let arn = user_arn("carol");
    env.ok(&["quarantine", &arn, "--remove-console-access"], 0);
    assert!(!env.has_login_profile("carol"));
    let out = env.ok(&["release", &arn], 0);
    assert!(out.contains("note: the console password of user carol was deleted by the quarantine and cannot be restored"), "{out}");
    assert!(
        out.contains("aws iam create-login-profile --user-name carol"),
        "{out}"
    );
    assert_eq!(env.inline_policy("user", "carol", POLICY), None);
}

#[test]
fn a_role_given_by_a_session_arn_loses_its_older_sessions_and_is_released() {
    let env = Env::new();
    env.role("deploy");
    let session = format!("arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/deploy/mallory");
    let role = format!("arn:aws:iam::{MOTO_ACCOUNT}:role/deploy");
    let out = env.tg(&[
        "quarantine",
        &session,
        "--reason",
        "stolen session",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0, "quarantine role");
    let entry: Value = serde_json::from_slice(&out.stdout).expect("entry");
    assert_eq!(entry["target"], role.as_str());
    let doc = env.inline_policy("role", "deploy", POLICY).expect("policy");
    let st = statement(&doc);
    assert_eq!(st["Effect"], "Deny");
    assert_eq!(
        st["Condition"]["DateLessThan"]["aws:TokenIssueTime"], entry["started_at"],
        "sessions issued before the quarantine are denied"
    );
    assert!(env
        .role_tags("deploy")
        .contains_key("trailguard:quarantined-at"));
    let out = env.ok(&["quarantine", &role], 0);
    assert!(out.contains("already quarantined"), "{out}");

    // --deny-all freezes it completely (one more call).
    let out = env.ok(&["quarantine", &role, "--deny-all"], 0);
    assert!(out.contains("1 API call(s) made"), "{out}");
    let doc = env.inline_policy("role", "deploy", POLICY).expect("policy");
    assert_eq!(statement(&doc).get("Condition"), None);

    // Release: no policy and no tags, as before.
    env.ok(&["release", &session], 0);
    assert_eq!(env.inline_policy("role", "deploy", POLICY), None);
    assert!(env.role_tags("deploy").is_empty());
}

#[test]
fn an_access_key_id_deactivates_just_that_key() {
    let env = Env::new();
    let keys = env.user("bob", 2, false);
    env.ok(&["quarantine", &keys[0]], 0);
    let now = env.keys("bob");
    assert_eq!(now[&keys[0]], "Inactive");
    assert_eq!(now[&keys[1]], "Active");
    assert_eq!(env.inline_policy("user", "bob", POLICY), None);
    assert!(env.user_tags("bob").is_empty());
    assert_eq!(env.entry(&keys[0])["state"], "complete");
    env.ok(&["release", &keys[0]], 0);
    assert!(all_status(&env, "bob", "Active"));
}

#[test]
fn a_release_is_refused_when_the_user_changed_since_and_forced_restores_the_rest() {
    let env = Env::new();
    let keys = env.user("dave", 1, false);
    let arn = user_arn("dave");
    env.ok(&["quarantine", &arn], 0);
    // Someone (the attacker?) makes a new key after the quarantine.
    let new = env.block(async {
        let k = env
            .iam
            .create_access_key()
            .user_name("dave")
            .send()
            .await
            .expect("key");
        k.access_key().expect("key").access_key_id().to_owned()
    });
    let out = env.tg(&["release", &arn]);
    assert_exit(&out, 2, "unsafe release");
    let err = stderr_text(&out);
    assert!(err.contains("refusing to release user dave"), "{err}");
    assert!(
        err.contains(&format!(
            "access key {new} (Active) of user dave was created since the quarantine"
        )),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(
        env.inline_policy("user", "dave", POLICY).is_some(),
        "nothing restored"
    );
    assert_eq!(env.keys("dave")[&keys[0]], "Inactive");

    let out = env.ok(&["release", &arn, "--force"], 0);
    assert!(
        out.contains("changed since the quarantine (forced)"),
        "{out}"
    );
    assert_eq!(env.inline_policy("user", "dave", POLICY), None);
    assert!(all_status(&env, "dave", "Active"));
}

/// Targets that must be refused, and the reason each refusal must give.
fn refusal_cases(bg_key: &str, slr: String) -> Vec<(String, String)> {
    vec![
        (
            user_arn("breakglass"),
            "it is a break-glass principal".into(),
        ),
        (
            bg_key.to_owned(),
            format!(
                "access key {} of user breakglass: it is a break-glass",
                bg_key
            ),
        ),
        (
            format!("arn:aws:iam::{MOTO_ACCOUNT}:role/org/payroll"),
            "it is a protected principal".into(),
        ),
        (
            format!("arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/payroll/s1"),
            "role payroll (session s1): it is a protected principal".into(),
        ),
        (
            user_arn("moto"),
            "it is the identity running trailguard".into(),
        ),
        (
            format!("arn:aws:iam::{MOTO_ACCOUNT}:root"),
            "the root user cannot be restricted by IAM policies".into(),
        ),
        (slr, "it is a service-linked role".into()),
        (
            "ec2.amazonaws.com".into(),
            "it is an AWS service principal".into(),
        ),
        (
            "ASIAIOSFODNN7EXAMPLE".into(),
            "it is a temporary (STS) access key".into(),
        ),
    ]
}

#[test]
fn protected_principals_are_refused_and_left_untouched() {
    let env = Env::new();
    let cfg = write_file(
        env.dir.path(),
        "guard.toml",
        format!(
            "[principals]\nbreak_glass = [\"arn:aws:iam::{MOTO_ACCOUNT}:user/breakglass\"]\nprotected = [\"arn:aws:iam::{MOTO_ACCOUNT}:role/org/*\"]\n"
        )
        .as_bytes(),
    );
    let cfg = cfg.display().to_string();
    let bg_keys = env.user("breakglass", 1, false);
    let slr = env.block(async {
        env.iam
            .create_role()
            .role_name("payroll")
            .path("/org/")
            .assume_role_policy_document("{}")
            .send()
            .await
            .expect("role");
        let r = env
            .iam
            .create_service_linked_role()
            .aws_service_name("autoscaling.amazonaws.com")
            .send()
            .await
            .expect("slr");
        r.role().expect("role").arn().to_owned()
    });
    let cases = refusal_cases(&bg_keys[0], slr);
    for (target, why) in &cases {
        let out = env.tg(&["quarantine", target, "--config", &cfg]);
        assert_exit(&out, 2, target);
        let err = stderr_text(&out);
        assert!(err.contains("refusing to"), "{target}: {err}");
        assert!(
            err.contains(why.as_str()),
            "{target}: want {why:?} in {err}"
        );
    }
    assert!(all_status(&env, "breakglass", "Active"));
    assert_eq!(env.inline_policy("user", "breakglass", POLICY), None);
    assert_eq!(env.inline_policy("role", "payroll", POLICY), None);
    assert!(!env.journal.exists(), "refusals journal nothing");
}

#[test]
fn an_instance_is_isolated_protected_snapshotted_and_released() {
    let env = Env::new();
    let (subnet, web, image) = network(&env);
    let id = instance(&env, &subnet, &web, &image);
    assert_eq!(
        instance_state(&env, &id),
        (vec![vec![web.clone()]], false, false)
    );
    let arn = format!("arn:aws:ec2:us-east-1:{MOTO_ACCOUNT}:instance/{id}");

    let out = env.ok(
        &[
            "quarantine",
            &id,
            "--region",
            "us-east-1",
            "--reason",
            "crypto miner",
        ],
        0,
    );
    assert!(out.contains("ec2:CreateSecurityGroup"), "{out}");
    let iso = env.block(async {
        let f = aws_sdk_ec2::types::Filter::builder()
            .name("group-name")
            .values("trailguard-isolation")
            .build();
        let out = env
            .ec2
            .describe_security_groups()
            .filters(f)
            .send()
            .await
            .expect("groups");
        assert_eq!(out.security_groups().len(), 1);
        let g = &out.security_groups()[0];
        assert!(
            g.ip_permissions().is_empty() && g.ip_permissions_egress().is_empty(),
            "no rules: {g:?}"
        );
        g.group_id().expect("id").to_owned()
    });
    assert_eq!(
        instance_state(&env, &id),
        (vec![vec![iso.clone()]], true, true)
    );
    let denied = env.block(env.ec2.terminate_instances().instance_ids(&id).send());
    assert!(denied.is_err(), "termination protection holds");
    assert_eq!(forensic_snapshots(&env, &id).len(), 1);
    let e = env.entry(&arn);
    assert_eq!(e["steps"].as_array().map(Vec::len), Some(7), "{e:#}");

    // Twice: nothing to do, no second snapshot.
    let out = env.ok(&["quarantine", &arn], 0);
    assert!(out.contains("already quarantined"), "{out}");
    assert_eq!(forensic_snapshots(&env, &id).len(), 1);

    // Release: the original group and flags; snapshot and isolation group kept.
    let out = env.ok(&["release", &arn], 0);
    assert!(out.contains("note: forensic snapshot snap-"), "{out}");
    assert_eq!(instance_state(&env, &id), (vec![vec![web]], false, false));
    assert_eq!(forensic_snapshots(&env, &id).len(), 1);
    let tags = env.block(async {
        let out = env
            .ec2
            .describe_instances()
            .instance_ids(&id)
            .send()
            .await
            .expect("describe");
        out.reservations()[0].instances()[0].tags().len()
    });
    assert_eq!(tags, 0, "quarantine tags removed");
    let _ = iso;
}
