//! Inventory tests: the fixtures under `fixtures/inventory/` load, normalise to
//! byte-stable JSON, and diff to exactly the planted changes.

use super::diff::{attribute, diff, ChangeType, ItemKind};
use super::*;
use crate::record::parse_time;
use std::path::Path;

pub(crate) fn load(name: &str) -> Inventory {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/inventory")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap();
    let mut inv: Inventory = serde_json::from_str(&text).unwrap();
    inv.normalise();
    inv
}

#[test]
fn normalised_json_is_byte_stable() {
    for name in ["clean.json", "backdoored.json"] {
        let inv = load(name);
        let a = inv.to_stable_json().unwrap();
        let back: Inventory = serde_json::from_str(&a).unwrap();
        assert_eq!(back, inv, "{name}: round trip");
        assert_eq!(back.to_stable_json().unwrap(), a, "{name}: bytes");
        // Shuffled input gives the same bytes.
        let mut shuffled = inv.clone();
        shuffled.users.reverse();
        shuffled.roles.reverse();
        shuffled
            .users
            .iter_mut()
            .for_each(|u| u.access_keys.reverse());
        assert_eq!(shuffled.to_stable_json().unwrap(), a, "{name}: order");
    }
}

#[test]
fn old_snapshots_load_leniently() {
    let inv: Inventory = serde_json::from_str(
        r#"{"account_id":"111122223333","users":[{"arn":"arn:aws:iam::111122223333:user/x","access_keys":[{"id":"AKIA1","last_used":"N/A"}]}]}"#,
    )
    .unwrap();
    assert_eq!(inv.users[0].access_keys[0].last_used, None);
    assert_eq!(inv.taken_at, 0);
    assert!(serde_json::from_str::<Inventory>(r#"{"taken_at":"yesterday"}"#).is_err());
}

#[test]
fn diff_against_clean_lists_exactly_the_planted_changes() {
    let (clean, bad) = (load("clean.json"), load("backdoored.json"));
    let changes = diff(Some(&clean), &bad, None);
    let got: Vec<(ItemKind, &str, ChangeType)> = changes
        .iter()
        .map(|c| (c.kind, c.id.as_str(), c.change))
        .collect();
    let u = "arn:aws:iam::111122223333:user/backup-svc";
    let added = ChangeType::Added;
    let (lp, adm) = (
        format!("{u}#login-profile"),
        format!("{u}#attached/arn:aws:iam::aws:policy/AdministratorAccess"),
    );
    let want = vec![
        (ItemKind::User, u, added),
        (ItemKind::LoginProfile, lp.as_str(), added),
        (ItemKind::AccessKey, "AKIAEXAMPLEBACKUP001", added),
        (ItemKind::AccessKey, "AKIAEXAMPLEBOB000002", added),
        (ItemKind::PolicyAttachment, "arn:aws:iam::111122223333:role/gh-deploy#attached/arn:aws:iam::aws:policy/PowerUserAccess", added),
        (ItemKind::PolicyAttachment, adm.as_str(), added),
        (ItemKind::Role, "arn:aws:iam::111122223333:role/gh-deploy", added),
        (ItemKind::TrustPolicy, "arn:aws:iam::111122223333:role/terraform-deploy#trust", ChangeType::Modified),
        (ItemKind::Provider, "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com", added),
    ];
    assert_eq!(got, want, "{changes:#?}");
    let steps: Vec<&str> = changes.iter().map(|c| c.containment.as_str()).collect();
    assert!(steps.contains(&"deactivate access key AKIAEXAMPLEBOB000002 of user bob"));
    assert!(steps.contains(&"delete login profile of user backup-svc"));
    assert!(steps.contains(&"detach policy AdministratorAccess from user backup-svc"));
    assert!(steps.contains(&"revert trust policy of role terraform-deploy to the baseline"));
    assert!(steps.iter().any(|s| s.starts_with("delete OIDC provider ")));
    assert!(diff(Some(&clean), &clean, None).is_empty());
    assert!(diff(None, &clean, None).is_empty());
}

#[test]
fn diff_lists_reactivated_keys_and_removed_mfa() {
    let clean = load("clean.json");
    let mut cur = clean.clone();
    let alice = cur.users.iter_mut().find(|u| u.name == "alice").unwrap();
    alice.mfa_devices.clear();
    let bob = cur.users.iter_mut().find(|u| u.name == "bob").unwrap();
    bob.access_keys[0].status = Status::Inactive;
    let c = diff(Some(&clean), &cur, None);
    let got: Vec<(ItemKind, ChangeType)> = c.iter().map(|c| (c.kind, c.change)).collect();
    assert_eq!(
        got,
        vec![
            (ItemKind::MfaDevice, ChangeType::Removed),
            (ItemKind::AccessKey, ChangeType::Modified)
        ],
        "{c:#?}"
    );
    assert!(c[0].containment.contains("re-register MFA"));
    // A removed user's MFA device is not listed on its own.
    let mut gone = clean.clone();
    gone.users.retain(|u| u.name != "alice");
    assert!(diff(Some(&clean), &gone, None).is_empty());
}

#[test]
fn diff_since_lists_what_was_created_after_t() {
    let bad = load("backdoored.json");
    let since = parse_time("2026-11-17T00:00:00Z").unwrap();
    let changes = diff(None, &bad, Some(since));
    let ids: Vec<&str> = changes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "arn:aws:iam::111122223333:user/backup-svc",
            "arn:aws:iam::111122223333:user/backup-svc#login-profile",
            "AKIAEXAMPLEBACKUP001",
            "AKIAEXAMPLEBOB000002",
            "arn:aws:iam::111122223333:role/gh-deploy",
            "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
        ]
    );
    assert!(changes.iter().all(|c| c.change == ChangeType::CreatedSince));
    // A new default version of an older policy is listed; a new policy's own version is not.
    let mut changed = bad.clone();
    changed.policies[0].update_date = Some(parse_time("2026-11-18T03:30:00Z").unwrap());
    let c = diff(None, &changed, Some(since));
    let v: Vec<&str> = c
        .iter()
        .filter(|c| c.kind == ItemKind::PolicyVersion)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(v, vec!["arn:aws:iam::111122223333:policy/app-data#default"]);
    changed.policies[0].create_date = parse_time("2026-11-18T03:29:00Z").unwrap();
    let c = diff(None, &changed, Some(since));
    assert!(c.iter().all(|c| c.kind != ItemKind::PolicyVersion));
    assert!(c.iter().any(|c| c.kind == ItemKind::Policy));
}

