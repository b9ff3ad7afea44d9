//! The ordered quarantine steps for a target in its observed state, after
//! AWS's containment guidance: cut the principal or instance off first (deny
//! policy, isolation group), then its credentials, then protect and preserve
//! (termination and stop protection, forensic snapshots), then label it
//! (tags). Steps already in effect are left out, so a second run plans
//! nothing and a run after a partial failure plans only the rest.

use super::policies;
use super::state::{InstanceState, Observed, Permission, RoleState, UserState};
use super::target::Target;
use super::{
    tag_value, Step, ISOLATION_GROUP, POLICY_NAME, TAG_AT, TAG_BY, TAG_ORIGINAL_SGS,
    TAG_QUARANTINE_ID, TAG_REASON, TAG_SNAPSHOT_OF,
};
use crate::record::time::format_time;
use crate::record::Timestamp;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// How to quarantine, and on whose behalf.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The caller's ARN (tagged as the one who quarantined).
    pub by: String,
    pub now: Timestamp,
    pub reason: String,
    /// Users: also delete the console password (not restorable by a release).
    pub remove_console_access: bool,
    /// Roles: deny everything, not only sessions issued before now.
    pub deny_all: bool,
    /// The journal entry id (tagged on forensic snapshots).
    pub quarantine_id: String,
}

/// The steps still needed to quarantine `target`, observed as `observed`.
pub fn quarantine(target: &Target, observed: &Observed, o: &Options) -> Vec<Step> {
    match (target, observed) {
        (Target::AccessKey { id }, Observed::User(u)) => u
            .keys
            .iter()
            .filter(|k| k.id == *id && k.is_active())
            .map(|k| deactivate_key(&u.name, &k.id))
            .collect(),
        (Target::User { .. }, Observed::User(u)) => user(u, o),
        (Target::Role { .. }, Observed::Role(r)) => role(r, o),
        (Target::Instance { .. }, Observed::Instance(i)) => instance(i, o),
        _ => Vec::new(),
    }
}

/// `iam:UpdateAccessKey` to `Inactive`.
pub fn deactivate_key(user: &str, key: &str) -> Step {
    Step::new(
        "iam:UpdateAccessKey",
        json!({"UserName": user, "AccessKeyId": key, "Status": "Inactive"}),
        json!({"Status": "Active"}),
        json!({"Status": "Inactive"}),
        format!("deactivate access key {key} of user {user}"),
    )
}

fn user(u: &UserState, o: &Options) -> Vec<Step> {
    let mut v = Vec::new();
    let doc = policies::deny_all();
    if u.policy.as_ref() != Some(&doc) {
        v.push(Step::new(
            "iam:PutUserPolicy",
            json!({"UserName": u.name, "PolicyName": POLICY_NAME, "PolicyDocument": policies::text(&doc)}),
            json!({"PolicyDocument": u.policy}),
            json!({"PolicyDocument": doc}),
            format!("deny everything to user {} (inline policy {POLICY_NAME})", u.name),
        ));
    }
    for k in u.keys.iter().filter(|k| k.is_active()) {
        v.push(deactivate_key(&u.name, &k.id));
    }
    if let (true, Some(lp)) = (o.remove_console_access, u.login_profile) {
        v.push(Step::new(
            "iam:DeleteLoginProfile",
            json!({"UserName": u.name}),
            json!({"LoginProfile": {"PasswordResetRequired": lp.password_reset_required}}),
            json!({"LoginProfile": null}),
            format!(
                "delete the console password of user {} (a release cannot restore it)",
                u.name
            ),
        ));
    }
    if !u.tags.contains_key(TAG_AT) {
        let tags = quarantine_tags(o, None);
        v.push(tag_step("iam:TagUser", "UserName", &u.name, &u.tags, &tags));
    }
    v
}

