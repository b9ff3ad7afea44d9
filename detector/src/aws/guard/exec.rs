//! Executing one [`Step`]: its `api_call` and `params` become exactly that
//! SDK call. Returns what later steps or people need from the answer (the id
//! of a created group or snapshot).

use crate::aws::{Aws, AwsError};
use crate::guard::state::Permission;
use crate::guard::Step;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType,
    TagSpecification, UserIdGroupPair,
};
use aws_sdk_iam::types::StatusType;
use serde_json::{json, Value};

/// Runs `step` (EC2 calls in `region`); `Ok(Some(output))` for calls that create something.
pub async fn execute(aws: &Aws, region: &str, step: &Step) -> Result<Option<Value>, AwsError> {
    let api = step.api_call.as_str();
    if let Some(op) = api.strip_prefix("iam:") {
        iam(aws, op, step).await.map(|()| None)
    } else if let Some(op) = api.strip_prefix("ec2:") {
        ec2(aws, region, op, step).await
    } else {
        Err(unsupported(step))
    }
}

fn unsupported(step: &Step) -> AwsError {
    AwsError {
        operation: step.api_call.clone(),
        target: String::new(),
        code: None,
        message:
            "trailguard does not know how to make this call (journal written by another version?)"
                .into(),
    }
}

/// The target named in an error: the principal, key, interface or instance.
fn target_of(step: &Step) -> String {
    [
        "AccessKeyId",
        "UserName",
        "RoleName",
        "NetworkInterfaceId",
        "InstanceId",
        "VolumeId",
        "GroupId",
        "VpcId",
    ]
    .iter()
    .map(|k| step.param(k))
    .find(|v| !v.is_empty())
    .unwrap_or_default()
    .to_owned()
}

/// `Tags: [{Key, Value}]` as pairs.
fn tags(step: &Step) -> Vec<(String, String)> {
    step.params["Tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    let s = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
                    (s("Key"), s("Value"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn iam_tags_of(step: &Step) -> Result<Vec<aws_sdk_iam::types::Tag>, AwsError> {
    tags(step)
        .into_iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| AwsError {
                    operation: step.api_call.clone(),
                    target: target_of(step),
                    code: None,
                    message: e.to_string(),
                })
        })
        .collect()
}

type SdkResult<T, E> = Result<
    T,
    aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
>;

/// An SDK answer to `step`, its error as an [`AwsError`].
fn check<T, E>(r: SdkResult<T, E>, step: &Step) -> Result<T, AwsError>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    r.map_err(|e| AwsError::call(&step.api_call, &target_of(step), &e))
}

async fn iam(aws: &Aws, op: &str, step: &Step) -> Result<(), AwsError> {
    match op {
        "PutUserPolicy" | "DeleteUserPolicy" | "PutRolePolicy" | "DeleteRolePolicy" => {
            iam_policy(aws, op, step).await
        }
        "UpdateAccessKey" | "DeleteLoginProfile" | "UpdateLoginProfile" => {
            iam_credentials(aws, op, step).await
        }
        "TagUser" | "UntagUser" | "TagRole" | "UntagRole" => iam_tags(aws, op, step).await,
        _ => Err(unsupported(step)),
    }
}

async fn iam_policy(aws: &Aws, op: &str, step: &Step) -> Result<(), AwsError> {
    let c = aws.iam();
    let p = |k: &str| step.param(k).to_owned();
    match op {
        "PutUserPolicy" => {
            let call = c.put_user_policy().user_name(p("UserName"));
            let call = call.policy_name(p("PolicyName"));
            check(call.policy_document(p("PolicyDocument")).send().await, step).map(drop)
        }
        "DeleteUserPolicy" => {
            let call = c.delete_user_policy().user_name(p("UserName"));
            check(call.policy_name(p("PolicyName")).send().await, step).map(drop)
        }
        "PutRolePolicy" => {
            let call = c.put_role_policy().role_name(p("RoleName"));
            let call = call.policy_name(p("PolicyName"));
            check(call.policy_document(p("PolicyDocument")).send().await, step).map(drop)
        }
        _ => {
            let call = c.delete_role_policy().role_name(p("RoleName"));
            check(call.policy_name(p("PolicyName")).send().await, step).map(drop)
        }
    }
}

async fn iam_credentials(aws: &Aws, op: &str, step: &Step) -> Result<(), AwsError> {
    let c = aws.iam();
    let user = step.param("UserName").to_owned();
    match op {
        "UpdateAccessKey" => {
            let call = c.update_access_key().user_name(user);
            let call = call.access_key_id(step.param("AccessKeyId"));
            let status = StatusType::from(step.param("Status"));
            check(call.status(status).send().await, step).map(drop)
        }
        "DeleteLoginProfile" => {
            check(c.delete_login_profile().user_name(user).send().await, step).map(drop)
        }
        _ => {
            let reset = step.params["PasswordResetRequired"]
                .as_bool()
                .unwrap_or(true);
            let call = c.update_login_profile().user_name(user);
            check(call.password_reset_required(reset).send().await, step).map(drop)
        }
    }
}

async fn iam_tags(aws: &Aws, op: &str, step: &Step) -> Result<(), AwsError> {
    let c = aws.iam();
    let user = step.param("UserName").to_owned();
    let role = step.param("RoleName").to_owned();
    let keys = Some(strings(&step.params["TagKeys"]));
    match op {
        "TagUser" => {
            let call = c
                .tag_user()
                .user_name(user)
                .set_tags(Some(iam_tags_of(step)?));
            check(call.send().await, step).map(drop)
        }
        "UntagUser" => {
            let call = c.untag_user().user_name(user).set_tag_keys(keys);
            check(call.send().await, step).map(drop)
        }
        "TagRole" => {
            let call = c
                .tag_role()
                .role_name(role)
                .set_tags(Some(iam_tags_of(step)?));
            check(call.send().await, step).map(drop)
        }
        _ => {
            let call = c.untag_role().role_name(role).set_tag_keys(keys);
            check(call.send().await, step).map(drop)
        }
    }
}

