//! A role's trust policy opened to outsiders: a backdoor that survives every
//! credential reset, since the attacker assumes the role from their own account
//! (Stratus `iam-backdoor-role`, `iam-create-backdoor-role`).
//!
//! Catches `UpdateAssumeRolePolicy` (`requestParameters.policyDocument`) and
//! `CreateRole` (`requestParameters.assumeRolePolicyDocument`) whose trust
//! policy ([`policy::trust_of`]) lets in:
//! - `*` with no `Condition`: critical (anyone with an AWS account);
//! - `*` narrowed by a `Condition` (an external id, an org id): high, since the
//!   condition is all that stands between the role and the internet;
//! - an account that is neither the event's own account nor in the
//!   configuration's `trusted_accounts`: high;
//! - a public web identity provider (GitHub Actions, Google, Facebook, Amazon,
//!   Cognito) with no `Condition` on the token: high, as any repository or
//!   account of that provider can assume the role.
//!
//! Trust to the own account, to AWS services, to a trusted account, or to a
//! federated provider with conditions is not caught.
//!
//! Fixtures: `fixtures/rules/iam-trust-opened/` (positives: an outside account
//! added to an EC2 role's trust, a role created trusting `*`; negatives: trust
//! to the own account, to a service, to the trusted account of `config.toml`).

use super::common::{given, join, who, IAM};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Text};
use crate::rules::policy;
use crate::rules::util::role_arn;
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "iam-trust-opened",
    title: "Role trust policy lets in an outside account or anyone",
    severity: Severity::High,
    mitre: &["T1098"],
    description: "A role was created with, or changed to, a trust policy that lets principals of an \
                  account outside this one and outside the configured trusted accounts (or anyone, \
                  `*`) assume it. An attacker who adds their own account keeps access through the \
                  role after every password and key is reset.",
    remediation: "Check whether the outside account is a known partner. If not: restore the previous \
                  trust policy (or delete the new role), revoke the role's active sessions, and review \
                  AssumeRole calls into it from outside accounts. List legitimate partners under \
                  principals.trusted_accounts.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["UpdateAssumeRolePolicy", "CreateRole"],
    about_failures: false,
};

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    role_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    policy_document: Option<Text<'a>>,
    #[serde(borrow, default)]
    assume_role_policy_document: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct Resp<'a> {
    #[serde(borrow, default)]
    role: Option<RoleOut<'a>>,
}

#[derive(Deserialize)]
struct RoleOut<'a> {
    #[serde(borrow, default)]
    arn: Option<Text<'a>>,
}

/// Web identity providers anyone can get a token from.
const PUBLIC_IDPS: &[&str] = &[
    "token.actions.githubusercontent.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
    "cognito-identity.amazonaws.com",
];

fn is_public_idp(federated: &str) -> bool {
    let host = federated
        .rsplit_once(":oidc-provider/")
        .map_or(federated, |x| x.1);
    PUBLIC_IDPS.iter().any(|p| host.eq_ignore_ascii_case(p))
}

