//! Roles whose trust policy lets in someone outside the account's control: an
//! account that is neither the account itself nor in `trusted_accounts`, `*`,
//! a federated provider that is not one of the account's providers, or an OIDC
//! provider with no subject (`:sub`) condition (anyone the issuer gives a
//! token to, e.g. any GitHub repository).
//!
//! Severity: high; `*` without a condition is critical, `*` with one medium.
//! Fixtures: `fixtures/inventory/backdoored.json` (a role trusting
//! 999988887777, a role trusting a planted OIDC provider); clean trusts
//! 444455556666 (listed in its config).

use super::{finding, PostureRule};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::inventory::{Inventory, Role};
use crate::record::ActorKind;
use crate::rules::policy::{statements, strings, trust_of};
use crate::rules::{RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "posture-role-trusts-outside",
    title: "Role trusts an outside principal",
    severity: Severity::High,
    mitre: &["T1098.003", "T1199"],
    description: "A role can be assumed from an account that is not trusted, by anyone (`*`), \
                  through an identity provider the account does not have, or through an OIDC \
                  provider without a subject condition. Attackers add such trust to come back \
                  from their own account.",
    remediation: "Revert the trust policy to the known-good one (or delete the role), and \
                  list legitimate partner accounts under trusted_accounts.",
    response: Response::Alert,
    kind: RuleKind::Posture,
    events: &[],
    about_failures: false,
};

/// True when some Condition key (any operator) ends in `:sub`.
fn has_sub_condition(st: &Value) -> bool {
    st.get("Condition")
        .and_then(Value::as_object)
        .is_some_and(|ops| {
            ops.values()
                .filter_map(Value::as_object)
                .any(|m| m.keys().any(|k| k.to_ascii_lowercase().ends_with(":sub")))
        })
}

/// OIDC providers of the account trusted by some statement without a `:sub` condition.
fn unconditioned_oidc(inv: &Inventory, doc: &Value) -> Vec<String> {
    let mut v = Vec::new();
    for st in statements(doc) {
        let fed = st.get("Principal").and_then(|p| p.get("Federated"));
        for p in strings(fed) {
            let oidc = p.contains(":oidc-provider/") && inv.providers.iter().any(|x| x.arn == p);
            if oidc && !has_sub_condition(st) && !v.iter().any(|x| x == p) {
                v.push(p.to_owned());
            }
        }
    }
    v
}

/// What is wrong with one role's trust, with the severity of the worst part.
fn problems(inv: &Inventory, cfg: &Config, r: &Role) -> Option<(Severity, Vec<String>)> {
    let t = trust_of(&r.trust_policy);
    let mut why = Vec::new();
    let mut sev = Severity::High;
    let outside: Vec<&str> = t
        .accounts
        .iter()
        .map(String::as_str)
        .filter(|a| !cfg.is_trusted_account(a, &inv.account_id))
        .collect();
    if !outside.is_empty() {
        why.push(format!("untrusted account(s) {}", outside.join(", ")));
    }
    if t.wildcard && !t.wildcard_conditioned {
        sev = Severity::Critical;
        why.push("anyone (`*`, no condition)".to_owned());
    } else if t.wildcard {
        why.push("anyone (`*`, narrowed by a condition)".to_owned());
        if why.len() == 1 {
            sev = Severity::Medium;
        }
    }
    for f in &t.federated {
        let is_arn = f.contains(":oidc-provider/") || f.contains(":saml-provider/");
        if is_arn && !inv.providers.iter().any(|p| &p.arn == f) {
            why.push(format!(
                "identity provider {f}, which is not one of the account's"
            ));
        }
    }
    for p in unconditioned_oidc(inv, &r.trust_policy) {
        why.push(format!(
            "OIDC provider {p} without a subject (:sub) condition"
        ));
    }
    (!why.is_empty()).then_some((sev, why))
}

impl PostureRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, inv: &Inventory, cfg: &Config, out: &mut Vec<Finding>) {
        for r in &inv.roles {
            let Some((sev, why)) = problems(inv, cfg, r) else {
                continue;
            };
            let summary = format!(
                "IAM role {} can be assumed by {}; revert its trust policy or quarantine the role",
                r.name,
                why.join("; ")
            );
            let f = finding(
                &META,
                inv,
                (&r.arn, ActorKind::AssumedRole),
                vec![r.arn.clone()],
                summary,
            );
            out.push(f.with_severity(sev));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Provider;
    use serde_json::json;

    fn run(trust: Value, providers: Vec<Provider>) -> Vec<Finding> {
        let r = Role {
            arn: "arn:aws:iam::111122223333:role/r".into(),
            name: "r".into(),
            trust_policy: trust,
            ..Default::default()
        };
        let inv = Inventory {
            account_id: "111122223333".into(),
            roles: vec![r],
            providers,
            ..Default::default()
        };
        let cfg = Config::parse("[principals]\ntrusted_accounts = [\"444455556666\"]\n").unwrap();
        let mut out = vec![];
        Rule.evaluate(&inv, &cfg, &mut out);
        out
    }

    fn aws(p: &str) -> Value {
        json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":p},"Action":"sts:AssumeRole"}]})
    }

    #[test]
    fn accounts_and_wildcards() {
        assert!(run(aws("arn:aws:iam::444455556666:root"), vec![]).is_empty());
        assert!(run(aws("arn:aws:iam::111122223333:user/x"), vec![]).is_empty());
        assert_eq!(run(aws("999988887777"), vec![])[0].severity, Severity::High);
        assert_eq!(run(aws("*"), vec![])[0].severity, Severity::Critical);
    }

    #[test]
    fn federated_providers() {
        let arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        let p = Provider {
            arn: arn.into(),
            ..Default::default()
        };
        let open = json!({"Statement":[{"Effect":"Allow","Principal":{"Federated":arn},"Action":"sts:AssumeRoleWithWebIdentity",
            "Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]});
        assert!(
            run(open.clone(), vec![]).len() == 1,
            "provider not in the account"
        );
        assert!(run(open, vec![p.clone()])[0]
            .summary
            .contains("without a subject"));
        let pinned = json!({"Statement":[{"Effect":"Allow","Principal":{"Federated":arn},"Action":"sts:AssumeRoleWithWebIdentity",
            "Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/infra:*"}}}]});
        assert!(run(pinned, vec![p]).is_empty());
    }
}
