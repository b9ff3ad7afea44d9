//! Posture fixtures: `fixtures/inventory/clean.json` raises nothing at medium or
//! above; `backdoored.json` (clean plus planted backdoors) raises each planted
//! backdoor under the right rule, and nothing else at medium or above.

use super::*;
use crate::finding::Severity;
use crate::inventory::tests::load;
use std::path::Path;

fn cfg() -> Config {
    Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/inventory/config.toml"))
        .unwrap()
}

fn serious(inv: &Inventory) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = evaluate(inv, &cfg())
        .into_iter()
        .filter(|f| f.severity >= Severity::Medium)
        .map(|f| (f.rule_id, f.resources.join(" ")))
        .collect();
    v.sort();
    v
}

#[test]
fn clean_inventory_raises_nothing_at_medium_or_above() {
    let inv = load("clean.json");
    assert_eq!(serious(&inv), Vec::<(String, String)>::new());
    let all = evaluate(&inv, &cfg());
    // The inactive SSH key is listed for review, at info.
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].rule_id, "posture-ssh-and-service-credentials");
    assert_eq!(all[0].severity, Severity::Info);
}

#[test]
fn every_planted_backdoor_is_found_by_the_right_rule() {
    let inv = load("backdoored.json");
    let u = "arn:aws:iam::111122223333:user/backup-svc";
    let bob = "arn:aws:iam::111122223333:user/bob";
    let pair = |r: &str, res: &str| (r.to_owned(), res.to_owned());
    let want = vec![
        pair(
            "posture-access-key-hygiene",
            &format!("{bob} AKIAEXAMPLEBOB000001 AKIAEXAMPLEBOB000002"),
        ),
        pair("posture-console-password-never-used", u),
        pair("posture-console-user-without-mfa", u),
        pair(
            "posture-identity-provider-unlisted",
            "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
        ),
        pair(
            "posture-role-trusts-outside",
            "arn:aws:iam::111122223333:role/gh-deploy",
        ),
        pair(
            "posture-role-trusts-outside",
            "arn:aws:iam::111122223333:role/terraform-deploy",
        ),
        pair("posture-unexpected-admin", u),
        pair("posture-user-created-outside-window", u),
    ];
    assert_eq!(serious(&inv), want);
    let all = evaluate(&inv, &cfg());
    assert!(all.iter().any(|f| f.rule_id == "posture-access-key-hygiene"
        && f.resources.contains(&"AKIAEXAMPLEBACKUP001".to_owned())
        && f.summary.contains("never used")));
    for f in &all {
        assert!(f.event_ids.is_empty());
        assert_eq!(f.time, inv.taken_at);
        assert_eq!(f.account, "111122223333");
        assert!(f.actor.arn.is_some());
    }
}

#[test]
fn root_findings_and_overrides() {
    let mut inv = load("clean.json");
    inv.account_summary.root_mfa_enabled = false;
    inv.account_summary.root_access_keys = 1;
    // config.rs validates rule ids against rules::catalog() only, so set the override directly.
    let mut c = Config::default();
    c.response
        .insert("posture-root-access-keys".into(), Response::Quarantine);
    c.severity
        .insert("posture-root-without-mfa".into(), Severity::High);
    let f = evaluate(&inv, &c);
    let root: Vec<&Finding> = f
        .iter()
        .filter(|f| f.actor.arn.as_deref() == Some("arn:aws:iam::111122223333:root"))
        .collect();
    assert_eq!(root.len(), 2);
    assert!(
        root.iter().all(|f| f.response == Response::Alert),
        "root is never quarantined"
    );
    let sev = |id: &str| root.iter().find(|f| f.rule_id == id).map(|f| f.severity);
    assert_eq!(sev("posture-root-access-keys"), Some(Severity::Critical));
    assert_eq!(sev("posture-root-without-mfa"), Some(Severity::High));
}

#[test]
fn catalog_is_posture_only_and_unique() {
    let c = catalog();
    assert_eq!(c.len(), 11);
    assert!(c
        .iter()
        .all(|m| m.kind == crate::rules::RuleKind::Posture && m.events.is_empty()));
    assert!(c.iter().all(|m| m.id.starts_with("posture-")));
    assert!(c.windows(2).all(|w| w[0].id < w[1].id));
    assert!(
        c.iter()
            .all(|m| crate::rules::catalog().iter().all(|e| e.id != m.id)),
        "not in the event catalog"
    );
}

#[test]
fn what_could_not_be_read_is_never_reported_as_missing() {
    use crate::inventory::{Gap, LoginProfile, User};
    let gap = |op: &str| Gap {
        operation: op.into(),
        target: String::new(),
        error: "AccessDenied: no".into(),
        missing: "x".into(),
    };
    let mut inv = load("clean.json");
    inv.account_summary.root_mfa_enabled = false;
    inv.password_policy = None;
    inv.users.push(User {
        arn: "arn:aws:iam::111122223333:user/unknown-mfa".into(),
        name: "unknown-mfa".into(),
        login_profile: Some(LoginProfile::default()),
        unread: vec!["mfa_devices".into()],
        ..User::default()
    });
    let ids = |inv: &Inventory| -> Vec<String> {
        evaluate(inv, &cfg())
            .into_iter()
            .filter(|f| {
                f.severity >= Severity::Medium && f.rule_id != "posture-user-created-outside-window"
            })
            .map(|f| f.rule_id)
            .collect()
    };
    let before = ids(&inv);
    assert!(before.contains(&"posture-root-without-mfa".to_owned()));
    assert!(before.contains(&"posture-password-policy-weak".to_owned()));
    assert!(!before.contains(&"posture-console-user-without-mfa".to_owned()));
    inv.gaps = vec![
        gap("iam:GetAccountSummary"),
        gap("iam:GetAccountPasswordPolicy"),
    ];
    let after = ids(&inv);
    assert!(
        !after.contains(&"posture-root-without-mfa".to_owned()),
        "{after:?}"
    );
    assert!(
        !after.contains(&"posture-password-policy-weak".to_owned()),
        "{after:?}"
    );
}
