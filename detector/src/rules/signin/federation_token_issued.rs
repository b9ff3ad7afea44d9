//! `sts:GetFederationToken` called: temporary credentials (up to 36 hours,
//! console access via the federation endpoint) that outlive the deletion or
//! rotation of the access key that asked for them. Intruders use it to keep
//! access during the response (Stratus `sts-federation-token`).
//!
//! Medium: a few tools still use it for console sign-in from IAM user keys
//! (aws-vault without roles, old SSO proxies). The summary says when the
//! session policy passed grants everything. Lives in `signin` because the
//! IAM area covers identities, not sessions.
//!
//! Fixtures: `fixtures/rules/signin-federation-token-issued/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Text};
use crate::rules::policy::is_admin_text;
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "signin-federation-token-issued",
    title: "Federation token issued (GetFederationToken)",
    severity: Severity::Medium,
    mitre: &["T1098.001", "T1550.001"],
    description:
        "An IAM user obtained federated-user credentials with GetFederationToken. They last \
                  up to 36 hours, can open a console session, and are not revoked by deleting or \
                  rotating the caller's access key.",
    remediation: "Confirm with the user's owner which tool asked for the token. If nobody did, \
                  attach a deny-all policy to the calling IAM user (a federated session can never \
                  exceed its user's permissions, so this cuts it), then deactivate the user's keys \
                  and review what the federated user did.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["GetFederationToken"],
    about_failures: false,
};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    name: Option<Text<'a>>,
    #[serde(borrow, default)]
    policy: Option<Text<'a>>,
    #[serde(borrow, default)]
    duration_seconds: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resp<'a> {
    #[serde(borrow, default)]
    federated_user: Option<FedUser<'a>>,
    #[serde(borrow, default)]
    credentials: Option<Creds<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FedUser<'a> {
    #[serde(borrow, default)]
    arn: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Creds<'a> {
    #[serde(borrow, default)]
    access_key_id: Option<Text<'a>>,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != "sts.amazonaws.com" {
            return;
        }
        let req: Req = r.request().unwrap_or_default();
        let resp: Resp = r.response().unwrap_or_default();
        let name = req
            .name
            .as_ref()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_else(|| "(unnamed)".to_owned());
        let fed_arn = resp
            .federated_user
            .and_then(|f| f.arn)
            .filter(|t| !t.is_empty())
            .map(|t| t.as_str().to_owned())
            .unwrap_or_else(|| format!("arn:aws:sts::{}:federated-user/{name}", r.account()));
        let key = resp
            .credentials
            .and_then(|c| c.access_key_id)
            .map(|k| format!(" (key {k})"))
            .unwrap_or_default();
        let scope = match &req.policy {
            Some(p) if is_admin_text(p.as_str()) => {
                ", with a session policy allowing everything the caller may do"
            }
            _ => "",
        };
        let hours = req
            .duration_seconds
            .and_then(|d| d.as_str().parse::<u32>().ok())
            .map(|s| s / 3600)
            .unwrap_or(12);
        let a = ev.actor();
        let user = a.name().unwrap_or("the caller");
        let summary = format!(
            "{} obtained federated-user credentials {fed_arn}{key} valid for about {hours} h{scope}; they survive rotating the caller's keys: confirm which tool asked, and if none, attach a deny-all policy to IAM user {user} to cut the session",
            a.key()
        );
        out.push(Finding::for_event(&META, ev, vec![fed_arn], summary));
    }
}
