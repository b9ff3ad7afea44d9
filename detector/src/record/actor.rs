//! Who acted: the `userIdentity` of a record normalised into one [`Actor`].
//!
//! The principal ARN is the IAM identity that acted: the user ARN for an IAM
//! user, the role ARN for an assumed-role session (the session ARN is kept
//! beside it), `arn:aws:iam::ACCT:root` for root.

use super::text::opt_str;
use super::Record;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};

/// Kinds of identity CloudTrail records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum ActorKind {
    IAMUser,
    AssumedRole,
    Root,
    FederatedUser,
    AWSService,
    AWSAccount,
    WebIdentityUser,
    SAMLUser,
    IdentityCenterUser,
    Unknown,
}

impl ActorKind {
    /// From `userIdentity.type`.
    pub fn parse(s: &str) -> ActorKind {
        match s {
            "IAMUser" => ActorKind::IAMUser,
            "AssumedRole" => ActorKind::AssumedRole,
            "Root" => ActorKind::Root,
            "FederatedUser" => ActorKind::FederatedUser,
            "AWSService" => ActorKind::AWSService,
            "AWSAccount" => ActorKind::AWSAccount,
            "WebIdentityUser" => ActorKind::WebIdentityUser,
            "SAMLUser" => ActorKind::SAMLUser,
            "IdentityCenterUser" => ActorKind::IdentityCenterUser,
            _ => ActorKind::Unknown,
        }
    }
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::IAMUser => "IAMUser",
            ActorKind::AssumedRole => "AssumedRole",
            ActorKind::Root => "Root",
            ActorKind::FederatedUser => "FederatedUser",
            ActorKind::AWSService => "AWSService",
            ActorKind::AWSAccount => "AWSAccount",
            ActorKind::WebIdentityUser => "WebIdentityUser",
            ActorKind::SAMLUser => "SAMLUser",
            ActorKind::IdentityCenterUser => "IdentityCenterUser",
            ActorKind::Unknown => "Unknown",
        }
    }
}

/// `sourceIPAddress`, which may be an address, an AWS service name, or anything.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceIp {
    Ip(IpAddr),
    /// `ec2.amazonaws.com`, `AWS Internal`, ...
    Service(String),
    Other(String),
    None,
}

impl SourceIp {
    /// Lenient parse: accepts IPv4 with leading zeros (`075.050.255.67`), IPv6,
    /// service names.
    pub fn parse(s: &str) -> SourceIp {
        let s = s.trim();
        if s.is_empty() {
            return SourceIp::None;
        }
        if let Some(ip) = parse_ipv4_lenient(s) {
            return SourceIp::Ip(IpAddr::V4(ip));
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return SourceIp::Ip(ip);
        }
        if s.ends_with(".amazonaws.com") || s == "AWS Internal" || s.ends_with(".aws.internal") {
            return SourceIp::Service(s.to_owned());
        }
        SourceIp::Other(s.to_owned())
    }
    /// True when the call came from an AWS service rather than an address.
    pub fn is_service(&self) -> bool {
        matches!(self, SourceIp::Service(_))
    }
}

fn parse_ipv4_lenient(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for o in &mut octets {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    parts.next().is_none().then_some(Ipv4Addr::from(octets))
}

/// The normalised acting identity of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The IAM principal (user, role or root ARN); `None` for AWS services and unknowns.
    pub arn: Option<String>,
    #[serde(rename = "type")]
    pub kind: ActorKind,
    /// The `assumed-role` or `federated-user` session ARN.
    pub session_arn: Option<String>,
    pub access_key_id: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The account the identity belongs to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub account: Option<String>,
    /// The session was MFA-authenticated (`mfaAuthenticated`).
    #[serde(skip)]
    pub mfa: bool,
    /// `invokedBy`: the AWS service that made the call on the identity's behalf.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub invoked_by: Option<String>,
    /// `principalId`, kept when there is no ARN (web identity and SAML users:
    /// `accounts.google.com:1234`, `SAMLProvider:alice`), so the actor stays nameable.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub principal_id: Option<String>,
}

