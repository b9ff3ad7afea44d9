//! Reading a target's current state into [`crate::guard::state`]: read-only
//! calls, made before planning (and before a release, to compare with the
//! journal). IAM's `NoSuchEntity` for an optional thing (a login profile, the
//! quarantine policy) is an answer, not a failure.

use super::GuardError;
use crate::aws::{secs, Aws, AwsError};
use crate::guard::state::{
    EniState, InstanceState, IsolationGroup, KeyState, LoginState, Permission, RoleState, UserState,
};
use crate::guard::{ISOLATION_GROUP, TAG_QUARANTINE_ID};
use crate::rules::policy::parse_document;
use aws_sdk_ec2::types::{Filter, InstanceAttributeName, InstanceStateName, IpPermission};
use serde_json::Value;
use std::collections::BTreeMap;

/// `Ok(None)` for `NoSuchEntity`.
fn optional<T>(r: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_no_such_entity() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A user: its keys, console password, quarantine policy and tags.
pub async fn user(aws: &Aws, name: &str, policy_name: &str) -> Result<UserState, GuardError> {
    let iam = aws.iam();
    let got = iam.get_user().user_name(name).send().await;
    let got = optional(got.map_err(|e| AwsError::call("iam:GetUser", name, &e)))?
        .ok_or_else(|| GuardError::NotFound(format!("user {name} does not exist")))?;
    let arn = got.user().map(|u| u.arn().to_owned()).unwrap_or_default();
    let mut keys = Vec::new();
    let mut pages = iam
        .list_access_keys()
        .user_name(name)
        .into_paginator()
        .items()
        .send();
    while let Some(k) = pages.next().await {
        let k = k.map_err(|e| AwsError::call("iam:ListAccessKeys", name, &e))?;
        keys.push(KeyState {
            id: k.access_key_id().unwrap_or_default().to_owned(),
            status: k.status().map_or("Active", |s| s.as_str()).to_owned(),
            created: k.create_date().map(secs).unwrap_or_default(),
        });
    }
    let lp = iam.get_login_profile().user_name(name).send().await;
    let login_profile = optional(lp.map_err(|e| AwsError::call("iam:GetLoginProfile", name, &e)))?
        .and_then(|o| {
            o.login_profile().map(|p| LoginState {
                password_reset_required: p.password_reset_required(),
            })
        });
    let pol = iam
        .get_user_policy()
        .user_name(name)
        .policy_name(policy_name)
        .send()
        .await;
    let policy = optional(pol.map_err(|e| AwsError::call("iam:GetUserPolicy", name, &e)))?
        .map(|o| document(o.policy_document()));
    let mut tags = BTreeMap::new();
    let mut pages = iam
        .list_user_tags()
        .user_name(name)
        .into_paginator()
        .items()
        .send();
    while let Some(t) = pages.next().await {
        let t = t.map_err(|e| AwsError::call("iam:ListUserTags", name, &e))?;
        tags.insert(t.key().to_owned(), t.value().to_owned());
    }
    Ok(UserState {
        arn,
        name: name.to_owned(),
        keys,
        login_profile,
        policy,
        tags,
    })
}

/// A policy document as IAM returns it (URL-encoded JSON); unreadable text is kept as a string.
fn document(text: &str) -> Value {
    parse_document(text).unwrap_or_else(|| Value::String(text.to_owned()))
}

/// A role: its ARN and path, quarantine policy and tags.
pub async fn role(aws: &Aws, name: &str, policy_name: &str) -> Result<RoleState, GuardError> {
    let iam = aws.iam();
    let got = iam.get_role().role_name(name).send().await;
    let got = optional(got.map_err(|e| AwsError::call("iam:GetRole", name, &e)))?
        .ok_or_else(|| GuardError::NotFound(format!("role {name} does not exist")))?;
    let (arn, path) = got
        .role()
        .map(|r| (r.arn().to_owned(), r.path().to_owned()))
        .unwrap_or_default();
    let pol = iam
        .get_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .send()
        .await;
    let policy = optional(pol.map_err(|e| AwsError::call("iam:GetRolePolicy", name, &e)))?
        .map(|o| document(o.policy_document()));
    let mut tags = BTreeMap::new();
    let mut pages = iam
        .list_role_tags()
        .role_name(name)
        .into_paginator()
        .items()
        .send();
    while let Some(t) = pages.next().await {
        let t = t.map_err(|e| AwsError::call("iam:ListRoleTags", name, &e))?;
        tags.insert(t.key().to_owned(), t.value().to_owned());
    }
    Ok(RoleState {
        arn,
        name: name.to_owned(),
        path,
        policy,
        tags,
    })
}

/// The user owning access key `id` (`iam:GetAccessKeyLastUsed`).
pub async fn key_owner(aws: &Aws, id: &str) -> Result<String, GuardError> {
    let out = aws
        .iam()
        .get_access_key_last_used()
        .access_key_id(id)
        .send()
        .await;
    let out = out.map_err(|e| AwsError::call("iam:GetAccessKeyLastUsed", id, &e));
    match out {
        Ok(o) => o.user_name().map(str::to_owned).ok_or_else(|| {
            GuardError::NotFound(format!("access key {id} has no owner in this account"))
        }),
        Err(e) if matches!(e.code.as_deref(), Some("AccessDenied" | "NoSuchEntity")) => {
            Err(GuardError::NotFound(format!(
                "access key {id} is not a key of this account ({})",
                e.message
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// An instance: interfaces and their groups, protection flags, volumes,
/// tags, and the isolation group of each of its VPCs. Forensic snapshots
/// are looked up separately ([`snapshotted`]), once the journal entry is known.
pub async fn instance(
    aws: &Aws,
    region: &str,
    id: &str,
    arn: &str,
) -> Result<InstanceState, GuardError> {
    let i = describe(aws, region, id).await?;
    let state = i.state().and_then(|s| s.name());
    if matches!(
        state,
        Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown)
    ) {
        return Err(GuardError::NotFound(format!("instance {id} is terminated")));
    }
    let enis = interfaces(&i);
    let volumes = i
        .block_device_mappings()
        .iter()
        .filter_map(|b| b.ebs().and_then(|e| e.volume_id()).map(str::to_owned))
        .collect();
    let tags = i
        .tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect();
    let termination_protection = flag(
        aws,
        region,
        id,
        InstanceAttributeName::DisableApiTermination,
    )
    .await?;
    let stop_protection = flag(aws, region, id, InstanceAttributeName::DisableApiStop).await?;
    let mut isolation = BTreeMap::new();
    for e in &enis {
        if !isolation.contains_key(&e.vpc_id) {
            let group = isolation_group(aws, region, &e.vpc_id).await?;
            isolation.insert(e.vpc_id.clone(), group);
        }
    }
    Ok(InstanceState {
        id: id.to_owned(),
        region: region.to_owned(),
        arn: arn.to_owned(),
        state: state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        enis,
        termination_protection,
        stop_protection,
        volumes,
        snapshotted: Vec::new(),
        tags,
        isolation,
    })
}

/// `ec2:DescribeInstances` of one instance; a missing one is [`GuardError::NotFound`].
async fn describe(
    aws: &Aws,
    region: &str,
    id: &str,
) -> Result<aws_sdk_ec2::types::Instance, GuardError> {
    let missing = || GuardError::NotFound(format!("instance {id} does not exist in {region}"));
    let out = aws
        .ec2(region)
        .describe_instances()
        .instance_ids(id)
        .send()
        .await;
    let out = match out.map_err(|e| AwsError::call("ec2:DescribeInstances", id, &e)) {
        Ok(o) => o,
        Err(e)
            if e.code
                .as_deref()
                .is_some_and(|c| c.starts_with("InvalidInstanceID")) =>
        {
            return Err(missing())
        }
        Err(e) => return Err(e.into()),
    };
    let first = out.reservations().iter().flat_map(|r| r.instances()).next();
    first.cloned().ok_or_else(missing)
}

/// The instance's interfaces with their groups (sorted) and VPC.
fn interfaces(i: &aws_sdk_ec2::types::Instance) -> Vec<EniState> {
    i.network_interfaces()
        .iter()
        .map(|n| {
            let mut groups: Vec<String> = n
                .groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_owned))
                .collect();
            groups.sort();
            EniState {
                id: n.network_interface_id().unwrap_or_default().to_owned(),
                vpc_id: n.vpc_id().or(i.vpc_id()).unwrap_or_default().to_owned(),
                groups,
            }
        })
        .collect()
}

async fn flag(
    aws: &Aws,
    region: &str,
    id: &str,
    attr: InstanceAttributeName,
) -> Result<bool, AwsError> {
    let out = aws
        .ec2(region)
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(attr.clone())
        .send()
        .await;
    let out = out.map_err(|e| {
        AwsError::call(
            "ec2:DescribeInstanceAttribute",
            &format!("{id} {}", attr.as_str()),
            &e,
        )
    })?;
    let v = match attr {
        InstanceAttributeName::DisableApiStop => out.disable_api_stop(),
        _ => out.disable_api_termination(),
    };
    Ok(v.and_then(|b| b.value()).unwrap_or(false))
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The isolation group of `vpc` (by name), or none and whether the VPC has IPv6.
async fn isolation_group(aws: &Aws, region: &str, vpc: &str) -> Result<IsolationGroup, AwsError> {
    let ec2 = aws.ec2(region);
    let out = ec2
        .describe_security_groups()
        .filters(filter("group-name", ISOLATION_GROUP))
        .filters(filter("vpc-id", vpc))
        .send()
        .await
        .map_err(|e| AwsError::call("ec2:DescribeSecurityGroups", vpc, &e))?;
    if let Some(g) = out
        .security_groups()
        .iter()
        .find(|g| g.vpc_id() == Some(vpc))
    {
        return Ok(IsolationGroup {
            id: g.group_id().map(str::to_owned),
            ingress: g.ip_permissions().iter().map(permission).collect(),
            egress: g.ip_permissions_egress().iter().map(permission).collect(),
            vpc_ipv6: false,
        });
    }
    let vpcs = ec2
        .describe_vpcs()
        .vpc_ids(vpc)
        .send()
        .await
        .map_err(|e| AwsError::call("ec2:DescribeVpcs", vpc, &e))?;
    let vpc_ipv6 = vpcs
        .vpcs()
        .iter()
        .any(|v| !v.ipv6_cidr_block_association_set().is_empty());
    Ok(IsolationGroup {
        vpc_ipv6,
        ..IsolationGroup::default()
    })
}

fn permission(p: &IpPermission) -> Permission {
    Permission {
        ip_protocol: p.ip_protocol().unwrap_or("-1").to_owned(),
        from_port: p.from_port(),
        to_port: p.to_port(),
        ipv4: p
            .ip_ranges()
            .iter()
            .filter_map(|r| r.cidr_ip().map(str::to_owned))
            .collect(),
        ipv6: p
            .ipv6_ranges()
            .iter()
            .filter_map(|r| r.cidr_ipv6().map(str::to_owned))
            .collect(),
        groups: p
            .user_id_group_pairs()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_owned))
            .collect(),
        prefix_lists: p
            .prefix_list_ids()
            .iter()
            .filter_map(|x| x.prefix_list_id().map(str::to_owned))
            .collect(),
    }
}

/// Volumes that already have a snapshot tagged with `quarantine_id`.
pub async fn snapshotted(
    aws: &Aws,
    region: &str,
    quarantine_id: &str,
) -> Result<Vec<String>, AwsError> {
    let tag = crate::guard::tag_value(quarantine_id);
    let out = aws
        .ec2(region)
        .describe_snapshots()
        .owner_ids("self")
        .filters(filter(&format!("tag:{TAG_QUARANTINE_ID}"), &tag))
        .send()
        .await
        .map_err(|e| AwsError::call("ec2:DescribeSnapshots", quarantine_id, &e))?;
    Ok(out
        .snapshots()
        .iter()
        .filter_map(|s| s.volume_id().map(str::to_owned))
        .collect())
}
