//! The guard under partial failure and account-wide: a call denied or
//! throttled half-way through a quarantine, a release or a lockdown
//! (injected by the fault proxy in front of moto) leaves a journal that says
//! exactly what was done, and running the same command again finishes the
//! rest; and `trailguard lockdown` plans first, acts only with `--yes`, and
//! leaves break-glass principals and service-linked roles alone.

#[path = "guard_support.rs"]
mod support;

use serde_json::Value;
use support::*;
use trailguard_e2e::fault_proxy::{Fault, FaultProxy, Rule};
use trailguard_e2e::moto::MOTO_ACCOUNT;
use trailguard_e2e::*;

const POLICY: &str = "trailguard-quarantine";

fn statuses(entry: &Value, key: &str) -> Vec<String> {
    entry[key]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s["status"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_call_denied_mid_way_leaves_an_exact_journal_and_a_rerun_finishes() {
    let env = Env::new();
    env.user("alice", 2, false);
    let arn = format!("arn:aws:iam::{MOTO_ACCOUNT}:user/alice");
    let proxy = FaultProxy::start(
        &env.upstream(),
        vec![Rule::op("UpdateAccessKey", Fault::AccessDenied)],
    );
    let out = env.tg_at(&proxy.endpoint, &["quarantine", &arn]);
    assert_exit(&out, 2, "quarantine with UpdateAccessKey denied");
    let err = stderr_text(&out);
    assert!(
        err.contains("user alice: step 2 of 4 failed: iam:UpdateAccessKey"),
        "{err}"
    );
    assert!(err.contains("AccessDenied"), "{err}");
    assert!(
        err.contains("1 step(s) done are recorded in the journal; run the same command again"),
        "{err}"
    );
    assert!(err.contains(&format!("trailguard: journal: {}", env.journal.display())));
    // Exactly what the journal says: the deny policy is on, the keys untouched.
    assert!(env.inline_policy("user", "alice", POLICY).is_some());
    assert!(env.keys("alice").values().all(|s| s == "Active"));
    let first = env.entry(&arn);
    assert_eq!(first["state"], "in_progress");
    assert_eq!(
        statuses(&first, "steps"),
        ["done", "failed", "pending", "pending"]
    );
    assert!(first["steps"][1]["error"]
        .as_str()
        .is_some_and(|e| e.contains("AccessDenied")));

    // The denial is lifted: the same command does the rest.
    let out = env.ok(&["quarantine", &arn], 0);
    assert!(
        out.contains("quarantine of user alice: 3 API call(s) made, 4 in all"),
        "{out}"
    );
    assert!(env.keys("alice").values().all(|s| s == "Inactive"));
    assert!(env
        .user_tags("alice")
        .contains_key("trailguard:quarantined-at"));
    let done = env.entry(&arn);
    assert_eq!(done["id"], first["id"], "the same entry, continued");
    assert_eq!(statuses(&done, "steps"), ["done"; 4]);
    assert_eq!(
        done["steps"][0], first["steps"][0],
        "the first step as recorded"
    );
    assert!(done["history"].as_array().is_some_and(|h| h.len() == 4));

    // A release that fails on its last call: half released, then finished.
    let proxy = FaultProxy::start(
        &env.upstream(),
        vec![Rule::op("DeleteUserPolicy", Fault::AccessDenied)],
    );
    let out = env.tg_at(&proxy.endpoint, &["release", &arn]);
    assert_exit(&out, 2, "release with DeleteUserPolicy denied");
    assert!(env.keys("alice").values().all(|s| s == "Active"));
    assert!(env.inline_policy("user", "alice", POLICY).is_some());
    let half = env.entry(&arn);
    assert_eq!(half["state"], "releasing");
    let out = env.tg(&["quarantine", &arn]);
    assert_exit(&out, 2, "quarantine during a release");
    assert!(stderr_text(&out).contains("a release of user alice is in progress"));
    let out = env.ok(&["release", &arn], 0);
    assert!(out.contains("1 API call(s) made, 4 in all"), "{out}");
    assert_eq!(env.inline_policy("user", "alice", POLICY), None);
    assert_eq!(env.entry(&arn)["state"], "released");
}

#[test]
fn a_throttled_snapshot_leaves_the_instance_isolated_and_a_rerun_snapshots_once() {
    let env = Env::new();
    let (subnet, web, image) = network(&env);
    let id = instance(&env, &subnet, &web, &image);
    let proxy = FaultProxy::start(
        &env.upstream(),
        vec![Rule::op("CreateSnapshot", Fault::Throttling(1000))],
    );
    let out = env.tg_at(
        &proxy.endpoint,
        &["quarantine", &id, "--region", "us-east-1"],
    );
    assert_exit(&out, 2, "quarantine with CreateSnapshot throttled");
    assert!(
        stderr_text(&out).contains("step 6 of 7 failed: ec2:CreateSnapshot"),
        "{}",
        stderr_text(&out)
    );
    assert!(proxy.served(0) >= 2, "the SDK retried before giving up");
    let (groups, term, stop) = instance_state(&env, &id);
    assert!(
        term && stop && groups[0] != [web.clone()],
        "isolated and protected"
    );
    assert!(forensic_snapshots(&env, &id).is_empty());
    let arn = format!("arn:aws:ec2:us-east-1:{MOTO_ACCOUNT}:instance/{id}");
    let statuses_first = statuses(&env.entry(&arn), "steps");
    assert_eq!(
        statuses_first,
        ["done", "done", "done", "done", "done", "failed", "pending"]
    );

    let out = env.ok(&["quarantine", &id, "--region", "us-east-1"], 0);
    assert!(out.contains("2 API call(s) made, 7 in all"), "{out}");
    assert_eq!(forensic_snapshots(&env, &id).len(), 1);
    env.ok(&["release", &arn], 0);
    assert_eq!(instance_state(&env, &id), (vec![vec![web]], false, false));
}

/// users alice (2 keys, console), bob (1 key), breakglass (1 key, console);
/// roles deploy and ci, and a service-linked role. Returns the config path.
fn account(env: &Env) -> String {
    env.user("alice", 2, true);
    env.user("bob", 1, false);
    env.user("breakglass", 1, true);
    env.role("deploy");
    env.role("ci");
    env.block(async {
        let slr = env.iam.create_service_linked_role();
        let slr = slr
            .aws_service_name("autoscaling.amazonaws.com")
            .send()
            .await;
        slr.expect("service-linked role");
    });
    let cfg =
        format!("[principals]\nbreak_glass = [\"arn:aws:iam::{MOTO_ACCOUNT}:user/breakglass\"]\n");
    let p = write_file(env.dir.path(), "guard.toml", cfg.as_bytes());
    p.display().to_string()
}

/// A cut-off just after now (keys made by the seeding are older).
fn cutoff() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let t = now + 2;
    let (d, s) = (t / 86_400, t % 86_400);
    // Civil from days (Howard Hinnant), enough for an RFC 3339 stamp.
    let z = d as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

#[test]
fn lockdown_prints_its_plan_acts_only_with_yes_and_spares_the_excluded() {
    let env = Env::new();
    let cfg = account(&env);
    let t = cutoff();
    let args = ["lockdown", "--issued-before", &t, "--config", &cfg];
    let out = env.tg(&args);
    assert_exit(&out, 0, "lockdown plan");
    let plan = stdout_text(&out);
    assert!(
        plan.contains("lockdown plan of account 123456789012"),
        "{plan}"
    );
    for want in [
        "iam:UpdateAccessKey {",
        "iam:PutRolePolicy {",
        "\"RoleName\":\"deploy\"",
        "\"RoleName\":\"ci\"",
        "iam:UpdateLoginProfile {",
        "excluded: arn:aws:iam::123456789012:user/breakglass (break-glass)",
        "excluded: 1 service-linked role(s)",
    ] {
        assert!(plan.contains(want), "{want} in {plan}");
    }
    assert!(!plan.contains("\"UserName\":\"breakglass\""), "{plan}");
    assert!(stderr_text(&out).contains("plan only: nothing was changed; run again with --yes"));
    assert!(env.keys("alice").values().all(|s| s == "Active"));
    assert!(!env.journal.exists());

    // JSON: one step per line: 3 keys, 2 roles, 1 password.
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = env.tg(&json_args);
    assert_exit(&out, 0, "lockdown plan json");
    let steps = json_lines(&out);
    let calls: Vec<&str> = steps
        .iter()
        .map(|s| s["api_call"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        calls,
        [
            "iam:UpdateAccessKey",
            "iam:UpdateAccessKey",
            "iam:UpdateAccessKey",
            "iam:PutRolePolicy",
            "iam:PutRolePolicy",
            "iam:UpdateLoginProfile"
        ]
    );

    let mut yes = args.to_vec();
    yes.push("--yes");
    env.ok(&yes, 0);
    assert!(env.keys("alice").values().all(|s| s == "Inactive"));
    assert!(env.keys("bob").values().all(|s| s == "Inactive"));
    assert!(env.keys("breakglass").values().all(|s| s == "Active"));
    for role in ["deploy", "ci"] {
        let doc = env
            .inline_policy("role", role, "trailguard-lockdown")
            .expect("policy");
        assert_eq!(
            statement(&doc)["Condition"]["DateLessThan"]["aws:TokenIssueTime"],
            t.as_str()
        );
    }
    // (moto 5.2 drops the password on UpdateLoginProfile without one, so the
    // reset flag cannot be read back; the journal records the call.)
    let entry = env.entry(&format!("lockdown:{MOTO_ACCOUNT}"));
    assert_eq!(entry["state"], "complete");
    assert_eq!(statuses(&entry, "steps"), ["done"; 6]);

    // Again: nothing left to do.
    let out = env.ok(&yes, 0);
    assert!(out.contains(": 0 API call(s)"), "{out}");
}

#[test]
fn a_lockdown_goes_on_past_a_denied_call_and_a_rerun_retries_it() {
    let env = Env::new();
    let cfg = account(&env);
    let t = cutoff();
    let proxy = FaultProxy::start(
        &env.upstream(),
        vec![Rule::op("PutRolePolicy", Fault::AccessDenied)],
    );
    let args = ["lockdown", "--issued-before", &t, "--config", &cfg, "--yes"];
    let out = env.tg_at(&proxy.endpoint, &args);
    assert_exit(&out, 2, "lockdown with PutRolePolicy denied");
    let err = stderr_text(&out);
    assert!(err.contains("2 of 6 lockdown step(s) failed"), "{err}");
    assert!(
        env.keys("alice").values().all(|s| s == "Inactive"),
        "keys done anyway"
    );
    assert_eq!(
        env.inline_policy("role", "deploy", "trailguard-lockdown"),
        None
    );
    let entry = env.entry(&format!("lockdown:{MOTO_ACCOUNT}"));
    assert_eq!(
        statuses(&entry, "steps"),
        ["done", "done", "done", "failed", "failed", "done"]
    );

    let out = env.ok(&args, 0);
    assert!(out.contains(": 2 API call(s)"), "{out}");
    assert!(env
        .inline_policy("role", "deploy", "trailguard-lockdown")
        .is_some());
    let again = env.entry(&format!("lockdown:{MOTO_ACCOUNT}"));
    assert_eq!(again["id"], entry["id"], "the same lockdown, continued");
    assert_eq!(statuses(&again, "steps"), ["done"; 6]);
}
