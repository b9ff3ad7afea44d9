//! A successful console sign-in without MFA by an IAM user or the root user:
//! a stolen or guessed password is then all an intruder needs
//! (Stratus `console-login-without-mfa`).
//!
//! Fires on `ConsoleLogin` with `responseElements.ConsoleLogin = Success` and
//! `additionalEventData.MFAUsed = No` when `userIdentity.type` is `IAMUser`
//! (medium) or `Root` (high; `root-activity` also fires, critical).
//! Federated, SAML (`SamlProviderArn`), Identity Center and assumed-role
//! sign-ins are not reported: their identity provider enforces MFA and
//! CloudTrail cannot see it. Failed sign-ins never reach the rule.
//!
//! Fixtures: `fixtures/rules/signin-console-login-without-mfa/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Text};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "signin-console-login-without-mfa",
    title: "Console sign-in without MFA",
    severity: Severity::Medium,
    mitre: &["T1078.004"],
    description: "An IAM user or the root user signed in to the AWS console with a password only. \
                  Phished, reused or guessed passwords then give full console access.",
    remediation: "Confirm with the user that the sign-in was theirs (time, address, browser). If \
                  not, reset the password, deactivate their keys and review the session's activity. \
                  Either way, require MFA for the user (or move them to Identity Center).",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["ConsoleLogin"],
    about_failures: false,
};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Extra<'a> {
    #[serde(borrow, default, rename = "MFAUsed")]
    mfa_used: Option<Text<'a>>,
    #[serde(borrow, default)]
    saml_provider_arn: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Resp<'a> {
    #[serde(borrow, default)]
    console_login: Option<Text<'a>>,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        let root = match r.identity_type() {
            "Root" => true,
            "IAMUser" => false,
            _ => return,
        };
        let ok = r
            .response::<Resp>()
            .and_then(|x| x.console_login)
            .is_some_and(|s| s.as_str() == "Success");
        let Some(extra) = r.additional::<Extra>() else {
            return;
        };
        let no_mfa = extra
            .mfa_used
            .as_ref()
            .is_some_and(|m| m.as_str().eq_ignore_ascii_case("No"));
        let saml = extra
            .saml_provider_arn
            .as_ref()
            .is_some_and(|s| !s.is_empty());
        if r.source() != "signin.amazonaws.com" || !ok || !no_mfa || saml {
            return;
        }
        let a = ev.actor();
        let ip = a.source_ip.as_deref().unwrap_or("an unknown address");
        let summary = if root {
            format!(
                "the root user of account {} signed in to the console without MFA from {ip}; confirm with its custodian, then reset the root password and register an MFA device",
                r.account()
            )
        } else {
            let user = a.name().unwrap_or("(unknown)");
            format!(
                "IAM user {user} ({}) signed in to the console without MFA from {ip}; confirm with {user} it was them (reset the password and revoke sessions if not), then enforce MFA for the user",
                a.key()
            )
        };
        let resources = a.arn.iter().cloned().collect();
        let f = Finding::for_event(&META, ev, resources, summary);
        out.push(if root {
            f.with_severity(Severity::High)
        } else {
            f
        });
    }
}
