//! An MFA device removed: the second factor between a stolen password and the
//! console is gone (or about to be replaced by the attacker's own device).
//!
//! Catches `DeactivateMFADevice` (the device is unassigned from its user) and
//! `DeleteVirtualMFADevice` (a virtual device is destroyed; IAM only deletes
//! unassigned devices, so this usually follows a deactivation):
//! - critical for the root user's device: a serial ending in
//!   `:mfa/root-account-mfa-device`, a root security key (`:u2f/root/`), or the
//!   root user deactivating a device without naming a user;
//! - medium for an IAM user deactivating its own device from an MFA-signed
//!   session, which is what replacing a phone looks like;
//! - medium too for an IAM user deleting an (unassigned) virtual device from an
//!   MFA-signed session, the second half of replacing a phone;
//! - high otherwise (another user's device, or without MFA in the session).
//!
//! Adding or resynchronising a device (`EnableMFADevice`, `CreateVirtualMFADevice`,
//! `ResyncMFADevice`) is not caught.
//!
//! Fixtures: `fixtures/rules/iam-mfa-removed/` (positives: another user's device
//! deactivated, the root virtual device deleted; negatives: MFA enrolment and
//! resync).

use super::common::{given, other_user, who, IAM};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{ActorKind, Event, Text};
use crate::rules::util::{contain, user_arn};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "iam-mfa-removed",
    title: "MFA device deactivated or deleted",
    severity: Severity::High,
    mitre: &["T1556.006"],
    description: "An MFA device was deactivated or deleted. Attackers remove MFA so that a stolen \
                  password is enough, or to register their own device and lock the owner out. On \
                  the root user this is an emergency.",
    remediation: "Confirm with the device's owner. If unexplained: re-enrol MFA for the user (or \
                  root), reset its password, quarantine the caller and review what the user did \
                  since. Enforce MFA with a policy that denies actions when aws:MultiFactorAuthPresent \
                  is false.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["DeactivateMFADevice", "DeleteVirtualMFADevice"],
    about_failures: false,
};

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    user_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    serial_number: Option<Text<'a>>,
}

fn is_root_device(ev: &Event, req: &Req) -> bool {
    let serial = given(&req.serial_number).unwrap_or("");
    serial.ends_with(":mfa/root-account-mfa-device")
        || serial.contains(":u2f/root/")
        || (ev.actor().kind == ActorKind::Root
            && ev.name() == "DeactivateMFADevice"
            && given(&req.user_name).is_none())
}

/// Severity, whose device it is (when known, for the summary) and that owner's ARN.
fn assess(ev: &Event, req: &Req) -> (Severity, Option<String>, Option<String>) {
    let account = ev.record.account();
    if is_root_device(ev, req) {
        let root = format!("arn:aws:iam::{account}:root");
        return (
            Severity::Critical,
            Some("the root user".to_owned()),
            Some(root),
        );
    }
    if let Some(other) = other_user(ev, &req.user_name) {
        return (
            Severity::High,
            Some(format!("IAM user {other}")),
            Some(user_arn(account, other)),
        );
    }
    let a = ev.actor();
    let own = ev.name() == "DeactivateMFADevice" && a.kind == ActorKind::IAMUser;
    match (own, a.name()) {
        (true, Some(me)) => {
            let sev = if a.mfa {
                Severity::Medium
            } else {
                Severity::High
            };
            (
                sev,
                Some(format!("its own user {me}")),
                Some(user_arn(account, me)),
            )
        }
        // IAM deletes only unassigned devices: removing a spare (or the one just
        // replaced) from an MFA-signed user session takes nothing away by itself.
        (false, Some(_))
            if ev.name() == "DeleteVirtualMFADevice" && a.kind == ActorKind::IAMUser && a.mfa =>
        {
            (Severity::Medium, None, None)
        }
        _ => (Severity::High, None, None),
    }
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
        let (severity, whose, owner) = assess(ev, &req);
        let serial = given(&req.serial_number);
        let did = if ev.name() == "DeleteVirtualMFADevice" {
            "deleted virtual MFA device"
        } else {
            "deactivated MFA device"
        };
        let next = if severity == Severity::Critical {
            "re-enrol root MFA now, reset the root password and review root activity".to_owned()
        } else {
            format!(
                "confirm with the owner, re-enrol MFA and {} if unexplained",
                contain(cfg, ev.actor(), "the caller")
            )
        };
        let whose = whose.map(|w| format!(" of {w}")).unwrap_or_default();
        let summary = format!(
            "{} {did} {}{whose}; {next}",
            who(ev),
            serial.unwrap_or("(no serial)")
        );
        let resources = owner.into_iter().chain(serial.map(str::to_owned)).collect();
        out.push(Finding::for_event(&META, ev, resources, summary).with_severity(severity));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::*;
    use super::*;

    fn sev(identity: &str, name: &str, req: &str) -> Severity {
        let json = by(
            identity,
            IAM,
            name,
            &format!(r#""requestParameters":{req}"#),
        );
        run(&Rule, &json, &Config::default())[0].severity
    }

    #[test]
    fn severities() {
        let alice = r#"{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice"}"#;
        let alice_mfa = r#"{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","sessionContext":{"attributes":{"mfaAuthenticated":"true"}}}"#;
        let own = r#"{"userName":"alice","serialNumber":"arn:aws:iam::111122223333:mfa/alice"}"#;
        assert_eq!(sev(alice, "DeactivateMFADevice", own), Severity::High);
        assert_eq!(sev(alice_mfa, "DeactivateMFADevice", own), Severity::Medium);
        assert_eq!(
            sev(alice_mfa, "DeactivateMFADevice", r#"{"userName":"bob"}"#),
            Severity::High
        );
        assert_eq!(
            sev(
                ROOT,
                "DeactivateMFADevice",
                r#"{"serialNumber":"arn:aws:iam::111122223333:mfa/phone"}"#
            ),
            Severity::Critical
        );
        assert_eq!(
            sev(
                ROLE_SESSION,
                "DeactivateMFADevice",
                r#"{"userName":"x","serialNumber":"arn:aws:iam::111122223333:u2f/root/key-ABC"}"#
            ),
            Severity::Critical
        );
        assert_eq!(
            sev(
                alice,
                "DeleteVirtualMFADevice",
                r#"{"serialNumber":"arn:aws:iam::111122223333:mfa/bob"}"#
            ),
            Severity::High
        );
        assert_eq!(
            sev(
                alice_mfa,
                "DeleteVirtualMFADevice",
                r#"{"serialNumber":"arn:aws:iam::111122223333:mfa/alice-old-phone"}"#
            ),
            Severity::Medium
        );
        assert_eq!(
            sev(
                alice_mfa,
                "DeleteVirtualMFADevice",
                r#"{"serialNumber":"arn:aws:iam::111122223333:mfa/root-account-mfa-device"}"#
            ),
            Severity::Critical
        );
    }

    #[test]
    fn resources_name_owner_and_device() {
        let json = by_alice(
            IAM,
            "DeactivateMFADevice",
            r#""requestParameters":{"userName":"bob","serialNumber":"arn:aws:iam::111122223333:mfa/bob"}"#,
        );
        let f = run(&Rule, &json, &Config::default());
        assert_eq!(
            f[0].resources,
            vec![
                "arn:aws:iam::111122223333:user/bob",
                "arn:aws:iam::111122223333:mfa/bob"
            ]
        );
        let json = by_alice(IAM, "DeleteVirtualMFADevice", "");
        assert_eq!(
            run(&Rule, &json, &Config::default())[0].resources,
            Vec::<String>::new()
        );
    }
}
