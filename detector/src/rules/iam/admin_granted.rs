//! Administrator rights granted to an IAM user, group or role: the step that
//! turns a foothold (or a freshly created backdoor principal) into full control.
//!
//! What it catches (all `iam.amazonaws.com`):
//! - `AttachUserPolicy` / `AttachGroupPolicy` / `AttachRolePolicy` of an AWS
//!   managed admin policy ([`policy::is_admin_managed_policy`]: AdministratorAccess,
//!   IAMFullAccess, ...): high;
//! - `PutUserPolicy` / `PutGroupPolicy` / `PutRolePolicy` whose inline document
//!   is admin ([`policy::is_admin_text`]: `*`, `*:*`, `iam:*` on any resource, or
//!   an `Allow` + `NotAction` that leaves IAM allowed): high;
//! - `CreatePolicyVersion` with an admin document and `setAsDefault: true`: high,
//!   as every principal the policy is attached to becomes an administrator; with
//!   `setAsDefault` false: medium, a dormant version one `SetDefaultPolicyVersion`
//!   call away from being live;
//! - `CreatePolicy` with an admin document: medium (dormant until attached).
//!
//! Attaching a customer managed policy is not judged here: its document is not
//! in the record (its `CreatePolicy`/`CreatePolicyVersion` is).
//!
//! Resources: the grantee ARN (built from the name and the recipient account)
//! and the policy ARN where there is one.
//!
//! Fixtures: `fixtures/rules/iam-admin-granted/` (positives: AdministratorAccess
//! attached to a new user, an admin inline policy on a role, an admin default
//! policy version, a dormant admin policy; negatives: ReadOnlyAccess attached,
//! a scoped inline policy, the AWS deny-all quarantine policy, a non-admin
//! policy version).

use super::common::{given, who, IAM};
use crate::config::Config;
use crate::finding::{short_name, Finding, Response, Severity};
use crate::record::{Event, Flag, Text};
use crate::rules::policy;
use crate::rules::util::{group_arn, role_arn, user_arn};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "iam-admin-granted",
    title: "Administrator rights granted to an IAM principal",
    severity: Severity::High,
    mitre: &["T1098.003"],
    description: "An IAM user, group or role was given administrator-equivalent rights: an AWS \
                  managed admin policy attached, an inline policy allowing `*` or `iam:*`, or a \
                  customer managed policy (version) with such a document. Attackers do this to \
                  escalate a stolen credential or to arm a backdoor principal.",
    remediation: "Confirm the grant with the principal's owner and the change record. If it was not \
                  approved: detach or delete the policy (or restore the previous default policy \
                  version), quarantine the grantee and the actor, and review everything the grantee \
                  did since the grant.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[
        "AttachUserPolicy",
        "AttachGroupPolicy",
        "AttachRolePolicy",
        "PutUserPolicy",
        "PutGroupPolicy",
        "PutRolePolicy",
        "CreatePolicyVersion",
        "CreatePolicy",
    ],
    about_failures: false,
};

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    user_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    role_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    group_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    policy_arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    policy_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    policy_document: Option<Text<'a>>,
    #[serde(borrow, default)]
    path: Option<Text<'a>>,
    #[serde(default)]
    set_as_default: Flag,
}

#[derive(Deserialize)]
struct CreatePolicyResp<'a> {
    #[serde(borrow, default)]
    policy: Option<PolicyOut<'a>>,
}

#[derive(Deserialize)]
struct PolicyOut<'a> {
    #[serde(borrow, default)]
    arn: Option<Text<'a>>,
}

/// What a matching call granted.
struct Grant {
    severity: Severity,
    summary: String,
    resources: Vec<String>,
}

/// The principal a request names: (`"user bob"`, its ARN).
fn grantee(req: &Req, account: &str) -> Option<(String, String)> {
    if let Some(u) = given(&req.user_name) {
        return Some((format!("user {u}"), user_arn(account, u)));
    }
    if let Some(r) = given(&req.role_name) {
        return Some((format!("role {r}"), role_arn(account, r)));
    }
    given(&req.group_name).map(|g| (format!("group {g}"), group_arn(account, g)))
}

fn is_admin_doc(req: &Req) -> bool {
    given(&req.policy_document).is_some_and(policy::is_admin_text)
}

fn attached(ev: &Event, req: &Req) -> Option<Grant> {
    let arn = given(&req.policy_arn).filter(|a| policy::is_admin_managed_policy(a))?;
    let (label, target) = grantee(req, ev.record.account())?;
    let name = short_name(arn);
    let summary = format!(
        "{} attached the AWS managed policy {name} to {label}, making it an administrator; unless the change \
         was approved, detach {name} from {label}, quarantine it and review what it did since",
        who(ev)
    );
    Some(Grant {
        severity: Severity::High,
        summary,
        resources: vec![target, arn.to_owned()],
    })
}

fn inline(ev: &Event, req: &Req) -> Option<Grant> {
    if !is_admin_doc(req) {
        return None;
    }
    let (label, target) = grantee(req, ev.record.account())?;
    let name = given(&req.policy_name).unwrap_or("(unnamed)");
    let summary = format!(
        "{} put inline policy {name} granting administrator rights (`*` or `iam:*` on every resource) on \
         {label}; unless the change was approved, delete inline policy {name}, quarantine {label} and review \
         what it did since",
        who(ev)
    );
    Some(Grant {
        severity: Severity::High,
        summary,
        resources: vec![target],
    })
}