fn role(r: &RoleState, o: &Options) -> Vec<Step> {
    let mut v = Vec::new();
    let doc = if o.deny_all {
        policies::deny_all()
    } else {
        policies::deny_sessions_before(o.now)
    };
    let in_effect = match &r.policy {
        Some(p) if policies::is_deny_all(p) => true,
        Some(p) => !o.deny_all && policies::sessions_cutoff(p).is_some(),
        None => false,
    };
    if !in_effect {
        let what = if o.deny_all {
            format!(
                "deny everything to role {} (inline policy {POLICY_NAME})",
                r.name
            )
        } else {
            format!(
                "deny everything to sessions of role {} issued before {} (inline policy {POLICY_NAME}); new sessions work",
                r.name,
                format_time(o.now)
            )
        };
        v.push(Step::new(
            "iam:PutRolePolicy",
            json!({"RoleName": r.name, "PolicyName": POLICY_NAME, "PolicyDocument": policies::text(&doc)}),
            json!({"PolicyDocument": r.policy}),
            json!({"PolicyDocument": doc}),
            what,
        ));
    }
    if !r.tags.contains_key(TAG_AT) {
        let tags = quarantine_tags(o, None);
        v.push(tag_step("iam:TagRole", "RoleName", &r.name, &r.tags, &tags));
    }
    v
}

/// The tags marking a quarantine: by, at, reason (when given), and extra.
fn quarantine_tags(o: &Options, extra: Option<(&str, String)>) -> Vec<(String, String)> {
    let mut t = vec![
        (TAG_BY.to_owned(), tag_value(&o.by)),
        (TAG_AT.to_owned(), format_time(o.now)),
    ];
    if !o.reason.trim().is_empty() {
        t.push((TAG_REASON.to_owned(), tag_value(o.reason.trim())));
    }
    if let Some((k, v)) = extra {
        t.push((k.to_owned(), v));
    }
    t
}

/// `iam:TagUser` / `iam:TagRole`: before and after name each key's value.
fn tag_step(
    api: &str,
    name_key: &str,
    name: &str,
    current: &BTreeMap<String, String>,
    tags: &[(String, String)],
) -> Step {
    let list: Vec<Value> = tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    let mut params = Map::new();
    params.insert(name_key.to_owned(), json!(name));
    params.insert("Tags".into(), Value::Array(list));
    let (before, after) = tag_states(current, tags);
    let what = format!("tag {name} as quarantined (by, when, why)");
    Step::new(api, Value::Object(params), before, after, what)
}

fn tag_states(current: &BTreeMap<String, String>, tags: &[(String, String)]) -> (Value, Value) {
    let mut before = Map::new();
    let mut after = Map::new();
    for (k, v) in tags {
        before.insert(k.clone(), current.get(k).map_or(Value::Null, |c| json!(c)));
        after.insert(k.clone(), json!(v));
    }
    (json!({"Tags": before}), json!({"Tags": after}))
}

/// The stand-in for the id of the isolation group `CreateSecurityGroup` is
/// about to make in `vpc`; the executor replaces it once the group exists.
pub fn group_placeholder(vpc: &str) -> String {
    format!("<id of {ISOLATION_GROUP} in {vpc}>")
}

/// Replaces every string equal to a key of `ids` (placeholders) by its value.
pub fn substitute(v: &mut Value, ids: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(id) = ids.get(s.as_str()) {
                *s = id.clone();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, ids)),
        Value::Object(m) => m.values_mut().for_each(|x| substitute(x, ids)),
        _ => {}
    }
}

