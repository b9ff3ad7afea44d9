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

fn iam_tags(step: &Step) -> Result<Vec<aws_sdk_iam::types::Tag>, AwsError> {
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

async fn iam(aws: &Aws, op: &str, step: &Step) -> Result<(), AwsError> {
    let c = aws.iam();
    let p = |k: &str| step.param(k).to_owned();
    let fail = |e: &dyn ErrorFor| e.to_aws(&step.api_call, &target_of(step));
    match op {
        "PutUserPolicy" => c
            .put_user_policy()
            .user_name(p("UserName"))
            .policy_name(p("PolicyName"))
            .policy_document(p("PolicyDocument"))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(&e)),
        "DeleteUserPolicy" => c
            .delete_user_policy()
            .user_name(p("UserName"))
            .policy_name(p("PolicyName"))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(&e)),
        "PutRolePolicy" => c
            .put_role_policy()
            .role_name(p("RoleName"))
            .policy_name(p("PolicyName"))
            .policy_document(p("PolicyDocument"))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(&e)),
        "DeleteRolePolicy" => c
            .delete_role_policy()
            .role_name(p("RoleName"))
            .policy_name(p("PolicyName"))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(&e)),
        "UpdateAccessKey" => c
            .update_access_key()
            .user_name(p("UserName"))
            .access_key_id(p("AccessKeyId"))
            .status(StatusType::from(step.param("Status")))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(&e)),
        "DeleteLoginProfile" => c
            .delete_login_profile()
            .user_name(p("UserName"))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(&e)),
        "UpdateLoginProfile" => {
            let reset = step.params["PasswordResetRequired"]
                .as_bool()
                .unwrap_or(true);
            c.update_login_profile()
                .user_name(p("UserName"))
                .password_reset_required(reset)
                .send()
                .await
                .map(drop)
                .map_err(|e| fail(&e))
        }
        "TagUser" => c
            .tag_user()
            .user_name(p("UserName"))
            .set_tags(Some(iam_tags(step)?))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(&e)),
        "UntagUser" => c
            .untag_user()
            .user_name(p("UserName"))
            .set_tag_keys(Some(strings(&step.params["TagKeys"])))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(&e)),
        "TagRole" => c
            .tag_role()
            .role_name(p("RoleName"))
            .set_tags(Some(iam_tags(step)?))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(&e)),
        "UntagRole" => c
            .untag_role()
            .role_name(p("RoleName"))
            .set_tag_keys(Some(strings(&step.params["TagKeys"])))
            .send()
            .await
            .map(drop)
            .map_err(|e| fail(&e)),
        _ => Err(unsupported(step)),
    }
}

/// An SDK error of any operation as an [`AwsError`].
trait ErrorFor {
    fn to_aws(&self, op: &str, target: &str) -> AwsError;
}

impl<E> ErrorFor
    for aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    fn to_aws(&self, op: &str, target: &str) -> AwsError {
        AwsError::call(op, target, self)
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
    let p = |k: &str| step.param(k).to_owned();
    let fail = |e: &dyn ErrorFor| e.to_aws(&step.api_call, &target_of(step));
    match op {
        "CreateSecurityGroup" => {
            let out = c
                .create_security_group()
                .group_name(p("GroupName"))
                .description(p("Description"))
                .vpc_id(p("VpcId"))
                .send()
                .await
                .map_err(|e| fail(&e))?;
            Ok(Some(json!({"GroupId": out.group_id().unwrap_or_default()})))
        }
        "RevokeSecurityGroupEgress" => c
            .revoke_security_group_egress()
            .group_id(p("GroupId"))
            .set_ip_permissions(Some(permissions(step)))
            .send()
            .await
            .map(none)
            .map_err(|e| fail(&e)),
        "RevokeSecurityGroupIngress" => c
            .revoke_security_group_ingress()
            .group_id(p("GroupId"))
            .set_ip_permissions(Some(permissions(step)))
            .send()
            .await
            .map(none)
            .map_err(|e| fail(&e)),
        "ModifyNetworkInterfaceAttribute" => c
            .modify_network_interface_attribute()
            .network_interface_id(p("NetworkInterfaceId"))
            .set_groups(Some(strings(&step.params["Groups"])))
            .send()
            .await
            .map(none)
            .map_err(|e| fail(&e)),
        "ModifyInstanceAttribute" => {
            let flag = |k: &str| {
                step.params[k]["Value"]
                    .as_bool()
                    .map(|b| AttributeBooleanValue::builder().value(b).build())
            };
            c.modify_instance_attribute()
                .instance_id(p("InstanceId"))
                .set_disable_api_termination(flag("DisableApiTermination"))
                .set_disable_api_stop(flag("DisableApiStop"))
                .send()
                .await
                .map(none)
                .map_err(|e| fail(&e))
        }
        "CreateSnapshot" => {
            let spec_tags = step.params["TagSpecifications"][0].clone();
            let pairs = tags(&Step {
                params: spec_tags,
                ..step.clone()
            });
            let spec = TagSpecification::builder()
                .resource_type(ResourceType::Snapshot)
                .set_tags(Some(ec2_tags(pairs)))
                .build();
            let out = c
                .create_snapshot()
                .volume_id(p("VolumeId"))
                .description(p("Description"))
                .tag_specifications(spec)
                .send()
                .await
                .map_err(|e| fail(&e))?;
            Ok(Some(
                json!({"SnapshotId": out.snapshot_id().unwrap_or_default()}),
            ))
        }
        "CreateTags" => c
            .create_tags()
            .set_resources(Some(strings(&step.params["Resources"])))
            .set_tags(Some(ec2_tags(tags(step))))
            .send()
            .await
            .map(none)
            .map_err(|e| fail(&e)),
        "DeleteTags" => {
            let keys: Vec<aws_sdk_ec2::types::Tag> = tags(step)
                .into_iter()
                .map(|(k, _)| aws_sdk_ec2::types::Tag::builder().key(k).build())
                .collect();
            c.delete_tags()
                .set_resources(Some(strings(&step.params["Resources"])))
                .set_tags(Some(keys))
                .send()
                .await
                .map(none)
                .map_err(|e| fail(&e))
        }
        _ => Err(unsupported(step)),
    }
}
