//! The account inventory: identities, credentials and EC2 access, as a pure
//! serde model the AWS SDK layer fills (from `GetAccountAuthorizationDetails`,
//! the credential report, `GetAccountSummary`, EC2 `Describe*`).
//!
//! Layout:
//! - this file: the model ([`Inventory`] and its items) and [`Inventory::normalise`];
//! - [`diff`]: what was created or changed since a time or a baseline, with the
//!   containment step for each item;
//! - [`items`]: the inventory flattened into items with fingerprints (for the diff);
//! - [`attribute`]: who created each change, from the CloudTrail look-back;
//! - `tests.rs`: the fixtures under `fixtures/inventory/`.
//!
//! The JSON is stable and diffable: every vector is sorted by ARN or id, maps are
//! `BTreeMap`s, times are RFC 3339 (`taken_at` comes from the caller, never a
//! clock). Every field has a default so older snapshots still load.

pub mod attribute;
pub mod diff;
pub mod items;

use crate::finding::rfc3339;
use crate::record::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One account's identities and credentials at `taken_at`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Inventory {
    pub account_id: String,
    #[serde(with = "rfc3339")]
    pub taken_at: Timestamp,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    /// Customer managed policies.
    pub policies: Vec<ManagedPolicy>,
    /// SAML and OIDC identity providers.
    pub providers: Vec<Provider>,
    /// `None`: the account has no password policy.
    pub password_policy: Option<PasswordPolicy>,
    pub account_summary: AccountSummary,
    pub instances: Vec<Instance>,
    pub key_pairs: Vec<KeyPair>,
    /// Calls that failed while taking the inventory: what it lacks. Empty
    /// for a complete inventory.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
}

/// A partial result: a call failed and `missing` says what is absent because of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub operation: String,
    #[serde(default)]
    pub target: String,
    pub error: String,
    pub missing: String,
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.operation)?;
        if !self.target.is_empty() {
            write!(f, " ({})", self.target)?;
        }
        write!(f, " failed: {}; missing: {}", self.error, self.missing)
    }
}

/// An IAM user and its credentials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    pub arn: String,
    pub name: String,
    pub path: String,
    pub user_id: String,
    #[serde(with = "rfc3339")]
    pub create_date: Timestamp,
    /// Group names.
    pub groups: Vec<String>,
    /// Attached managed policy ARNs.
    pub attached_policies: Vec<String>,
    /// Inline policies by name (parsed documents).
    pub inline_policies: BTreeMap<String, Value>,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub login_profile: Option<LoginProfile>,
    #[serde(with = "opt_time")]
    pub password_last_used: Option<Timestamp>,
    pub mfa_devices: Vec<MfaDevice>,
    pub access_keys: Vec<AccessKey>,
    pub ssh_public_keys: Vec<SshPublicKey>,
    pub service_credentials: Vec<ServiceCredential>,
    pub signing_certificates: Vec<SigningCertificate>,
    /// Credential lists that could not be read for this user (`access_keys`,
    /// `mfa_devices`, `ssh_public_keys`, `signing_certificates`,
    /// `login_profile`): rules must not conclude "none" from them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

impl User {
    /// True when `what` (a field name) could not be read for this user.
    pub fn unread(&self, what: &str) -> bool {
        self.unread.iter().any(|u| u == what)
    }
}

/// A console password.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoginProfile {
    #[serde(with = "rfc3339")]
    pub create_date: Timestamp,
    pub password_reset_required: bool,
}

/// Virtual or hardware MFA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MfaKind {
    #[default]
    Virtual,
    Hardware,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MfaDevice {
    pub serial: String,
    pub kind: MfaKind,
    #[serde(with = "rfc3339")]
    pub enable_date: Timestamp,
}