fn instance(i: &InstanceState, o: &Options) -> Vec<Step> {
    let mut v = Vec::new();
    let mut group_of: BTreeMap<&str, String> = BTreeMap::new();
    for eni in &i.enis {
        if group_of.contains_key(eni.vpc_id.as_str()) {
            continue;
        }
        let iso = i.isolation.get(&eni.vpc_id).cloned().unwrap_or_default();
        let id = isolation_steps(&eni.vpc_id, &iso, &mut v);
        group_of.insert(&eni.vpc_id, id);
    }
    for eni in &i.enis {
        let gid = group_of
            .get(eni.vpc_id.as_str())
            .cloned()
            .unwrap_or_default();
        if eni.groups != [gid.clone()] {
            v.push(Step::new(
                "ec2:ModifyNetworkInterfaceAttribute",
                json!({"NetworkInterfaceId": eni.id, "Groups": [gid]}),
                json!({"Groups": eni.groups}),
                json!({"Groups": [gid]}),
                format!(
                    "move interface {} of instance {} from {} to {ISOLATION_GROUP}",
                    eni.id,
                    i.id,
                    eni.groups.join(", ")
                ),
            ));
        }
    }
    protection_steps(i, &mut v);
    snapshot_steps(i, o, &mut v);
    if !i.tags.contains_key(TAG_AT) {
        let original: Vec<String> = i
            .enis
            .iter()
            .map(|e| format!("{}:{}", e.id, e.groups.join(",")))
            .collect();
        let tags = quarantine_tags(o, Some((TAG_ORIGINAL_SGS, original.join(" "))));
        let mut step = tag_step("ec2:CreateTags", "Resources", &i.id, &i.tags, &tags);
        step.params["Resources"] = json!([i.id]);
        v.push(step);
    }
    v
}

/// Steps that make the isolation group of `vpc` exist with no rules; returns
/// its id (or the placeholder for one about to be created).
fn isolation_steps(vpc: &str, iso: &super::state::IsolationGroup, v: &mut Vec<Step>) -> String {
    let (gid, egress, ingress) = match &iso.id {
        Some(id) => (id.clone(), iso.egress.clone(), iso.ingress.clone()),
        None => {
            let gid = group_placeholder(vpc);
            v.push(Step::new(
                "ec2:CreateSecurityGroup",
                json!({"GroupName": ISOLATION_GROUP, "VpcId": vpc,
                       "Description": "trailguard: isolation of quarantined instances (no rules)"}),
                json!({"GroupId": null}),
                json!({"GroupId": gid}),
                format!("create the isolation security group {ISOLATION_GROUP} in {vpc}"),
            ));
            let mut egress = vec![Permission::all_traffic("0.0.0.0/0")];
            if iso.vpc_ipv6 {
                egress.push(Permission::all_traffic("::/0"));
            }
            (gid, egress, Vec::new())
        }
    };
    for (api, rules, dir) in [
        ("ec2:RevokeSecurityGroupIngress", ingress, "inbound"),
        ("ec2:RevokeSecurityGroupEgress", egress, "outbound"),
    ] {
        if rules.is_empty() {
            continue;
        }
        v.push(Step::new(
            api,
            json!({"GroupId": gid, "IpPermissions": rules}),
            json!({"IpPermissions": rules}),
            json!({"IpPermissions": []}),
            format!("remove every {dir} rule of {ISOLATION_GROUP} in {vpc}"),
        ));
    }
    gid
}

fn protection_steps(i: &InstanceState, v: &mut Vec<Step>) {
    for (attr, on, what) in [
        (
            "DisableApiTermination",
            i.termination_protection,
            "termination",
        ),
        ("DisableApiStop", i.stop_protection, "stop"),
    ] {
        if !on {
            v.push(Step::new(
                "ec2:ModifyInstanceAttribute",
                json!({"InstanceId": i.id, attr: {"Value": true}}),
                json!({attr: false}),
                json!({attr: true}),
                format!("enable {what} protection of instance {}", i.id),
            ));
        }
    }
}

fn snapshot_steps(i: &InstanceState, o: &Options, v: &mut Vec<Step>) {
    for vol in i.volumes.iter().filter(|x| !i.snapshotted.contains(x)) {
        let tags = json!([
            {"Key": TAG_QUARANTINE_ID, "Value": tag_value(&o.quarantine_id)},
            {"Key": TAG_SNAPSHOT_OF, "Value": i.id},
        ]);
        v.push(Step::new(
            "ec2:CreateSnapshot",
            json!({"VolumeId": vol,
                   "Description": format!("trailguard forensic snapshot of {vol} of quarantined instance {}", i.id),
                   "TagSpecifications": [{"ResourceType": "snapshot", "Tags": tags}]}),
            json!({"Snapshot": null}),
            json!({"Snapshot": "<new snapshot id>"}),
            format!("snapshot volume {vol} of instance {} for forensics (kept on release)", i.id),
        ));
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
pub(crate) mod tests;
