//! The inventory flattened into [`Item`]s for the sweep diff: one per user,
//! access key, login profile, MFA device, group membership, policy attachment,
//! inline policy, permissions boundary, group, role, trust policy, customer
//! managed policy and its default version, identity provider, SSH key,
//! service-specific credential, signing certificate, instance and key pair.
//! Each item carries a fingerprint of its content (a different fingerprint
//! means "modified") and the containment step `quarantine` would take.

use super::{Inventory, Status};
use crate::finding::short_name;
use crate::record::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    User,
    LoginProfile,
    MfaDevice,
    AccessKey,
    GroupMembership,
    PolicyAttachment,
    InlinePolicy,
    PermissionsBoundary,
    Group,
    Role,
    TrustPolicy,
    Policy,
    PolicyVersion,
    Provider,
    SshPublicKey,
    ServiceCredential,
    SigningCertificate,
    Instance,
    KeyPair,
}

impl ItemKind {
    /// The kind in words, for checklists.
    pub fn label(self) -> &'static str {
        use ItemKind::*;
        match self {
            User => "IAM user",
            LoginProfile => "console password",
            MfaDevice => "MFA device",
            AccessKey => "access key",
            GroupMembership => "group membership",
            PolicyAttachment => "policy attachment",
            InlinePolicy => "inline policy",
            PermissionsBoundary => "permissions boundary",
            Group => "IAM group",
            Role => "IAM role",
            TrustPolicy => "trust policy",
            Policy => "customer managed policy",
            PolicyVersion => "default policy version",
            Provider => "identity provider",
            SshPublicKey => "SSH public key",
            ServiceCredential => "service-specific credential",
            SigningCertificate => "signing certificate",
            Instance => "EC2 instance",
            KeyPair => "EC2 key pair",
        }
    }
}

/// One inventory item, flattened.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: ItemKind,
    /// Unique key: an ARN, or `owner-ARN#sub-id`.
    pub id: String,
    /// The principal (or policy) the item belongs to.
    pub owner: Option<String>,
    pub created: Option<Timestamp>,
    /// Content that, when different, makes the item `Modified`.
    pub fingerprint: String,
    pub containment: String,
    /// Reported only when changed, not when its owner is new (trust policy, policy version).
    pub folded: bool,
}

fn fp<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn item(kind: ItemKind, id: String, owner: Option<&str>, created: Option<Timestamp>) -> Item {
    Item {
        kind,
        id,
        owner: owner.map(str::to_owned),
        created,
        fingerprint: String::new(),
        containment: String::new(),
        folded: false,
    }
}

impl Item {
    fn fp<T: Serialize>(mut self, v: &T) -> Item {
        self.fingerprint = fp(v);
        self
    }
    fn contain(mut self, step: String) -> Item {
        self.containment = step;
        self
    }
    fn folded(mut self) -> Item {
        self.folded = true;
        self
    }
}

/// The inventory as a flat list of items.
pub fn items(inv: &Inventory) -> Vec<Item> {
    let mut v = Vec::new();
    for u in &inv.users {
        user_items(u, &mut v);
    }
    for g in &inv.groups {
        v.push(
            item(ItemKind::Group, g.arn.clone(), None, Some(g.create_date))
                .fp(&g.path)
                .contain(format!(
                    "delete group {} (after removing its members)",
                    g.name
                )),
        );
        let what = format!("group {}", g.name);
        policy_items(
            &g.arn,
            &what,
            &g.attached_policies,
            &g.inline_policies,
            &mut v,
        );
    }
    for r in &inv.roles {
        role_items(r, &mut v);
    }
    policy_provider_items(inv, &mut v);
    ec2_items(inv, &mut v);
    v
}

fn policy_provider_items(inv: &Inventory, v: &mut Vec<Item>) {
    for p in &inv.policies {
        v.push(
            item(ItemKind::Policy, p.arn.clone(), None, Some(p.create_date))
                .fp(&p.path)
                .contain(format!("detach policy {} from every principal", p.name)),
        );
        v.push(
            item(
                ItemKind::PolicyVersion,
                format!("{}#default", p.arn),
                Some(&p.arn),
                p.update_date,
            )
            .fp(&p.default_document)
            .contain(format!(
                "set the default version of policy {} back to the baseline version (now {})",
                p.name, p.default_version_id
            ))
            .folded(),
        );
    }
    for p in &inv.providers {
        let kind = match p.kind {
            super::ProviderKind::Oidc => "OIDC",
            super::ProviderKind::Saml => "SAML",
        };
        v.push(
            item(ItemKind::Provider, p.arn.clone(), None, Some(p.create_date))
                .fp(&(&p.url, &p.client_ids))
                .contain(format!("delete {kind} provider {}", p.arn)),
        );
    }
}

fn user_items(u: &super::User, v: &mut Vec<Item>) {
    let o = Some(u.arn.as_str());
    let n = &u.name;
    v.push(
        item(ItemKind::User, u.arn.clone(), None, Some(u.create_date))
            .fp(&(&u.path, &u.tags))
            .contain(format!("attach the deny-all quarantine policy to user {n}")),
    );
    sign_in_items(u, v);
    for k in &u.access_keys {
        v.push(
            item(ItemKind::AccessKey, k.id.clone(), o, Some(k.create_date))
                .fp(&(k.create_date, k.status))
                .contain(format!("deactivate access key {} of user {n}", k.id)),
        );
    }
    group_and_policy_items(u, v);
    credential_items(u, v);
}

