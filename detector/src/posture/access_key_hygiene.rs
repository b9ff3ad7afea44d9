//! Access key hygiene, one finding per key problem: an active key never used,
//! unused for more than 90 days, or older than 90 days; and a user with two
//! active keys (a second key is a classic way back in).
//!
//! Severity: two active keys and unused > 90 days: medium; never used and older
//! than 90 days: low. Fixtures: `fixtures/inventory/backdoored.json` (a key
//! added to an existing user, a new admin's key); unit tests below.
//! Per-key findings name the key id first in `resources` (so `Finding::uid`
//! differs per key), then the user ARN.

use super::{finding, PostureRule, DAY};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::inventory::{AccessKey, Inventory, Status, User};
use crate::record::{format_time, ActorKind};
use crate::rules::{RuleKind, RuleMeta};

pub struct Rule;

/// Days after which a key counts as unused or old.
pub const MAX_AGE_DAYS: i64 = 90;

static META: RuleMeta = RuleMeta {
    id: "posture-access-key-hygiene",
    title: "Access key hygiene",
    severity: Severity::Medium,
    mitre: &["T1098.001", "T1078.004"],
    description: "An active access key was never used, has not been used for more than 90 \
                  days, is older than 90 days, or its user has two active keys.",
    remediation: "Deactivate keys nobody uses, rotate old ones, and find out who created a \
                  second key before deleting it.",
    response: Response::Alert,
    kind: RuleKind::Posture,
    events: &[],
    about_failures: false,
};

/// The problems of one active key, with their severity.
fn problems(k: &AccessKey, now: i64) -> Vec<(Severity, String)> {
    let mut p = Vec::new();
    match k.last_used {
        None => p.push((Severity::Low, "was never used".to_owned())),
        Some(t) if now - t > MAX_AGE_DAYS * DAY => p.push((
            Severity::Medium,
            format!(
                "has not been used since {} (> {MAX_AGE_DAYS} days)",
                format_time(t)
            ),
        )),
        Some(_) => {}
    }
    if now - k.create_date > MAX_AGE_DAYS * DAY {
        let s = format!(
            "is older than {MAX_AGE_DAYS} days (created {})",
            format_time(k.create_date)
        );
        p.push((Severity::Low, s));
    }
    p
}

fn user_findings(inv: &Inventory, u: &User, out: &mut Vec<Finding>) {
    let who = (u.arn.as_str(), ActorKind::IAMUser);
    let active: Vec<&AccessKey> = u
        .access_keys
        .iter()
        .filter(|k| k.status == Status::Active)
        .collect();
    for k in &active {
        for (sev, what) in problems(k, inv.taken_at) {
            let summary = format!(
                "access key {} of IAM user {} {what}; deactivate it unless it is needed",
                k.label(),
                u.name
            );
            let mut res = vec![u.arn.clone()];
            if !k.id.is_empty() {
                res.insert(0, k.id.clone());
            }
            out.push(finding(&META, inv, who, res, summary).with_severity(sev));
        }
    }
    if active.len() >= 2 {
        let labels: Vec<String> = active.iter().map(|k| k.label()).collect();
        let summary = format!(
            "IAM user {} has {} active access keys ({}); confirm who created the newer one and deactivate the one not in use",
            u.name,
            labels.len(),
            labels.join(", ")
        );
        let mut res = vec![u.arn.clone()];
        res.extend(
            active
                .iter()
                .filter(|k| !k.id.is_empty())
                .map(|k| k.id.clone()),
        );
        out.push(finding(&META, inv, who, res, summary));
    }
}

impl PostureRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, inv: &Inventory, _cfg: &Config, out: &mut Vec<Finding>) {
        for u in &inv.users {
            user_findings(inv, u, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn key(id: &str, created_days_ago: i64, used_days_ago: Option<i64>) -> AccessKey {
        AccessKey {
            id: id.into(),
            status: Status::Active,
            create_date: NOW - created_days_ago * DAY,
            last_used: used_days_ago.map(|d| NOW - d * DAY),
            ..Default::default()
        }
    }

    fn run(keys: Vec<AccessKey>) -> Vec<Finding> {
        let u = User {
            arn: "arn:aws:iam::111122223333:user/bob".into(),
            name: "bob".into(),
            access_keys: keys,
            ..Default::default()
        };
        let inv = Inventory {
            account_id: "111122223333".into(),
            taken_at: NOW,
            users: vec![u],
            ..Default::default()
        };
        let mut out = vec![];
        Rule.evaluate(&inv, &Config::default(), &mut out);
        out
    }

    #[test]
    fn last_used_91_days_ago_is_unused_90_is_not() {
        let f = run(vec![key("AKIAOLD", 60, Some(91))]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].summary.contains("has not been used since"));
        assert!(run(vec![key("AKIAOK", 60, Some(90))]).is_empty());
    }

    #[test]
    fn never_used_and_old_are_separate_findings() {
        let f = run(vec![key("AKIANEVER", 120, None)]);
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.severity == Severity::Low));
    }

    #[test]
    fn two_active_keys() {
        let f = run(vec![
            key("AKIAONE", 30, Some(1)),
            key("AKIATWO", 2, Some(1)),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].resources,
            vec!["arn:aws:iam::111122223333:user/bob", "AKIAONE", "AKIATWO"]
        );
        let mut inactive = key("AKIATWO", 2, Some(1));
        inactive.status = Status::Inactive;
        assert!(run(vec![key("AKIAONE", 30, Some(1)), inactive]).is_empty());
    }
}
