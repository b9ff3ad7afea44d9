//! SAML and OIDC identity providers that nobody listed in
//! `principals.identity_providers`: an attacker's own identity provider (a
//! GitHub organisation, an IdP they run) is a way back in that survives every
//! password and key reset, once a role trusts it (or as soon as one does).
//!
//! Severity: medium; high when the provider was created within the last 30
//! days. Fixtures: `fixtures/inventory/backdoored.json` (a planted GitHub
//! OIDC provider); the clean inventory's SAML provider is listed in
//! `fixtures/inventory/config.toml`.

use super::{finding, PostureRule, DAY};
use crate::config::Config;
use crate::finding::{short_name, Finding, Response, Severity};
use crate::inventory::{Inventory, ProviderKind};
use crate::record::{format_time, ActorKind};
use crate::rules::{RuleKind, RuleMeta};

pub struct Rule;

/// Providers created within this many days are reported as high.
const RECENT_DAYS: i64 = 30;

static META: RuleMeta = RuleMeta {
    id: "posture-identity-provider-unlisted",
    title: "Identity provider nobody listed",
    severity: Severity::Medium,
    mitre: &["T1484.002", "T1098"],
    description: "A SAML or OIDC identity provider exists that is not listed under \
                  principals.identity_providers. Attackers add their own provider (and a role \
                  trusting it) to come back without any IAM user or key.",
    remediation: "Confirm who created it (`trailguard sweep`, CloudTrail \
                  CreateOpenIDConnectProvider/CreateSAMLProvider); delete it and every role \
                  trust naming it if nobody owns it, or add it to principals.identity_providers.",
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
        for p in &inv.providers {
            if cfg.is_listed_provider(&p.arn, &p.url) {
                continue;
            }
            let kind = match p.kind {
                ProviderKind::Oidc => "OIDC",
                ProviderKind::Saml => "SAML",
            };
            let trusted_by: Vec<&str> = inv
                .roles
                .iter()
                .filter(|r| r.trust_policy.to_string().contains(p.arn.as_str()))
                .map(|r| r.name.as_str())
                .collect();
            let roles = if trusted_by.is_empty() {
                "no role trusts it yet".to_owned()
            } else {
                format!("trusted by role(s) {}", trusted_by.join(", "))
            };
            let recent = p.create_date > 0 && inv.taken_at - p.create_date < RECENT_DAYS * DAY;
            let mut f = finding(
                &META,
                inv,
                (&p.arn, ActorKind::Unknown),
                vec![p.arn.clone()],
                format!(
                    "{kind} identity provider {} (created {}) is not listed in principals.identity_providers, {roles}; delete it unless it is yours",
                    short_name(&p.arn),
                    format_time(p.create_date)
                ),
            );
            if recent {
                f.severity = Severity::High;
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Provider;

    fn inv() -> Inventory {
        Inventory {
            account_id: "111122223333".into(),
            taken_at: 100 * DAY,
            providers: vec![
                Provider {
                    arn: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com".into(),
                    kind: ProviderKind::Oidc,
                    url: "https://token.actions.githubusercontent.com".into(),
                    create_date: 99 * DAY,
                    ..Provider::default()
                },
                Provider {
                    arn: "arn:aws:iam::111122223333:saml-provider/okta".into(),
                    kind: ProviderKind::Saml,
                    create_date: DAY,
                    ..Provider::default()
                },
            ],
            ..Inventory::default()
        }
    }

    fn run(listed: &[&str]) -> Vec<Finding> {
        let mut cfg = Config::default();
        cfg.principals.identity_providers = listed.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        Rule.evaluate(&inv(), &cfg, &mut out);
        out
    }

    #[test]
    fn unlisted_providers_are_reported_recent_ones_high() {
        let all = run(&[]);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].severity, Severity::High, "created a day ago");
        assert_eq!(all[1].severity, Severity::Medium);
        assert!(all[0].summary.contains("no role trusts it yet"));
    }

    #[test]
    fn providers_are_listed_by_arn_glob_or_issuer_host() {
        assert_eq!(
            run(&[
                "token.actions.githubusercontent.com",
                "arn:aws:iam::*:saml-provider/okta"
            ])
            .len(),
            0
        );
        assert_eq!(
            run(&["https://token.actions.githubusercontent.com/"]).len(),
            1
        );
        assert_eq!(run(&["arn:aws:iam::111122223333:saml-provider/*"]).len(), 1);
    }
}
