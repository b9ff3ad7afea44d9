//! Users created outside every change window, and users created recently
//! (within 7 days of the inventory).
//!
//! Severity: recent and outside a window (or no window configured): medium;
//! older and outside a configured window: low; recent inside a window: info.
//!
//! Fixtures: `fixtures/inventory/backdoored.json` (the planted user); unit tests below.

use super::{finding, PostureRule, DAY};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::inventory::Inventory;
use crate::record::{format_time, ActorKind};
use crate::rules::{RuleKind, RuleMeta};

pub struct Rule;

/// "Recently created": within this many days of `taken_at`.
pub const RECENT_DAYS: i64 = 7;

static META: RuleMeta = RuleMeta {
    id: "posture-user-created-outside-window",
    title: "IAM user created outside a change window or recently",
    severity: Severity::Medium,
    mitre: &["T1136.003"],
    description: "An IAM user was created at a time no change window covers, or within the last \
                  7 days. Attackers create 'backup' users to keep access.",
    remediation: "Confirm the user with its owner; if nobody asked for it, quarantine it and \
                  sweep for what was created alongside.",
    response: Response::Alert,
    kind: RuleKind::Posture,
    events: &[],
    about_failures: false,
};

impl PostureRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, inv: &Inventory, cfg: &Config, out: &mut Vec<Finding>) {
        let windows = !cfg.windows.is_empty();
        for u in &inv.users {
            let recent = inv.taken_at - u.create_date <= RECENT_DAYS * DAY;
            let outside = windows && !cfg.in_change_window(u.create_date);
            let (sev, why) = match (recent, outside) {
                (true, true) => (Severity::Medium, "recently and outside every change window"),
                (true, false) if !windows => (
                    Severity::Medium,
                    "recently (no change window is configured)",
                ),
                (true, false) => (Severity::Info, "recently, inside a change window"),
                (false, true) => (Severity::Low, "outside every change window"),
                (false, false) => continue,
            };
            let summary = format!(
                "IAM user {} was created {why} ({}); confirm it was requested",
                u.name,
                format_time(u.create_date)
            );
            let f = finding(
                &META,
                inv,
                (&u.arn, ActorKind::IAMUser),
                vec![u.arn.clone()],
                summary,
            );
            out.push(f.with_severity(sev));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::User;
    use crate::record::parse_time;

    fn run(created: &str, cfg: &Config) -> Vec<Finding> {
        let inv = Inventory {
            account_id: "111122223333".into(),
            taken_at: parse_time("2026-11-20T12:00:00Z").unwrap(),
            users: vec![User {
                arn: "arn:aws:iam::111122223333:user/x".into(),
                name: "x".into(),
                create_date: parse_time(created).unwrap(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut out = vec![];
        Rule.evaluate(&inv, cfg, &mut out);
        out
    }

    #[test]
    fn severities() {
        let none = Config::default();
        assert_eq!(
            run("2026-11-16T14:00:00Z", &none)[0].severity,
            Severity::Medium
        );
        assert!(run("2026-01-05T14:00:00Z", &none).is_empty());
        let cfg = Config::parse(
            "[[change_window]]\ndays = [\"Tue\"]\nstart = \"22:00\"\nend = \"23:59\"\n",
        )
        .unwrap();
        // 2026-11-16 is a Monday, 2026-11-17 a Tuesday.
        assert_eq!(
            run("2026-11-16T14:00:00Z", &cfg)[0].severity,
            Severity::Medium
        );
        assert_eq!(
            run("2026-11-17T22:30:00Z", &cfg)[0].severity,
            Severity::Info
        );
        assert_eq!(run("2026-01-05T14:00:00Z", &cfg)[0].severity, Severity::Low);
        assert!(run("2026-01-06T22:30:00Z", &cfg).is_empty());
    }
}