fn new_version(ev: &Event, req: &Req) -> Option<Grant> {
    let arn = given(&req.policy_arn)?;
    if !is_admin_doc(req) {
        return None;
    }
    let (severity, summary) = if req.set_as_default.0 == Some(true) {
        let s = format!(
            "{} made an administrator document the default version of policy {arn}, so every principal it is \
             attached to is now an administrator; unless approved, restore the previous default version \
             (SetDefaultPolicyVersion), delete the new one and review who the policy is attached to",
            who(ev)
        );
        (Severity::High, s)
    } else {
        let s = format!(
            "{} added a non-default policy version granting administrator rights to policy {arn}, one \
             SetDefaultPolicyVersion call away from being live; unless approved, delete that version \
             (DeletePolicyVersion)",
            who(ev)
        );
        (Severity::Medium, s)
    };
    Some(Grant {
        severity,
        summary,
        resources: vec![arn.to_owned()],
    })
}

fn new_policy(ev: &Event, req: &Req) -> Option<Grant> {
    if !is_admin_doc(req) {
        return None;
    }
    let name = given(&req.policy_name).unwrap_or("(unnamed)");
    let from_response = ev
        .record
        .response::<CreatePolicyResp>()
        .and_then(|r| r.policy)
        .and_then(|p| p.arn);
    let arn = match from_response.filter(|a| !a.is_empty()) {
        Some(a) => a.as_str().to_owned(),
        None => format!(
            "arn:aws:iam::{}:policy{}{name}",
            ev.record.account(),
            given(&req.path).unwrap_or("/")
        ),
    };
    let summary = format!(
        "{} created customer managed policy {name} granting administrator rights (not attached yet); unless \
         approved, delete it and check for attachments of {arn}",
        who(ev)
    );
    Some(Grant {
        severity: Severity::Medium,
        summary,
        resources: vec![arn],
    })
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        if ev.record.source() != IAM {
            return;
        }
        let req: Req = ev.record.request().unwrap_or_default();
        let grant = match ev.name() {
            "AttachUserPolicy" | "AttachGroupPolicy" | "AttachRolePolicy" => attached(ev, &req),
            "PutUserPolicy" | "PutGroupPolicy" | "PutRolePolicy" => inline(ev, &req),
            "CreatePolicyVersion" => new_version(ev, &req),
            "CreatePolicy" => new_policy(ev, &req),
            _ => None,
        };
        if let Some(g) = grant {
            out.push(
                Finding::for_event(&META, ev, g.resources, g.summary).with_severity(g.severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::*;
    use super::*;

    fn run1(name: &str, req: &str) -> Vec<Finding> {
        run(
            &Rule,
            &by_alice(IAM, name, &format!(r#""requestParameters":{req}"#)),
            &Config::default(),
        )
    }

    #[test]
    fn group_attachment_and_not_action_inline() {
        let f = run1(
            "AttachGroupPolicy",
            r#"{"groupName":"ops","policyArn":"arn:aws:iam::aws:policy/IAMFullAccess"}"#,
        );
        assert_eq!(
            f[0].resources,
            vec![
                "arn:aws:iam::111122223333:group/ops",
                "arn:aws:iam::aws:policy/IAMFullAccess"
            ]
        );
        let doc =
            r#"{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"s3:*\",\"Resource\":\"*\"}]}"#;
        let f = run1(
            "PutGroupPolicy",
            &format!(r#"{{"groupName":"ops","policyName":"p","policyDocument":"{doc}"}}"#),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn policy_versions_by_default_flag() {
        let doc = r#"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}"#;
        let arn = "arn:aws:iam::111122223333:policy/app";
        let live = run1(
            "CreatePolicyVersion",
            &format!(r#"{{"policyArn":"{arn}","policyDocument":"{doc}","setAsDefault":true}}"#),
        );
        assert_eq!(
            (live[0].severity, live[0].resources.clone()),
            (Severity::High, vec![arn.to_owned()])
        );
        let dormant = run1(
            "CreatePolicyVersion",
            &format!(r#"{{"policyArn":"{arn}","policyDocument":"{doc}"}}"#),
        );
        assert_eq!(dormant[0].severity, Severity::Medium);
        let created = run1(
            "CreatePolicy",
            &format!(r#"{{"policyName":"x","path":"/ops/","policyDocument":"{doc}"}}"#),
        );
        assert_eq!(
            created[0].resources,
            vec!["arn:aws:iam::111122223333:policy/ops/x"]
        );
    }

    #[test]
    fn odd_requests_raise_nothing() {
        assert!(run1("AttachUserPolicy", "null").is_empty());
        assert!(run1(
            "AttachUserPolicy",
            r#"{"policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}"#
        )
        .is_empty());
        assert!(run1(
            "PutRolePolicy",
            r#"{"roleName":"r","policyDocument":"not json"}"#
        )
        .is_empty());
        assert!(run1("CreatePolicy", r#"{"policyName":"x","policyDocument":42}"#).is_empty());
    }
}
