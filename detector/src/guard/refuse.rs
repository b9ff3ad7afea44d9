//! Who is never quarantined, and why: the root user (IAM cannot restrict it:
//! alert instead), AWS service principals, service-linked roles and IAM
//! Identity Center roles (AWS manages them), the identity running trailguard
//! (it would cut itself off), break-glass and protected principals from the
//! configuration, and temporary STS keys (they cannot be deactivated).
//!
//! Checked before anything is changed, and again once the I/O layer knows
//! the full ARN (a role's path, an access key's owner).

use super::target::{principal_key, Target};
use crate::Config;

/// Why a target is refused; the message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("refusing to quarantine {0}: the root user cannot be restricted by IAM policies; alert its custodian instead (rotate the root password and MFA, delete any root access keys)")]
    Root(String),
    #[error("refusing to quarantine {0}: it is an AWS service principal, not an identity of this account; quarantine the role or instance the service acts for")]
    ServicePrincipal(String),
    #[error("refusing to quarantine {0}: it is a service-linked role (path /aws-service-role/); AWS services depend on it and IAM does not let its policies be changed")]
    ServiceLinkedRole(String),
    #[error("refusing to quarantine {0}: it is an IAM Identity Center role (path /aws-reserved/); revoke the user's sessions and permission sets in IAM Identity Center instead")]
    ReservedRole(String),
    #[error("refusing to quarantine {subject}: it is the identity running trailguard ({caller}), which would cut this run off; run trailguard as another identity")]
    Caller { subject: String, caller: String },
    #[error("refusing to quarantine {0}: it is a break-glass principal (principals.break_glass in the configuration), never quarantined; alert its custodian instead")]
    BreakGlass(String),
    #[error("refusing to quarantine {0}: it is a protected principal (principals.protected in the configuration), never quarantined; alert its owner instead")]
    Protected(String),
    #[error("refusing to deactivate {0}: it is a temporary (STS) access key, which cannot be deactivated; quarantine the role or user whose session it belongs to")]
    TemporaryKey(String),
}

impl Refusal {
    /// The reason in a few words (lockdown's exclusion list).
    pub fn short(&self) -> &'static str {
        match self {
            Refusal::Root(_) => "root",
            Refusal::ServicePrincipal(_) => "AWS service principal",
            Refusal::ServiceLinkedRole(_) => "service-linked role",
            Refusal::ReservedRole(_) => "IAM Identity Center role",
            Refusal::Caller { .. } => "the identity running trailguard",
            Refusal::BreakGlass(_) => "break-glass",
            Refusal::Protected(_) => "protected",
            Refusal::TemporaryKey(_) => "temporary key",
        }
    }
}

/// `Ok` when `target` may be quarantined by `caller` (the ARN
/// `sts:GetCallerIdentity` gave) under `cfg`.
pub fn check(cfg: &Config, caller: &str, target: &Target) -> Result<(), Refusal> {
    check_as(cfg, caller, target, &target.label())
}

/// [`check`], naming the subject `subject` in the refusal (an access key is
/// checked through its owner: `access key AKIA... of user alice`).
pub fn check_as(cfg: &Config, caller: &str, target: &Target, subject: &str) -> Result<(), Refusal> {
    let who = subject.to_owned();
    match target {
        Target::Root { .. } => return Err(Refusal::Root(who)),
        Target::ServicePrincipal { .. } => return Err(Refusal::ServicePrincipal(who)),
        Target::AccessKey { id } if id.starts_with("ASIA") => {
            return Err(Refusal::TemporaryKey(who))
        }
        Target::Role { path, name, .. } => {
            if path.starts_with("/aws-service-role/") || name.starts_with("AWSServiceRoleFor") {
                return Err(Refusal::ServiceLinkedRole(who));
            }
            if path.starts_with("/aws-reserved/") || name.starts_with("AWSReservedSSO_") {
                return Err(Refusal::ReservedRole(who));
            }
        }
        _ => {}
    }
    let arn = target.arn();
    let me = principal_key(caller);
    if me.is_some() && principal_key(&arn) == me {
        return Err(Refusal::Caller {
            subject: who,
            caller: caller.to_owned(),
        });
    }
    let names = listed_names(target);
    if names.iter().any(|a| cfg.is_break_glass(a)) {
        return Err(Refusal::BreakGlass(who));
    }
    if names.iter().any(|a| cfg.is_protected(a)) {
        return Err(Refusal::Protected(who));
    }
    Ok(())
}

