//! Undoing a quarantine exactly, from its journal entry: each step done is
//! reversed (newest first) to the state recorded before it, provided what it
//! changed is still as the quarantine left it. Anything changed since by
//! someone else (the quarantine policy edited or removed, a key deleted,
//! reactivated or a new one created, the interfaces moved to other groups)
//! is a difference, and a release with differences is refused unless forced.
//!
//! Kept on purpose: forensic snapshots (evidence), the isolation group
//! (other instances may be in it), and a deleted console password cannot be
//! restored (a note says how to give the user a new one).

use super::journal::Entry;
use super::state::Observed;
use super::{Step, StepStatus, POLICY_NAME};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What a release would do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReleasePlan {
    pub steps: Vec<Step>,
    /// Changes since the quarantine that make restoring unsafe.
    pub differences: Vec<String>,
    /// What stays or must be done by hand.
    pub notes: Vec<String>,
}

/// The release of `entry` given the target's `current` state. With `force`,
/// differences are reported but do not stop the steps that can still be
/// applied (those whose subject still exists).
pub fn release(entry: &Entry, current: &Observed, force: bool) -> ReleasePlan {
    let mut plan = ReleasePlan::default();
    new_things(entry, current, &mut plan.differences);
    // What the undo steps planned so far will leave each thing at: a thing
    // changed by two quarantine steps (a re-run, `--deny-all` after a
    // session deny) is compared with that, not with the current state.
    let mut will_be: BTreeMap<String, Value> = BTreeMap::new();
    for (i, step) in entry.steps.iter().enumerate().rev() {
        if step.status != StepStatus::Done {
            continue;
        }
        if let Some(note) = kept(step) {
            if !note.is_empty() {
                plan.notes.push(note);
            }
            continue;
        }
        let key = subject(step);
        let restored = entry
            .release_steps
            .iter()
            .any(|r| r.undoes == Some(i) && r.status == StepStatus::Done);
        let simulated = will_be.insert(key, step.before.clone());
        if restored || simulated.as_ref() == Some(&step.before) {
            continue;
        }
        let Some(now) = simulated.or_else(|| current_value(step, current)) else {
            plan.differences.push(format!(
                "{} no longer exists (quarantine step: {})",
                subject(step),
                step.what
            ));
            continue;
        };
        if now == step.after {
            plan.steps.extend(undo(step, i));
        } else if is_soft(&step.api_call) {
            if now != step.before {
                plan.steps.extend(undo(step, i));
            }
        } else {
            let d = describe_change(step, &now);
            if !plan.differences.contains(&d) {
                plan.differences.push(d);
            }
            if force && now != step.before {
                plan.steps.extend(undo(step, i));
            }
        }
    }
    plan
}

/// Access keys and interfaces that appeared since the quarantine.
fn new_things(entry: &Entry, current: &Observed, out: &mut Vec<String>) {
    match (&entry.observed, current) {
        (Some(Observed::User(before)), Observed::User(now))
            if entry.target == before.arn || entry.target == now.arn =>
        {
            for k in now
                .keys
                .iter()
                .filter(|k| !before.keys.iter().any(|b| b.id == k.id))
            {
                out.push(format!(
                    "access key {} ({}) of user {} was created since the quarantine",
                    k.id, k.status, now.name
                ));
            }
        }
        (Some(Observed::Instance(before)), Observed::Instance(now)) => {
            for e in now
                .enis
                .iter()
                .filter(|e| !before.enis.iter().any(|b| b.id == e.id))
            {
                out.push(format!(
                    "network interface {} (groups {}) was attached to {} since the quarantine",
                    e.id,
                    e.groups.join(", "),
                    now.id
                ));
            }
        }
        _ => {}
    }
}

