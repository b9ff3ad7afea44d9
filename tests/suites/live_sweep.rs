//! `trailguard snapshot` and `trailguard sweep` against moto: a baseline of
//! the clean account (`tests/seed.rs`), then the backdoors planted, then a
//! sweep since a time before planting lists exactly the planted items (set
//! equality on `(kind, id)` of the `Change` JSON lines), each with a
//! containment step; an unchanged account sweeps clean.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use trailguard_e2e::live::{account, MOTO_UNIMPLEMENTED};
use trailguard_e2e::moto::{runtime, trailguard_at, Moto};
use trailguard_e2e::seed::{self, now_secs, rfc3339, user_arn, HUMANS};
use trailguard_e2e::{exit_code, json_lines, s, stderr_lines};

/// `snapshot -o <path>`; asserts it ran and returns the parsed inventory.
fn snapshot(moto: &Moto, path: &Path) -> Value {
    let p = path.display().to_string();
    let out = trailguard_at(&moto.endpoint, &["snapshot", "-o", &p]);
    assert_eq!(
        exit_code(&out),
        0,
        "snapshot: stderr:\n{}",
        stderr_lines(&out).join("\n")
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{p}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{p} is not JSON: {e}"))
}

/// A sweep start strictly after everything seeded so far and at or before
/// anything created after this returns (times have whole-second precision).
fn sweep_start() -> String {
    let since = now_secs() + 1;
    while now_secs() < since {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    rfc3339(since)
}

fn sweep(moto: &Moto, args: &[&str]) -> (std::process::Output, Vec<Value>) {
    let mut all = vec!["sweep", "--format", "json"];
    all.extend_from_slice(args);
    let out = trailguard_at(&moto.endpoint, &all);
    let changes = json_lines(&out);
    (out, changes)
}

fn kind_ids(changes: &[Value]) -> BTreeSet<(String, String)> {
    changes
        .iter()
        .map(|c| (s(c, "kind").to_owned(), s(c, "id").to_owned()))
        .collect()
}

/// The baseline holds the clean account's IAM side and no gap beyond moto's limits.
fn check_baseline(base: &Value) {
    assert_eq!(s(base, "account_id"), trailguard_e2e::moto::MOTO_ACCOUNT);
    let arns: Vec<&str> = base["users"]
        .as_array()
        .map(|u| u.iter().map(|x| s(x, "arn")).collect())
        .unwrap_or_default();
    for h in HUMANS.iter().chain(&["breakglass"]) {
        assert!(
            arns.contains(&user_arn(h).as_str()),
            "{h} missing from the snapshot: {arns:?}"
        );
    }
    let gaps: Vec<&Value> = base["gaps"]
        .as_array()
        .map(|g| {
            g.iter()
                .filter(|x| {
                    !MOTO_UNIMPLEMENTED
                        .iter()
                        .any(|op| s(x, "operation").contains(op))
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(gaps.is_empty(), "the baseline has gaps: {gaps:?}");
}

#[test]
fn snapshot_holds_the_ec2_side_of_the_account() {
    let (moto, clean, _) = account(false);
    let dir = trailguard_e2e::tempdir();
    let base = snapshot(&moto, &dir.path().join("base.json"));
    let instances = base["instances"].to_string();
    assert!(
        instances.contains(&clean.instance_id) && instances.contains("us-east-1"),
        "instance {} (us-east-1) missing: {instances}",
        clean.instance_id
    );
    let key_pairs = base["key_pairs"].to_string();
    assert!(
        key_pairs.contains(&clean.key_pair_id),
        "key pair {} missing: {key_pairs}",
        clean.key_pair_id
    );
}

#[test]
fn sweep_lists_exactly_the_planted_changes() {
    let (moto, _clean, _) = account(false);
    let dir = trailguard_e2e::tempdir();
    let base_path = dir.path().join("base.json");
    check_baseline(&snapshot(&moto, &base_path));
    let since = sweep_start();
    let planted = runtime().block_on(seed::plant_backdoors(&moto));
    let base = base_path.display().to_string();
    let (out, changes) = sweep(&moto, &["--since", &since, "--baseline", &base]);
    assert_eq!(
        exit_code(&out),
        1,
        "something is listed: exit 1\nstderr:\n{}",
        stderr_lines(&out).join("\n")
    );
    let got = kind_ids(&changes);
    let want = planted.changes();
    assert_eq!(
        got,
        want,
        "\nlisted but not planted: {:?}\nplanted but not listed: {:?}",
        got.difference(&want).collect::<Vec<_>>(),
        want.difference(&got).collect::<Vec<_>>()
    );
    for c in &changes {
        assert!(
            !s(c, "containment").trim().is_empty(),
            "no containment step: {c}"
        );
        assert!(
            matches!(s(c, "change"), "added" | "created_since"),
            "planted items are new: {c}"
        );
    }
}

#[test]
fn sweep_of_an_unchanged_account_lists_nothing() {
    let (moto, _clean, _) = account(false);
    let dir = trailguard_e2e::tempdir();
    let base_path = dir.path().join("base.json");
    check_baseline(&snapshot(&moto, &base_path));
    let since = sweep_start();
    let base = base_path.display().to_string();
    let (out, changes) = sweep(&moto, &["--since", &since, "--baseline", &base]);
    assert_eq!(
        exit_code(&out),
        0,
        "nothing listed: exit 0\nstderr:\n{}",
        stderr_lines(&out).join("\n")
    );
    assert!(
        changes.is_empty(),
        "an unchanged account sweeps clean: {changes:?}"
    );
}

#[test]
fn sweep_since_alone_lists_the_dated_planted_items_and_nothing_clean() {
    // Without a baseline only items with a creation date can be found by time
    // (group memberships and policy attachments need the baseline or the
    // CloudTrail look-back, which moto does not keep).
    let (moto, _clean, _) = account(false);
    let since = sweep_start();
    let planted = runtime().block_on(seed::plant_backdoors(&moto));
    let (out, changes) = sweep(&moto, &["--since", &since]);
    assert_eq!(
        exit_code(&out),
        1,
        "stderr:\n{}",
        stderr_lines(&out).join("\n")
    );
    let got = kind_ids(&changes);
    let all = planted.changes();
    let dated: BTreeSet<(String, String)> = all
        .iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "user" | "login_profile" | "access_key" | "role" | "provider"
            )
        })
        .cloned()
        .collect();
    let extra: Vec<_> = got.difference(&all).collect();
    assert!(extra.is_empty(), "listed but not planted: {extra:?}");
    let missed: Vec<_> = dated.difference(&got).collect();
    assert!(missed.is_empty(), "planted, dated, not listed: {missed:?}");
}