fn some(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// `arn:aws:sts::ACCT:assumed-role/NAME/SESSION` to `arn:aws:iam::ACCT:role/NAME`.
pub fn role_arn_from_session(session_arn: &str) -> Option<String> {
    let (prefix, rest) = session_arn.split_once(":assumed-role/")?;
    let role = rest.split('/').next()?;
    let (partition_part, account) = prefix.rsplit_once(':')?;
    let partition = partition_part.strip_prefix("arn:")?.split(':').next()?;
    Some(format!("arn:{partition}:iam::{account}:role/{role}"))
}

impl Actor {
    /// Normalises `userIdentity` (and the source address and user agent).
    pub fn from_record(r: &Record<'_>) -> Actor {
        let mut a = Actor {
            arn: None,
            kind: ActorKind::Unknown,
            session_arn: None,
            access_key_id: None,
            source_ip: some(opt_str(&r.source_ip_address)),
            user_agent: some(opt_str(&r.user_agent)),
            account: None,
            mfa: false,
            invoked_by: None,
            principal_id: None,
        };
        let Some(u) = &r.user_identity else {
            return a;
        };
        a.kind = ActorKind::parse(opt_str(&u.kind));
        a.access_key_id = some(opt_str(&u.access_key_id));
        a.invoked_by = some(opt_str(&u.invoked_by));
        a.account = some(opt_str(&u.account_id)).or_else(|| some(r.account()));
        let ctx = u.session_context.as_ref();
        a.mfa = ctx
            .and_then(|c| c.attributes.as_ref())
            .is_some_and(|at| at.mfa_authenticated.0 == Some(true));
        let issuer_arn = ctx
            .and_then(|c| c.session_issuer.as_ref())
            .map(|i| opt_str(&i.arn))
            .unwrap_or("");
        let arn = opt_str(&u.arn);
        match a.kind {
            ActorKind::AssumedRole => {
                a.session_arn = some(arn);
                a.arn = some(issuer_arn).or_else(|| role_arn_from_session(arn));
                if a.arn.as_deref().is_some_and(|x| x.contains(":user/")) {
                    // A session issued to a user (GetSessionToken) is that user.
                    a.kind = ActorKind::IAMUser;
                }
            }
            ActorKind::FederatedUser => {
                a.session_arn = some(arn);
                a.arn = some(issuer_arn).or_else(|| some(arn));
            }
            ActorKind::Root => {
                let acct = a.account.clone().unwrap_or_default();
                a.arn = some(arn).or_else(|| some(&format!("arn:aws:iam::{acct}:root")));
            }
            ActorKind::AWSService => {
                a.arn = None;
                a.invoked_by = a
                    .invoked_by
                    .take()
                    .or_else(|| some(opt_str(&r.source_ip_address)));
            }
            ActorKind::IdentityCenterUser => {
                let user = u
                    .on_behalf_of
                    .as_ref()
                    .map(|o| opt_str(&o.user_id))
                    .unwrap_or("");
                a.arn = some(arn).or_else(|| some(user));
            }
            _ => a.arn = some(arn).or_else(|| some(issuer_arn)),
        }
        if a.arn.is_none() && a.kind != ActorKind::AWSService {
            a.principal_id = some(opt_str(&u.principal_id));
        }
        a
    }

    /// The principal ARN, or a stable stand-in (`service:ec2.amazonaws.com`,
    /// `WebIdentityUser:accounts.google.com:1234`, `unknown`).
    pub fn key(&self) -> String {
        match (&self.arn, &self.invoked_by, &self.principal_id) {
            (Some(arn), _, _) => arn.clone(),
            (None, Some(svc), _) => format!("service:{svc}"),
            (None, None, Some(id)) => format!("{}:{id}", self.kind.as_str()),
            (None, None, None) => "unknown".to_owned(),
        }
    }

    /// The user or role name at the end of the principal ARN.
    pub fn name(&self) -> Option<&str> {
        let arn = self.arn.as_deref()?;
        let tail = arn.rsplit_once(':')?.1;
        Some(tail.rsplit('/').next().unwrap_or(tail))
    }

    /// An AWS service acting on its own behalf (or a service-linked role).
    pub fn is_aws_service(&self) -> bool {
        self.kind == ActorKind::AWSService
            || self
                .arn
                .as_deref()
                .is_some_and(|a| a.contains(":role/aws-service-role/"))
            || self
                .session_arn
                .as_deref()
                .is_some_and(|a| a.contains(":assumed-role/AWSServiceRoleFor"))
    }

    /// A person signed in through IAM Identity Center: an `AWSReservedSSO_*` role
    /// session (its `type` stays `AssumedRole`, as CloudTrail records it), or an
    /// `IdentityCenterUser` record.
    pub fn is_identity_center(&self) -> bool {
        self.kind == ActorKind::IdentityCenterUser
            || (self.kind == ActorKind::AssumedRole && self.arn.as_deref().is_some_and(is_sso_role))
    }

    /// Parsed source address.
    pub fn ip(&self) -> SourceIp {
        SourceIp::parse(self.source_ip.as_deref().unwrap_or(""))
    }
}

fn is_sso_role(arn: &str) -> bool {
    arn.contains(":role/aws-reserved/sso.amazonaws.com/") || arn.contains(":role/AWSReservedSSO_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(json: &str) -> Actor {
        let r: Record = serde_json::from_str(json).unwrap();
        Actor::from_record(&r)
    }

    #[test]
    fn assumed_role_uses_issuer_arn() {
        let a = actor(
            r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/deploy/ci-42",
            "accessKeyId":"ASIAX","sessionContext":{"attributes":{"mfaAuthenticated":"true"},
            "sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/ci/deploy"}}}}"#,
        );
        assert_eq!(a.kind, ActorKind::AssumedRole);
        assert_eq!(
            a.arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/ci/deploy")
        );
        assert_eq!(
            a.session_arn.as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/deploy/ci-42")
        );
        assert!(a.mfa);
        assert_eq!(a.name(), Some("deploy"));
    }

    #[test]
    fn assumed_role_without_issuer_derives_role_arn() {
        let a = actor(
            r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/admin/bob"}}"#,
        );
        assert_eq!(
            a.arn.as_deref(),
            Some("arn:aws:iam::111122223333:role/admin")
        );
        assert!(!a.mfa);
    }

    #[test]
    fn root_service_and_identity_center() {
        let a = actor(
            r#"{"recipientAccountId":"111122223333","userIdentity":{"type":"Root","accountId":"111122223333"}}"#,
        );
        assert_eq!(a.arn.as_deref(), Some("arn:aws:iam::111122223333:root"));
        let a = actor(
            r#"{"sourceIPAddress":"ec2.amazonaws.com","userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}}"#,
        );
        assert!(a.is_aws_service());
        assert_eq!(a.key(), "service:ec2.amazonaws.com");
        assert_eq!(a.ip(), SourceIp::Service("ec2.amazonaws.com".into()));
        let a = actor(
            r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/AWSReservedSSO_Admin_abc/jane",
            "sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_abc"}}}}"#,
        );
        assert_eq!(a.kind, ActorKind::AssumedRole);
        assert!(a.is_identity_center());
        assert_eq!(
            a.arn.as_deref(),
            Some("arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_abc")
        );
    }

    #[test]
    fn web_identity_and_saml_users_keep_a_name() {
        let a = actor(
            r#"{"userIdentity":{"type":"WebIdentityUser","principalId":"accounts.google.com:1234","userName":"1234","identityProvider":"accounts.google.com"}}"#,
        );
        assert_eq!(a.kind, ActorKind::WebIdentityUser);
        assert_eq!(a.arn, None);
        assert_eq!(a.key(), "WebIdentityUser:accounts.google.com:1234");
        let a = actor(
            r#"{"userIdentity":{"type":"SAMLUser","principalId":"SAMLProvider:alice","userName":"alice"}}"#,
        );
        assert_eq!(a.key(), "SAMLUser:SAMLProvider:alice");
    }

    #[test]
    fn lenient_source_ips() {
        assert_eq!(
            SourceIp::parse("075.050.255.67"),
            SourceIp::Ip("75.50.255.67".parse().unwrap())
        );
        assert_eq!(
            SourceIp::parse("2001:db8::1"),
            SourceIp::Ip("2001:db8::1".parse().unwrap())
        );
        assert_eq!(
            SourceIp::parse("AWS Internal"),
            SourceIp::Service("AWS Internal".into())
        );
        assert_eq!(
            SourceIp::parse("1.2.3.4.5"),
            SourceIp::Other("1.2.3.4.5".into())
        );
        assert_eq!(
            SourceIp::parse("256.1.1.1"),
            SourceIp::Other("256.1.1.1".into())
        );
        assert_eq!(SourceIp::parse(""), SourceIp::None);
    }
}