/// `Active` or `Inactive`, as IAM spells it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    #[default]
    Active,
    Inactive,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessKey {
    /// Empty when the key is known from the credential report only (`scan`
    /// without `--deep`).
    pub id: String,
    pub status: Status,
    #[serde(with = "rfc3339")]
    pub create_date: Timestamp,
    #[serde(with = "opt_time")]
    pub last_used: Option<Timestamp>,
    pub last_used_service: Option<String>,
    pub last_used_region: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SshPublicKey {
    pub id: String,
    pub status: Status,
    pub fingerprint: String,
    #[serde(with = "rfc3339")]
    pub upload_date: Timestamp,
}

/// A service-specific credential (CodeCommit, Keyspaces, Bedrock ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceCredential {
    pub id: String,
    pub service_name: String,
    pub service_user_name: String,
    pub status: Status,
    #[serde(with = "rfc3339")]
    pub create_date: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SigningCertificate {
    pub id: String,
    pub status: Status,
    #[serde(with = "rfc3339")]
    pub upload_date: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Group {
    pub arn: String,
    pub name: String,
    pub path: String,
    #[serde(with = "rfc3339")]
    pub create_date: Timestamp,
    pub attached_policies: Vec<String>,
    pub inline_policies: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Role {
    pub arn: String,
    pub name: String,
    pub path: String,
    #[serde(with = "rfc3339")]
    pub create_date: Timestamp,
    pub trust_policy: Value,
    pub attached_policies: Vec<String>,
    pub inline_policies: BTreeMap<String, Value>,
    pub permissions_boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
    #[serde(with = "opt_time")]
    pub last_used: Option<Timestamp>,
    pub last_used_region: Option<String>,
}

/// A customer managed policy and its default version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub path: String,
    #[serde(with = "rfc3339")]
    pub create_date: Timestamp,
    #[serde(with = "opt_time")]
    pub update_date: Option<Timestamp>,
    pub default_version_id: String,
    pub default_document: Value,
    pub attachment_count: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    #[default]
    Oidc,
    Saml,
}

/// A SAML or OIDC identity provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Provider {
    pub arn: String,
    pub kind: ProviderKind,
    /// OIDC issuer URL (empty for SAML).
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    #[serde(with = "rfc3339")]
    pub create_date: Timestamp,
}

/// The account password policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub allow_users_to_change: bool,
    pub max_age_days: Option<u32>,
    pub reuse_prevention: Option<u32>,
    pub hard_expiry: bool,
}

/// From `GetAccountSummary`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountSummary {
    pub root_mfa_enabled: bool,
    /// `AccountAccessKeysPresent`.
    pub root_access_keys: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Instance {
    pub id: String,
    pub region: String,
    pub state: String,
    #[serde(with = "rfc3339")]
    pub launch_time: Timestamp,
    pub key_name: Option<String>,
    pub instance_profile: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeyPair {
    pub id: String,
    pub name: String,
    pub region: String,
    pub fingerprint: String,
    #[serde(with = "opt_time")]
    pub create_time: Option<Timestamp>,
}

impl AccessKey {
    /// The key's id, or its creation time when the id is unknown.
    pub fn label(&self) -> String {
        if self.id.is_empty() {
            format!("created {}", crate::record::format_time(self.create_date))
        } else {
            self.id.clone()
        }
    }
}

impl Inventory {
    /// Sorts every vector (by ARN, id or name) so the JSON is stable.
    pub fn normalise(&mut self) {
        for u in &mut self.users {
            u.groups.sort();
            u.groups.dedup();
            u.attached_policies.sort();
            u.attached_policies.dedup();
            u.mfa_devices.sort_by(|a, b| a.serial.cmp(&b.serial));
            u.access_keys
                .sort_by(|a, b| (&a.id, a.create_date).cmp(&(&b.id, b.create_date)));
            u.ssh_public_keys.sort_by(|a, b| a.id.cmp(&b.id));
            u.service_credentials.sort_by(|a, b| a.id.cmp(&b.id));
            u.signing_certificates.sort_by(|a, b| a.id.cmp(&b.id));
        }
        for g in &mut self.groups {
            g.attached_policies.sort();
            g.attached_policies.dedup();
        }
        for r in &mut self.roles {
            r.attached_policies.sort();
            r.attached_policies.dedup();
        }
        for p in &mut self.providers {
            p.client_ids.sort();
            p.thumbprints.sort();
        }
        self.users.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.groups.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.providers.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.instances
            .sort_by(|a, b| (&a.region, &a.id).cmp(&(&b.region, &b.id)));
        self.key_pairs
            .sort_by(|a, b| (&a.region, &a.id).cmp(&(&b.region, &b.id)));
    }

    /// Normalised pretty JSON, ending in a newline (the `snapshot` format).
    pub fn to_stable_json(&self) -> Result<String, serde_json::Error> {
        let mut inv = self.clone();
        inv.normalise();
        let mut s = serde_json::to_string_pretty(&inv)?;
        s.push('\n');
        Ok(s)
    }

    /// A group by name.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// A customer managed policy by ARN.
    pub fn policy(&self, arn: &str) -> Option<&ManagedPolicy> {
        self.policies.iter().find(|p| p.arn == arn)
    }

    /// True when a call of `operation` (`service:Operation`) failed while
    /// taking the inventory: what it reads is unknown, not absent.
    pub fn lacks(&self, operation: &str) -> bool {
        self.gaps.iter().any(|g| g.operation == operation)
    }

    /// The root user's ARN.
    pub fn root_arn(&self) -> String {
        format!("arn:aws:iam::{}:root", self.account_id)
    }
}

/// `Option<Timestamp>` as an RFC 3339 string or `null`.
pub mod opt_time {
    use crate::record::{format_time, parse_time, Timestamp};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_time(*t)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) if s.is_empty() || s == "N/A" || s == "no_information" => Ok(None),
            Some(s) => parse_time(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("bad time {s:?}"))),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
