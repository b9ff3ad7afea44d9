//! The "backup admin" check: principals with effective administrator rights
//! that are neither break-glass nor trusted automation.
//!
//! Effective admin: an attached AWS admin managed policy, an admin customer
//! managed policy (its default version), an admin inline policy, or any of
//! these through a group ([`super::admin_sources`]), unless a permissions
//! boundary that is not itself admin caps it. Roles under
//! `/aws-reserved/` (IAM Identity Center) and `/aws-service-role/` are skipped.
//!
//! Fixtures: `fixtures/inventory/` (clean: the admin is break-glass, the deploy
//! role trusted automation; backdoored: a planted admin user).

use super::{admin_sources, boundary_allows_admin, finding, PostureRule};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::inventory::Inventory;
use crate::record::ActorKind;
use crate::rules::{RuleKind, RuleMeta};

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "posture-unexpected-admin",
    title: "Unexpected administrator",
    severity: Severity::High,
    mitre: &["T1098", "T1136.003"],
    description: "A user or role holds administrator rights (directly, inline, through a group \
                  or a customer managed policy version) and is not listed as break-glass or \
                  trusted automation. Attackers leave such 'backup admins' behind.",
    remediation: "Confirm the principal with its owner. If it is expected, list it under \
                  [principals]; if not, quarantine it and sweep for what it created.",
    response: Response::Alert,
    kind: RuleKind::Posture,
    events: &[],
    about_failures: false,
};

fn expected(cfg: &Config, arn: &str) -> bool {
    cfg.is_break_glass(arn) || cfg.is_trusted_automation(arn)
}

impl PostureRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, inv: &Inventory, cfg: &Config, out: &mut Vec<Finding>) {
        for u in &inv.users {
            if expected(cfg, &u.arn)
                || !boundary_allows_admin(inv, u.permissions_boundary.as_deref())
            {
                continue;
            }
            let why = admin_sources(inv, &u.attached_policies, &u.inline_policies, &u.groups);
            if why.is_empty() {
                continue;
            }
            let summary = format!(
                "IAM user {} is an administrator ({}) but is neither break-glass nor trusted automation; confirm it or quarantine it",
                u.name,
                why.join("; ")
            );
            out.push(finding(
                &META,
                inv,
                (&u.arn, ActorKind::IAMUser),
                vec![u.arn.clone()],
                summary,
            ));
        }
        for r in &inv.roles {
            let reserved =
                r.path.starts_with("/aws-reserved/") || r.path.starts_with("/aws-service-role/");
            if reserved
                || expected(cfg, &r.arn)
                || !boundary_allows_admin(inv, r.permissions_boundary.as_deref())
            {
                continue;
            }
            let why = admin_sources(inv, &r.attached_policies, &r.inline_policies, &[]);
            if why.is_empty() {
                continue;
            }
            let summary = format!(
                "IAM role {} is an administrator ({}) but is neither break-glass nor trusted automation; confirm it or quarantine it",
                r.name,
                why.join("; ")
            );
            out.push(finding(
                &META,
                inv,
                (&r.arn, ActorKind::AssumedRole),
                vec![r.arn.clone()],
                summary,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Group, ManagedPolicy, User};
    use serde_json::json;

    fn inv() -> Inventory {
        let mut inv = Inventory {
            account_id: "111122223333".into(),
            ..Default::default()
        };
        inv.policies.push(ManagedPolicy {
            arn: "arn:aws:iam::111122223333:policy/ops-all".into(),
            name: "ops-all".into(),
            default_version_id: "v3".into(),
            default_document: json!({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}),
            ..Default::default()
        });
        inv.groups.push(Group {
            arn: "arn:aws:iam::111122223333:group/ops".into(),
            name: "ops".into(),
            attached_policies: vec!["arn:aws:iam::111122223333:policy/ops-all".into()],
            ..Default::default()
        });
        inv.users.push(User {
            arn: "arn:aws:iam::111122223333:user/carol".into(),
            name: "carol".into(),
            groups: vec!["ops".into()],
            ..Default::default()
        });
        inv
    }

    fn run(inv: &Inventory, cfg: &Config) -> Vec<Finding> {
        let mut out = vec![];
        Rule.evaluate(inv, cfg, &mut out);
        out
    }

    #[test]
    fn admin_via_group_and_customer_policy_default_version() {
        let mut inv = inv();
        let f = run(&inv, &Config::default());
        assert_eq!(f.len(), 1);
        assert!(
            f[0].summary
                .contains("policy ops-all (default version v3) via group ops"),
            "{}",
            f[0].summary
        );
        assert_eq!(
            f[0].actor.arn.as_deref(),
            Some("arn:aws:iam::111122223333:user/carol")
        );
        assert!(f[0].event_ids.is_empty());
        // A non-admin default version clears it.
        inv.policies[0].default_document =
            json!({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}});
        assert!(run(&inv, &Config::default()).is_empty());
    }

    #[test]
    fn a_non_admin_permissions_boundary_caps_admin() {
        let mut inv = inv();
        inv.users[0].permissions_boundary = Some("arn:aws:iam::aws:policy/ReadOnlyAccess".into());
        assert!(run(&inv, &Config::default()).is_empty());
        inv.users[0].permissions_boundary = Some("arn:aws:iam::111122223333:policy/ops-all".into());
        assert_eq!(run(&inv, &Config::default()).len(), 1);
    }

    #[test]
    fn break_glass_is_expected() {
        let cfg = Config::parse(
            "[principals]\nbreak_glass = [\"arn:aws:iam::111122223333:user/carol\"]\n",
        )
        .unwrap();
        assert!(run(&inv(), &cfg).is_empty());
    }
}