#[test]
fn attribute_names_the_creator_closest_to_the_create_time() {
    let (clean, bad) = (load("clean.json"), load("backdoored.json"));
    let mut changes = diff(Some(&clean), &bad, None);
    let t = |s: &str| parse_time(s).unwrap();
    let mallory = "arn:aws:iam::111122223333:user/alice";
    let events = vec![
        (
            "CreateAccessKey",
            "bob",
            "arn:aws:iam::111122223333:role/terraform-deploy",
            t("2026-10-06T08:00:00Z"),
        ),
        ("CreateAccessKey", "bob", mallory, t("2026-11-18T03:15:21Z")),
        (
            "CreateUser",
            "backup-svc",
            mallory,
            t("2026-11-18T03:12:44Z"),
        ),
        (
            "UpdateAssumeRolePolicy",
            "terraform-deploy",
            mallory,
            t("2026-11-18T03:16:00Z"),
        ),
        (
            "DeleteUser",
            "backup-svc",
            "arn:aws:iam::111122223333:user/breakglass",
            t("2026-11-19T00:00:00Z"),
        ),
    ];
    attribute(&mut changes, &events);
    let by = |id: &str| {
        changes
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.creator.clone())
    };
    assert_eq!(by("AKIAEXAMPLEBOB000002").as_deref(), Some(mallory));
    assert_eq!(
        by("arn:aws:iam::111122223333:user/backup-svc").as_deref(),
        Some(mallory)
    );
    assert_eq!(
        by("arn:aws:iam::111122223333:role/terraform-deploy#trust").as_deref(),
        Some(mallory)
    );
    assert_eq!(
        by("AKIAEXAMPLEBACKUP001"),
        None,
        "no CreateAccessKey for backup-svc in range"
    );
}