/// Steps whose effect a release keeps, with the note saying so ("" when
/// nothing needs saying).
fn kept(step: &Step) -> Option<String> {
    let out = step.output.as_ref();
    let id = |k: &str| {
        out.and_then(|o| o.get(k))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    match step.api_call.as_str() {
        "ec2:CreateSnapshot" => Some(format!(
            "forensic snapshot {} of volume {} is kept (delete it when the investigation is closed)",
            id("SnapshotId"),
            step.param("VolumeId")
        )),
        "ec2:CreateSecurityGroup" => Some(format!(
            "isolation group {} in {} is kept (other quarantined instances may use it)",
            id("GroupId"),
            step.param("VpcId")
        )),
        "ec2:RevokeSecurityGroupEgress" | "ec2:RevokeSecurityGroupIngress" => Some(String::new()),
        "iam:DeleteLoginProfile" => Some(format!(
            "the console password of user {u} was deleted by the quarantine and cannot be restored: \
             give the user a new one (aws iam create-login-profile --user-name {u} --password-reset-required)",
            u = step.param("UserName")
        )),
        _ => None,
    }
}

/// Tags and protection flags: restored whatever they are now, never a
/// difference (changing them again is not a sign of tampering that matters).
fn is_soft(api: &str) -> bool {
    matches!(
        api,
        "iam:TagUser" | "iam:TagRole" | "ec2:CreateTags" | "ec2:ModifyInstanceAttribute"
    )
}

/// The current value of what `step` changed, in the shape of its `after`;
/// `None` when that thing is gone (a key deleted, an interface detached).
pub fn current_value(step: &Step, current: &Observed) -> Option<Value> {
    match (step.api_call.as_str(), current) {
        ("iam:PutUserPolicy", Observed::User(u)) => Some(json!({"PolicyDocument": u.policy})),
        ("iam:PutRolePolicy", Observed::Role(r)) => Some(json!({"PolicyDocument": r.policy})),
        ("iam:UpdateAccessKey", Observed::User(u)) => u
            .keys
            .iter()
            .find(|k| k.id == step.param("AccessKeyId"))
            .map(|k| json!({"Status": k.status})),
        ("iam:TagUser", Observed::User(u)) => Some(tags_now(step, &u.tags)),
        ("iam:TagRole", Observed::Role(r)) => Some(tags_now(step, &r.tags)),
        ("ec2:CreateTags", Observed::Instance(i)) => Some(tags_now(step, &i.tags)),
        ("ec2:ModifyNetworkInterfaceAttribute", Observed::Instance(i)) => i
            .enis
            .iter()
            .find(|e| e.id == step.param("NetworkInterfaceId"))
            .map(|e| json!({"Groups": e.groups})),
        ("ec2:ModifyInstanceAttribute", Observed::Instance(i)) => {
            if step.params.get("DisableApiTermination").is_some() {
                Some(json!({"DisableApiTermination": i.termination_protection}))
            } else {
                Some(json!({"DisableApiStop": i.stop_protection}))
            }
        }
        _ => None,
    }
}

fn tags_now(step: &Step, tags: &BTreeMap<String, String>) -> Value {
    let mut m = Map::new();
    if let Some(after) = step.after.get("Tags").and_then(Value::as_object) {
        for k in after.keys() {
            m.insert(k.clone(), tags.get(k).map_or(Value::Null, |v| json!(v)));
        }
    }
    json!({"Tags": m})
}

fn subject(step: &Step) -> String {
    let p = |k| step.param(k);
    match step.api_call.as_str() {
        "iam:UpdateAccessKey" => {
            format!("access key {} of user {}", p("AccessKeyId"), p("UserName"))
        }
        "ec2:ModifyNetworkInterfaceAttribute" => {
            format!("network interface {}", p("NetworkInterfaceId"))
        }
        "iam:PutUserPolicy" => format!("inline policy {POLICY_NAME} of user {}", p("UserName")),
        "iam:PutRolePolicy" => format!("inline policy {POLICY_NAME} of role {}", p("RoleName")),
        _ => step.what.clone(),
    }
}

fn describe_change(step: &Step, now: &Value) -> String {
    let s = subject(step);
    match step.api_call.as_str() {
        "iam:UpdateAccessKey" => format!(
            "{s} is {} again: someone changed it since the quarantine made it {}",
            now["Status"].as_str().unwrap_or("?"),
            step.after["Status"].as_str().unwrap_or("?")
        ),
        "iam:PutUserPolicy" | "iam:PutRolePolicy" if now["PolicyDocument"].is_null() => {
            format!("{s} was deleted since the quarantine by someone else")
        }
        "iam:PutUserPolicy" | "iam:PutRolePolicy" => {
            format!(
                "{s} was edited since the quarantine: it is now {}",
                now["PolicyDocument"]
            )
        }
        "ec2:ModifyNetworkInterfaceAttribute" => format!(
            "{s} is now in {}, not in the isolation group {} the quarantine put it in",
            groups(&now["Groups"]),
            groups(&step.after["Groups"])
        ),
        _ => format!("{s} is now {now}, the quarantine left it {}", step.after),
    }
}

fn groups(v: &Value) -> String {
    let list: Vec<&str> = v
        .as_array()
        .map_or_else(Vec::new, |a| a.iter().filter_map(Value::as_str).collect());
    if list.is_empty() {
        "no group".into()
    } else {
        list.join(", ")
    }
}

/// The steps restoring what `step` (index `i`) changed to its `before`.
fn undo(step: &Step, i: usize) -> Vec<Step> {
    let mut out = undo_calls(step);
    for s in &mut out {
        s.undoes = Some(i);
    }
    out
}

fn undo_calls(step: &Step) -> Vec<Step> {
    let p = &step.params;
    let (b, a) = (&step.before, &step.after);
    let swap = |api: &str, params: Value, what: String| {
        vec![Step::new(api, params, a.clone(), b.clone(), what)]
    };
    match step.api_call.as_str() {
        "iam:PutUserPolicy" | "iam:PutRolePolicy" => undo_policy(step),
        "iam:UpdateAccessKey" => swap(
            "iam:UpdateAccessKey",
            json!({"UserName": p["UserName"], "AccessKeyId": p["AccessKeyId"], "Status": b["Status"]}),
            format!(
                "set access key {} of user {} back to {}",
                step.param("AccessKeyId"),
                step.param("UserName"),
                b["Status"].as_str().unwrap_or("?")
            ),
        ),
        "ec2:ModifyNetworkInterfaceAttribute" => swap(
            "ec2:ModifyNetworkInterfaceAttribute",
            json!({"NetworkInterfaceId": p["NetworkInterfaceId"], "Groups": b["Groups"]}),
            format!(
                "move interface {} back to {}",
                step.param("NetworkInterfaceId"),
                groups(&b["Groups"])
            ),
        ),
        "ec2:ModifyInstanceAttribute" => {
            let (attr, was) = b
                .as_object()
                .and_then(|m| m.iter().next())
                .map_or(("DisableApiStop".to_owned(), false), |(k, v)| {
                    (k.clone(), v.as_bool().unwrap_or(false))
                });
            swap(
                "ec2:ModifyInstanceAttribute",
                json!({"InstanceId": p["InstanceId"], attr.clone(): {"Value": was}}),
                format!(
                    "set {attr} of instance {} back to {was}",
                    step.param("InstanceId")
                ),
            )
        }
        "iam:TagUser" => undo_tags(step, "UserName", "iam:UntagUser", "iam:TagUser"),
        "iam:TagRole" => undo_tags(step, "RoleName", "iam:UntagRole", "iam:TagRole"),
        "ec2:CreateTags" => undo_tags(step, "Resources", "ec2:DeleteTags", "ec2:CreateTags"),
        _ => Vec::new(),
    }
}

fn undo_policy(step: &Step) -> Vec<Step> {
    let user = step.api_call == "iam:PutUserPolicy";
    let (key, kind) = if user {
        ("UserName", "user")
    } else {
        ("RoleName", "role")
    };
    let name = step.param(key);
    let old = &step.before["PolicyDocument"];
    let (api, params, what) = if old.is_null() {
        let api = if user {
            "iam:DeleteUserPolicy"
        } else {
            "iam:DeleteRolePolicy"
        };
        (
            api,
            json!({key: name, "PolicyName": POLICY_NAME}),
            format!("remove inline policy {POLICY_NAME} from {kind} {name}"),
        )
    } else {
        let params =
            json!({key: name, "PolicyName": POLICY_NAME, "PolicyDocument": old.to_string()});
        (
            step.api_call.as_str(),
            params,
            format!("put back the earlier inline policy {POLICY_NAME} of {kind} {name}"),
        )
    };
    vec![Step::new(
        api,
        params,
        step.after.clone(),
        step.before.clone(),
        what,
    )]
}

/// Tags absent before are removed; tags that had a value get it back.
fn undo_tags(step: &Step, name_key: &str, untag: &str, tag: &str) -> Vec<Step> {
    let before = step
        .before
        .get("Tags")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let name = step.params[name_key].clone();
    let label = match &name {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        v => v.as_str().unwrap_or("").to_owned(),
    };
    let mut entries: Vec<(&String, &Value)> = before.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let (absent, had): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(_, v)| v.is_null());
    let mut out = Vec::new();
    if !absent.is_empty() {
        let keys: Vec<&String> = absent.iter().map(|(k, _)| *k).collect();
        let params = if untag == "ec2:DeleteTags" {
            json!({name_key: name, "Tags": keys.iter().map(|k| json!({"Key": k})).collect::<Vec<_>>()})
        } else {
            json!({name_key: name, "TagKeys": keys})
        };
        out.push(Step::new(
            untag,
            params,
            step.after.clone(),
            step.before.clone(),
            format!("remove the quarantine tags of {label}"),
        ));
    }
    if !had.is_empty() {
        let tags: Vec<Value> = had
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        out.push(Step::new(
            tag,
            json!({name_key: name, "Tags": tags}),
            step.after.clone(),
            step.before.clone(),
            format!("put back the earlier quarantine tags of {label}"),
        ));
    }
    out
}

#[cfg(test)]
#[path = "release_tests.rs"]
mod tests;