/// The ARNs a configuration may list the target under: its ARN, and for a
/// role given as a session, the session ARN too.
fn listed_names(target: &Target) -> Vec<String> {
    let mut v = vec![target.arn()];
    if let Target::Role {
        partition,
        account,
        name,
        session: Some(s),
        ..
    } = target
    {
        v.push(format!(
            "arn:{partition}:sts::{account}:assumed-role/{name}/{s}"
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: &str = "arn:aws:sts::111122223333:assumed-role/responder/jane";

    fn cfg() -> Config {
        Config::parse(
            r#"[principals]
break_glass = ["arn:aws:iam::111122223333:user/breakglass", "arn:aws:iam::111122223333:role/emergency-*"]
protected = ["arn:aws:iam::111122223333:role/org/*", "arn:aws:ec2:*:111122223333:instance/i-0000000000000000a"]
"#,
        )
        .expect("config")
    }

    fn check_str(s: &str) -> Result<(), Refusal> {
        let t = Target::parse(s, Some("us-east-1")).expect("target");
        check(&cfg(), CALLER, &t)
    }

    #[test]
    fn ordinary_principals_and_instances_may_be_quarantined() {
        for ok in [
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:iam::111122223333:role/deploy",
            "arn:aws:sts::111122223333:assumed-role/deploy/s1",
            "AKIAIOSFODNN7EXAMPLE",
            "i-0123456789abcdef0",
        ] {
            assert_eq!(check_str(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn root_service_principals_and_aws_managed_roles_are_refused() {
        assert!(matches!(
            check_str("arn:aws:iam::111122223333:root"),
            Err(Refusal::Root(_))
        ));
        assert!(matches!(check_str("111122223333"), Err(Refusal::Root(_))));
        assert!(matches!(
            check_str("lambda.amazonaws.com"),
            Err(Refusal::ServicePrincipal(_))
        ));
        let slr = "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
        assert!(matches!(check_str(slr), Err(Refusal::ServiceLinkedRole(_))));
        let session = "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForECS/ecs-1";
        assert!(matches!(
            check_str(session),
            Err(Refusal::ServiceLinkedRole(_))
        ));
        let sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0a1b";
        assert!(matches!(check_str(sso), Err(Refusal::ReservedRole(_))));
        assert!(matches!(
            check_str("ASIAIOSFODNN7EXAMPLE"),
            Err(Refusal::TemporaryKey(_))
        ));
    }

    #[test]
    fn the_caller_is_refused_by_its_role_whatever_the_path_or_session() {
        for me in [
            "arn:aws:iam::111122223333:role/responder",
            "arn:aws:iam::111122223333:role/team/responder",
            "arn:aws:sts::111122223333:assumed-role/responder/other-session",
        ] {
            let err = check_str(me).expect_err(me);
            assert!(matches!(err, Refusal::Caller { .. }), "{me}");
            assert!(err.to_string().contains(CALLER));
        }
        // Same name in another account is someone else.
        assert_eq!(
            check_str("arn:aws:iam::999988887777:role/responder"),
            Ok(())
        );
        let user_caller = "arn:aws:iam::111122223333:user/ops";
        let t = Target::parse("arn:aws:iam::111122223333:user/ops", None).expect("t");
        assert!(matches!(
            check(&cfg(), user_caller, &t),
            Err(Refusal::Caller { .. })
        ));
    }

    #[test]
    fn break_glass_and_protected_come_from_the_configuration() {
        assert!(matches!(
            check_str("arn:aws:iam::111122223333:user/breakglass"),
            Err(Refusal::BreakGlass(_))
        ));
        assert!(matches!(
            check_str("arn:aws:sts::111122223333:assumed-role/emergency-admin/x"),
            Err(Refusal::BreakGlass(_))
        ));
        assert!(matches!(
            check_str("arn:aws:iam::111122223333:role/org/billing"),
            Err(Refusal::Protected(_))
        ));
        assert!(matches!(
            check_str("arn:aws:ec2:eu-west-1:111122223333:instance/i-0000000000000000a"),
            Err(Refusal::Protected(_))
        ));
        // A key is checked through its owner, and says so.
        let owner = Target::parse("arn:aws:iam::111122223333:user/breakglass", None).expect("t");
        let err = check_as(
            &cfg(),
            CALLER,
            &owner,
            "access key AKIA1 of user breakglass",
        )
        .expect_err("refused");
        assert!(err.to_string().starts_with(
            "refusing to quarantine access key AKIA1 of user breakglass: it is a break-glass"
        ));
    }
}
