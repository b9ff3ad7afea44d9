//! `GetAccountAuthorizationDetails`: users, groups, roles and customer
//! managed policies with every attached and inline policy, trust policies,
//! permissions boundaries, tags and role last use, in a handful of pages
//! whatever the number of principals.

use crate::aws::{opt_secs, Aws, AwsError};
use crate::inventory::{Group, ManagedPolicy, Role, User};
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, EntityType, GroupDetail, ManagedPolicyDetail,
    PolicyDetail, RoleDetail, Tag, UserDetail,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// What the pages hold, converted.
#[derive(Debug, Default)]
pub struct Details {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    pub policies: Vec<ManagedPolicy>,
}

/// Every page, users, groups, roles and customer managed policies (AWS
/// managed policies are known by ARN and not listed).
pub async fn fetch(aws: &Aws) -> Result<Details, AwsError> {
    let mut pages = aws
        .iam()
        .get_account_authorization_details()
        .set_filter(Some(vec![
            EntityType::User,
            EntityType::Group,
            EntityType::Role,
            EntityType::LocalManagedPolicy,
        ]))
        .into_paginator()
        .send();
    let mut out = Details::default();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| AwsError::call("iam:GetAccountAuthorizationDetails", "", &e))?;
        out.users.extend(page.user_detail_list().iter().map(user));
        out.groups
            .extend(page.group_detail_list().iter().map(group));
        out.roles.extend(page.role_detail_list().iter().map(role));
        out.policies.extend(page.policies().iter().map(policy));
    }
    Ok(out)
}

/// A policy document as IAM returns it (URL-encoded JSON; some emulators send
/// it plain). A document that is not JSON is kept as a string, not dropped.
pub fn document(raw: &str) -> Value {
    if let Ok(v) = serde_json::from_str(raw) {
        return v;
    }
    let decoded = percent_decode(raw);
    serde_json::from_str(&decoded).unwrap_or(Value::String(decoded))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied(), b.get(i + 2).copied()) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn inline(list: &[PolicyDetail]) -> BTreeMap<String, Value> {
    list.iter()
        .map(|p| {
            let name = p.policy_name().unwrap_or_default().to_owned();
            (name, document(p.policy_document().unwrap_or("{}")))
        })
        .collect()
}

fn attached(list: &[AttachedPolicy]) -> Vec<String> {
    list.iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
        .collect()
}

fn tags(list: &[Tag]) -> BTreeMap<String, String> {
    list.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

fn boundary(b: Option<&AttachedPermissionsBoundary>) -> Option<String> {
    b.and_then(|b| b.permissions_boundary_arn().map(str::to_owned))
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_owned()
}

fn user(u: &UserDetail) -> User {
    User {
        arn: s(u.arn()),
        name: s(u.user_name()),
        path: s(u.path()),
        user_id: s(u.user_id()),
        create_date: opt_secs(u.create_date()).unwrap_or_default(),
        groups: u.group_list().to_vec(),
        attached_policies: attached(u.attached_managed_policies()),
        inline_policies: inline(u.user_policy_list()),
        permissions_boundary: boundary(u.permissions_boundary()),
        tags: tags(u.tags()),
        ..User::default()
    }
}

fn group(g: &GroupDetail) -> Group {
    Group {
        arn: s(g.arn()),
        name: s(g.group_name()),
        path: s(g.path()),
        create_date: opt_secs(g.create_date()).unwrap_or_default(),
        attached_policies: attached(g.attached_managed_policies()),
        inline_policies: inline(g.group_policy_list()),
    }
}

fn role(r: &RoleDetail) -> Role {
    let used = r.role_last_used();
    Role {
        arn: s(r.arn()),
        name: s(r.role_name()),
        path: s(r.path()),
        create_date: opt_secs(r.create_date()).unwrap_or_default(),
        trust_policy: document(r.assume_role_policy_document().unwrap_or("{}")),
        attached_policies: attached(r.attached_managed_policies()),
        inline_policies: inline(r.role_policy_list()),
        permissions_boundary: boundary(r.permissions_boundary()),
        tags: tags(r.tags()),
        last_used: used.and_then(|u| opt_secs(u.last_used_date())),
        last_used_region: used.and_then(|u| u.region().map(str::to_owned)),
    }
}

fn policy(p: &ManagedPolicyDetail) -> ManagedPolicy {
    let default = p
        .policy_version_list()
        .iter()
        .find(|v| v.is_default_version());
    ManagedPolicy {
        arn: s(p.arn()),
        name: s(p.policy_name()),
        path: s(p.path()),
        create_date: opt_secs(p.create_date()).unwrap_or_default(),
        update_date: opt_secs(p.update_date()),
        default_version_id: s(p.default_version_id()),
        default_document: default
            .and_then(|v| v.document())
            .map_or(Value::Null, document),
        attachment_count: p.attachment_count().unwrap_or(0).max(0) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_decoded_whether_encoded_or_not() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        assert_eq!(document(plain), document(encoded));
        assert_eq!(document(plain)["Statement"][0]["Action"], "*");
        assert_eq!(document("%7Bnot json"), Value::String("{not json".into()));
        assert_eq!(document("%E2%9C%93%"), Value::String("\u{2713}%".into()));
    }

    #[test]
    fn user_detail_converts_with_missing_fields() {
        let u = UserDetail::builder()
            .user_name("bob")
            .arn("arn:aws:iam::111122223333:user/bob")
            .group_list("devs")
            .attached_managed_policies(
                AttachedPolicy::builder()
                    .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
                    .build(),
            )
            .build();
        let got = user(&u);
        assert_eq!(got.name, "bob");
        assert_eq!(got.groups, vec!["devs"]);
        assert_eq!(got.attached_policies.len(), 1);
        assert_eq!(got.create_date, 0);
        assert!(got.permissions_boundary.is_none());
    }
}