/// Public identity providers trusted by an `Allow` statement without a `Condition`.
fn unconditioned_public_idps(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for st in policy::statements(doc) {
        let allow = st
            .get("Effect")
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case("allow"));
        let conditioned = st
            .get("Condition")
            .and_then(Value::as_object)
            .is_some_and(|c| !c.is_empty());
        if !allow || conditioned {
            continue;
        }
        let fed = st.get("Principal").and_then(|p| p.get("Federated"));
        out.extend(
            policy::strings(fed)
                .into_iter()
                .filter(|f| is_public_idp(f))
                .map(str::to_owned),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// How wide a trust policy is.
struct Opening {
    severity: Severity,
    /// Who is let in, for the summary.
    who_in: Vec<String>,
    /// Only named outside accounts (which may be partners nobody listed yet).
    accounts_only: bool,
}

fn openings(doc: &Value, own: &str, cfg: &Config) -> Option<Opening> {
    let t = policy::trust_of(doc);
    let mut sev = None;
    let mut who_in = Vec::new();
    // Per statement: one conditioned `*` must not hide another, unconditioned one.
    let bare_star = policy::statements(doc).into_iter().any(|st| {
        let one = policy::trust_of(&serde_json::json!({ "Statement": st }));
        one.wildcard && !one.wildcard_conditioned
    });
    if bare_star {
        sev = Some(Severity::Critical);
        who_in.push("anyone (`*` with no Condition)".to_owned());
    } else if t.wildcard {
        sev = Some(Severity::High);
        who_in.push("any AWS principal (`*`, limited only by its Condition)".to_owned());
    }
    let outside: Vec<&str> = t
        .accounts
        .iter()
        .map(String::as_str)
        .filter(|a| !cfg.is_trusted_account(a, own))
        .collect();
    if !outside.is_empty() {
        let s = if outside.len() > 1 { "s" } else { "" };
        who_in.push(format!("outside account{s} {}", outside.join(", ")));
        sev = sev.max(Some(Severity::High));
    }
    let idps = unconditioned_public_idps(doc);
    if !idps.is_empty() {
        who_in.push(format!(
            "every user of {} (no Condition on the token)",
            idps.join(", ")
        ));
        sev = sev.max(Some(Severity::High));
    }
    let accounts_only = !t.wildcard && idps.is_empty();
    sev.map(|severity| Opening {
        severity,
        who_in,
        accounts_only,
    })
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        if ev.record.source() != IAM {
            return;
        }
        let req: Req = ev.record.request().unwrap_or_default();
        let created = ev.name() == "CreateRole";
        let text = if created {
            &req.assume_role_policy_document
        } else {
            &req.policy_document
        };
        let Some(doc) = given(text).and_then(policy::parse_document) else {
            return;
        };
        let account = ev.record.account();
        let Some(open) = openings(&doc, account, cfg) else {
            return;
        };
        let name = given(&req.role_name);
        let from_response = ev
            .record
            .response::<Resp>()
            .and_then(|r| r.role)
            .and_then(|r| r.arn)
            .filter(|a| !a.is_empty());
        let arn = from_response
            .map(|a| a.as_str().to_owned())
            .or_else(|| name.map(|n| role_arn(account, n)));
        let role = name
            .map(|n| format!("role {n}"))
            .unwrap_or_else(|| "a role".to_owned());
        let who_in = join(&open.who_in);
        let (did, undo) = if created {
            (
                format!("created {role} with a trust policy that lets {who_in} assume it"),
                "delete the role",
            )
        } else {
            (
                format!("changed the trust policy of {role} to let {who_in} assume it"),
                "restore the previous trust policy",
            )
        };
        let unless = if open.accounts_only {
            "unless it is a known partner (then list it in trusted_accounts), "
        } else {
            ""
        };
        let summary = format!(
            "{} {did}; {unless}{undo} and review AssumeRole calls into it",
            who(ev)
        );
        out.push(
            Finding::for_event(&META, ev, arn.into_iter().collect(), summary)
                .with_severity(open.severity),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::*;
    use super::*;

    fn run_doc(doc: &str, cfg: &Config) -> Vec<Finding> {
        let doc = doc.replace('"', "\\\"");
        let req = format!(r#""requestParameters":{{"roleName":"app","policyDocument":"{doc}"}}"#);
        run(&Rule, &by_alice(IAM, "UpdateAssumeRolePolicy", &req), cfg)
    }

    #[test]
    fn wildcard_severities() {
        let open = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        let f = run_doc(open, &Config::default());
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[0].resources, vec!["arn:aws:iam::111122223333:role/app"]);
        let cond = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"1"}}}]}"#;
        assert_eq!(
            run_doc(cond, &Config::default())[0].severity,
            Severity::High
        );
    }

    #[test]
    fn accounts_against_configuration() {
        let doc = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","111122223333"]},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(run_doc(doc, &Config::default()).len(), 1);
        let cfg = Config::parse("[principals]\ntrusted_accounts = [\"444455556666\"]").unwrap();
        assert!(run_doc(doc, &cfg).is_empty());
        let deny = r#"{"Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}]}"#;
        assert!(run_doc(deny, &Config::default()).is_empty());
    }

    #[test]
    fn public_web_identity_needs_a_condition() {
        let gh = r#"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#;
        assert_eq!(run_doc(gh, &Config::default()).len(), 1);
        let scoped = gh.replace(
            r#""Action""#,
            r#""Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:org/app:*"}},"Action""#,
        );
        assert!(run_doc(&scoped, &Config::default()).is_empty());
    }

    #[test]
    fn missing_or_bad_documents_raise_nothing() {
        let f = run(
            &Rule,
            &by_alice(IAM, "UpdateAssumeRolePolicy", r#""requestParameters":{}"#),
            &Config::default(),
        );
        assert!(f.is_empty());
        assert!(run_doc("not json", &Config::default()).is_empty());
    }
}