fn none<T>(_: T) -> Option<Value> {
    None
}

/// `Some(list)` unless empty (an empty list is left out of the request).
fn nonempty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn ec2_tags(pairs: Vec<(String, String)>) -> Vec<aws_sdk_ec2::types::Tag> {
    pairs
        .into_iter()
        .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
        .collect()
}

fn ip_permission(p: &Permission) -> IpPermission {
    IpPermission::builder()
        .ip_protocol(&p.ip_protocol)
        .set_from_port(p.from_port)
        .set_to_port(p.to_port)
        .set_ip_ranges(nonempty(
            p.ipv4
                .iter()
                .map(|c| IpRange::builder().cidr_ip(c).build())
                .collect(),
        ))
        .set_ipv6_ranges(nonempty(
            p.ipv6
                .iter()
                .map(|c| Ipv6Range::builder().cidr_ipv6(c).build())
                .collect(),
        ))
        .set_user_id_group_pairs(nonempty(
            p.groups
                .iter()
                .map(|g| UserIdGroupPair::builder().group_id(g).build())
                .collect(),
        ))
        .set_prefix_list_ids(nonempty(
            p.prefix_lists
                .iter()
                .map(|x| PrefixListId::builder().prefix_list_id(x).build())
                .collect(),
        ))
        .build()
}

fn permissions(step: &Step) -> Vec<IpPermission> {
    let list: Vec<Permission> =
        serde_json::from_value(step.params["IpPermissions"].clone()).unwrap_or_default();
    list.iter().map(ip_permission).collect()
}

async fn ec2(aws: &Aws, region: &str, op: &str, step: &Step) -> Result<Option<Value>, AwsError> {
    let c = aws.ec2(region);
    match op {
        "CreateSecurityGroup" => {
            let call = c
                .create_security_group()
                .group_name(step.param("GroupName"));
            let call = call.description(step.param("Description"));
            let out = check(call.vpc_id(step.param("VpcId")).send().await, step)?;
            Ok(Some(json!({"GroupId": out.group_id().unwrap_or_default()})))
        }
        "RevokeSecurityGroupEgress" => {
            let call = c
                .revoke_security_group_egress()
                .group_id(step.param("GroupId"));
            check(
                call.set_ip_permissions(Some(permissions(step)))
                    .send()
                    .await,
                step,
            )
            .map(none)
        }
        "RevokeSecurityGroupIngress" => {
            let call = c
                .revoke_security_group_ingress()
                .group_id(step.param("GroupId"));
            check(
                call.set_ip_permissions(Some(permissions(step)))
                    .send()
                    .await,
                step,
            )
            .map(none)
        }
        "ModifyNetworkInterfaceAttribute" => {
            let call = c.modify_network_interface_attribute();
            let call = call.network_interface_id(step.param("NetworkInterfaceId"));
            let groups = Some(strings(&step.params["Groups"]));
            check(call.set_groups(groups).send().await, step).map(none)
        }
        "ModifyInstanceAttribute" | "CreateSnapshot" => ec2_instance(&c, op, step).await,
        "CreateTags" | "DeleteTags" => ec2_tags_call(&c, op, step).await,
        _ => Err(unsupported(step)),
    }
}

async fn ec2_instance(
    c: &aws_sdk_ec2::Client,
    op: &str,
    step: &Step,
) -> Result<Option<Value>, AwsError> {
    if op == "ModifyInstanceAttribute" {
        let flag = |k: &str| {
            let v = step.params[k]["Value"].as_bool();
            v.map(|b| AttributeBooleanValue::builder().value(b).build())
        };
        let call = c
            .modify_instance_attribute()
            .instance_id(step.param("InstanceId"));
        let call = call.set_disable_api_termination(flag("DisableApiTermination"));
        let call = call.set_disable_api_stop(flag("DisableApiStop"));
        return check(call.send().await, step).map(none);
    }
    let spec_tags = step.params["TagSpecifications"][0].clone();
    let pairs = tags(&Step {
        params: spec_tags,
        ..step.clone()
    });
    let spec = TagSpecification::builder()
        .resource_type(ResourceType::Snapshot)
        .set_tags(Some(ec2_tags(pairs)))
        .build();
    let call = c.create_snapshot().volume_id(step.param("VolumeId"));
    let call = call
        .description(step.param("Description"))
        .tag_specifications(spec);
    let out = check(call.send().await, step)?;
    Ok(Some(
        json!({"SnapshotId": out.snapshot_id().unwrap_or_default()}),
    ))
}

async fn ec2_tags_call(
    c: &aws_sdk_ec2::Client,
    op: &str,
    step: &Step,
) -> Result<Option<Value>, AwsError> {
    let resources = Some(strings(&step.params["Resources"]));
    let pairs = tags(step);
    if op == "CreateTags" {
        let call = c.create_tags().set_resources(resources);
        return check(call.set_tags(Some(ec2_tags(pairs))).send().await, step).map(none);
    }
    let keys: Vec<aws_sdk_ec2::types::Tag> = pairs
        .into_iter()
        .map(|(k, _)| aws_sdk_ec2::types::Tag::builder().key(k).build())
        .collect();
    let call = c
        .delete_tags()
        .set_resources(resources)
        .set_tags(Some(keys));
    check(call.send().await, step).map(none)
}
