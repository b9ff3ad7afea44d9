//! A new way to federate into the account: whoever controls the identity
//! provider's signing key (or the certificate authority of a Roles Anywhere
//! trust anchor) can mint credentials for every role that trusts it, with no
//! IAM user, key or password to rotate (Stratus
//! `rolesanywhere-create-trust-anchor`).
//!
//! Catches, on `iam.amazonaws.com`: `CreateSAMLProvider`, `UpdateSAMLProvider`
//! (new metadata, i.e. new signing certificates), `CreateOpenIDConnectProvider`,
//! `UpdateOpenIDConnectProviderThumbprint`, `AddClientIDToOpenIDConnectProvider`;
//! on `rolesanywhere.amazonaws.com`: `CreateTrustAnchor`, `UpdateTrustAnchor`
//! (new CA) and `EnableTrustAnchor` (a disabled anchor made usable again).
//!
//! Not caught, deliberately: reads (`GetSAMLProvider`, `ListOpenIDConnectProviders`),
//! removals (`DeleteSAMLProvider`, `DeleteOpenIDConnectProvider`,
//! `DisableTrustAnchor`: they close a door, an availability problem at worst),
//! and Roles Anywhere `CreateProfile`, which only maps roles to anchors that
//! already exist (the anchor is the new door, and is caught). The IAM Identity
//! Center service creating its own SAML provider is dropped by the engine
//! (service-linked role).
//!
//! Fixtures: `fixtures/rules/iam-identity-provider-changed/` (positives: a SAML
//! provider created, a Roles Anywhere trust anchor created; negatives: a SAML
//! provider read, an OIDC provider deleted, a Roles Anywhere profile created).

use super::common::{given, who, IAM};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Text};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

/// `eventSource` of IAM Roles Anywhere.
const ROLES_ANYWHERE: &str = "rolesanywhere.amazonaws.com";

static META: RuleMeta = RuleMeta {
    id: "iam-identity-provider-changed",
    title: "Identity provider or Roles Anywhere trust anchor created or changed",
    severity: Severity::High,
    mitre: &["T1484.002"],
    description:
        "A SAML or OpenID Connect identity provider, or an IAM Roles Anywhere trust anchor, \
                  was created or changed. Whoever controls that provider's signing key or the \
                  anchor's certificate authority can obtain credentials for the roles that trust \
                  it, without any IAM user or key that a reset would revoke.",
    remediation:
        "Confirm the provider or anchor with the identity team. If unknown: delete it (or \
                  restore the previous metadata, thumbprints or CA), find the roles and Roles \
                  Anywhere profiles that trust it, revoke their sessions, and review \
                  AssumeRoleWithSAML / AssumeRoleWithWebIdentity / CreateSession calls since.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[
        "CreateSAMLProvider",
        "UpdateSAMLProvider",
        "CreateOpenIDConnectProvider",
        "UpdateOpenIDConnectProviderThumbprint",
        "AddClientIDToOpenIDConnectProvider",
        "CreateTrustAnchor",
        "UpdateTrustAnchor",
        "EnableTrustAnchor",
    ],
    about_failures: false,
};

/// The fields of the request and response that name the provider or anchor.
#[derive(Default, Deserialize)]
struct Fields<'a> {
    #[serde(borrow, default)]
    name: Option<Text<'a>>,
    #[serde(borrow, default, rename = "sAMLProviderArn")]
    saml_arn: Option<Text<'a>>,
    #[serde(borrow, default, rename = "openIDConnectProviderArn")]
    oidc_arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    url: Option<Text<'a>>,
    #[serde(borrow, default, rename = "clientID")]
    client_id: Option<Text<'a>>,
    #[serde(borrow, default, rename = "trustAnchorId")]
    anchor_id: Option<Text<'a>>,
    #[serde(borrow, default, rename = "trustAnchor")]
    anchor: Option<Anchor<'a>>,
}

#[derive(Default, Deserialize)]
struct Anchor<'a> {
    #[serde(borrow, default, rename = "trustAnchorArn")]
    arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    name: Option<Text<'a>>,
}