fn sign_in_items(u: &super::User, v: &mut Vec<Item>) {
    let o = Some(u.arn.as_str());
    let n = &u.name;
    if let Some(lp) = &u.login_profile {
        v.push(
            item(
                ItemKind::LoginProfile,
                format!("{}#login-profile", u.arn),
                o,
                Some(lp.create_date),
            )
            .fp(&lp.create_date)
            .contain(format!("delete login profile of user {n}")),
        );
    }
    for m in &u.mfa_devices {
        v.push(
            item(
                ItemKind::MfaDevice,
                format!("{}#mfa/{}", u.arn, m.serial),
                o,
                Some(m.enable_date),
            )
            .fp(&m.kind)
            .contain(format!("deactivate MFA device {} of user {n}", m.serial)),
        );
    }
}

fn group_and_policy_items(u: &super::User, v: &mut Vec<Item>) {
    let o = Some(u.arn.as_str());
    let n = &u.name;
    for g in &u.groups {
        v.push(
            item(
                ItemKind::GroupMembership,
                format!("{}#group/{g}", u.arn),
                o,
                None,
            )
            .contain(format!("remove user {n} from group {g}")),
        );
    }
    let what = format!("user {n}");
    policy_items(&u.arn, &what, &u.attached_policies, &u.inline_policies, v);
    if let Some(b) = &u.permissions_boundary {
        v.push(
            item(
                ItemKind::PermissionsBoundary,
                format!("{}#boundary", u.arn),
                o,
                None,
            )
            .fp(b)
            .contain(format!("restore the permissions boundary of user {n}")),
        );
    }
}

fn credential_items(u: &super::User, v: &mut Vec<Item>) {
    let o = Some(u.arn.as_str());
    let n = &u.name;
    let active = |s: Status| s == Status::Active;
    for k in &u.ssh_public_keys {
        v.push(
            item(
                ItemKind::SshPublicKey,
                format!("{}#ssh/{}", u.arn, k.id),
                o,
                Some(k.upload_date),
            )
            .fp(&(&k.fingerprint, active(k.status)))
            .contain(format!("deactivate SSH public key {} of user {n}", k.id)),
        );
    }
    for c in &u.service_credentials {
        v.push(
            item(
                ItemKind::ServiceCredential,
                format!("{}#service-credential/{}", u.arn, c.id),
                o,
                Some(c.create_date),
            )
            .fp(&(&c.service_name, active(c.status)))
            .contain(format!(
                "deactivate service-specific credential {} ({}) of user {n}",
                c.id, c.service_name
            )),
        );
    }
    for c in &u.signing_certificates {
        v.push(
            item(
                ItemKind::SigningCertificate,
                format!("{}#signing-certificate/{}", u.arn, c.id),
                o,
                Some(c.upload_date),
            )
            .fp(&active(c.status))
            .contain(format!(
                "deactivate signing certificate {} of user {n}",
                c.id
            )),
        );
    }
}

fn policy_items(
    owner: &str,
    what: &str,
    attached: &[String],
    inline: &BTreeMap<String, serde_json::Value>,
    v: &mut Vec<Item>,
) {
    for p in attached {
        v.push(
            item(
                ItemKind::PolicyAttachment,
                format!("{owner}#attached/{p}"),
                Some(owner),
                None,
            )
            .contain(format!("detach policy {} from {what}", short_name(p))),
        );
    }
    for (name, doc) in inline {
        v.push(
            item(
                ItemKind::InlinePolicy,
                format!("{owner}#inline/{name}"),
                Some(owner),
                None,
            )
            .fp(doc)
            .contain(format!("delete inline policy {name} of {what}")),
        );
    }
}

fn role_items(r: &super::Role, v: &mut Vec<Item>) {
    let n = &r.name;
    v.push(
        item(ItemKind::Role, r.arn.clone(), None, Some(r.create_date))
            .fp(&(&r.path, &r.tags))
            .contain(format!(
                "attach the deny-all quarantine policy to role {n} and revoke its sessions"
            )),
    );
    v.push(
        item(
            ItemKind::TrustPolicy,
            format!("{}#trust", r.arn),
            Some(&r.arn),
            None,
        )
        .fp(&r.trust_policy)
        .contain(format!("revert trust policy of role {n} to the baseline"))
        .folded(),
    );
    let what = format!("role {n}");
    policy_items(&r.arn, &what, &r.attached_policies, &r.inline_policies, v);
    if let Some(b) = &r.permissions_boundary {
        v.push(
            item(
                ItemKind::PermissionsBoundary,
                format!("{}#boundary", r.arn),
                Some(&r.arn),
                None,
            )
            .fp(b)
            .contain(format!("restore the permissions boundary of role {n}")),
        );
    }
}

fn ec2_items(inv: &Inventory, v: &mut Vec<Item>) {
    for i in &inv.instances {
        v.push(
            item(ItemKind::Instance, i.id.clone(), None, Some(i.launch_time))
                .fp(&(&i.key_name, &i.instance_profile))
                .contain(format!(
                    "stop instance {} in {} and detach its instance profile",
                    i.id, i.region
                )),
        );
    }
    for k in &inv.key_pairs {
        v.push(
            item(ItemKind::KeyPair, k.id.clone(), None, k.create_time)
                .fp(&k.fingerprint)
                .contain(format!("delete key pair {} in {}", k.name, k.region)),
        );
    }
}