/// What happened, and the provider's ARN (or id) when the record has it.
fn describe(ev: &Event, req: &Fields, resp: &Fields) -> (String, Option<String>) {
    let acct = ev.record.account();
    let pick = |f: for<'x, 'y> fn(&'x Fields<'y>) -> Option<&'x str>| {
        f(resp).or_else(|| f(req)).map(str::to_owned)
    };
    let saml = pick(|f| given(&f.saml_arn))
        .or_else(|| given(&req.name).map(|n| format!("arn:aws:iam::{acct}:saml-provider/{n}")));
    let oidc = pick(|f| given(&f.oidc_arn)).or_else(|| {
        let host = given(&req.url)?
            .trim_start_matches("https://")
            .trim_end_matches('/');
        Some(format!("arn:aws:iam::{acct}:oidc-provider/{host}"))
    });
    let anchor = pick(|f| f.anchor.as_ref().and_then(|a| given(&a.arn)))
        .or_else(|| pick(|f| given(&f.anchor_id)));
    let anchor_name = pick(|f| f.anchor.as_ref().and_then(|a| given(&a.name)))
        .or_else(|| pick(|f| given(&f.name)));
    let label = |x: &Option<String>| x.clone().unwrap_or_else(|| "(unnamed)".to_owned());
    let what = match ev.name() {
        "CreateSAMLProvider" => format!("created SAML identity provider {}", label(&saml)),
        "UpdateSAMLProvider" => format!(
            "replaced the metadata (signing certificates) of SAML provider {}",
            label(&saml)
        ),
        "CreateOpenIDConnectProvider" => {
            format!("created OpenID Connect provider {}", label(&oidc))
        }
        "UpdateOpenIDConnectProviderThumbprint" => format!(
            "replaced the thumbprints of OpenID Connect provider {}",
            label(&oidc)
        ),
        "AddClientIDToOpenIDConnectProvider" => format!(
            "added client id {} to OpenID Connect provider {}",
            given(&req.client_id).unwrap_or("(unknown)"),
            label(&oidc)
        ),
        "CreateTrustAnchor" => format!(
            "created IAM Roles Anywhere trust anchor {} ({})",
            label(&anchor_name),
            label(&anchor)
        ),
        "UpdateTrustAnchor" => format!(
            "changed the certificate authority of Roles Anywhere trust anchor {}",
            label(&anchor)
        ),
        _ => format!("enabled Roles Anywhere trust anchor {}", label(&anchor)),
    };
    let resource = if ev.record.source() == ROLES_ANYWHERE {
        anchor
    } else {
        saml.or(oidc)
    };
    (what, resource)
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let name = ev.name();
        let expected = if name.ends_with("TrustAnchor") {
            ROLES_ANYWHERE
        } else {
            IAM
        };
        if ev.record.source() != expected {
            return;
        }
        let req: Fields = ev.record.request().unwrap_or_default();
        let resp: Fields = ev.record.response().unwrap_or_default();
        let (what, resource) = describe(ev, &req, &resp);
        let summary = format!(
            "{} {what}; confirm it with the identity team, else delete it and review the roles that trust it and \
             the sessions they issued since",
            who(ev)
        );
        out.push(Finding::for_event(
            &META,
            ev,
            resource.into_iter().collect(),
            summary,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::*;
    use super::*;

    fn one(source: &str, name: &str, extra: &str) -> Vec<Finding> {
        run(&Rule, &by_alice(source, name, extra), &Config::default())
    }

    #[test]
    fn oidc_arns_from_request_or_url() {
        let f = one(
            IAM,
            "CreateOpenIDConnectProvider",
            r#""requestParameters":{"url":"https://token.actions.githubusercontent.com","clientIDList":["sts.amazonaws.com"]},"responseElements":null"#,
        );
        assert_eq!(
            f[0].resources,
            vec!["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"]
        );
        let arn = "arn:aws:iam::111122223333:oidc-provider/idp.example.com";
        let f = one(
            IAM,
            "AddClientIDToOpenIDConnectProvider",
            &format!(
                r#""requestParameters":{{"openIDConnectProviderArn":"{arn}","clientID":"evil-app"}}"#
            ),
        );
        assert_eq!(f[0].resources, vec![arn]);
        assert!(
            f[0].summary.contains("added client id evil-app"),
            "{}",
            f[0].summary
        );
    }

    #[test]
    fn anchors_by_id_and_wrong_source() {
        let f = one(
            ROLES_ANYWHERE,
            "UpdateTrustAnchor",
            r#""requestParameters":{"trustAnchorId":"4d07f6a0"}"#,
        );
        assert_eq!(f[0].resources, vec!["4d07f6a0"]);
        assert!(one(IAM, "CreateTrustAnchor", "").is_empty());
        assert!(one(ROLES_ANYWHERE, "CreateSAMLProvider", "").is_empty());
        assert_eq!(
            one(IAM, "UpdateSAMLProvider", r#""requestParameters":null"#)[0].resources,
            Vec::<String>::new()
        );
    }
}
