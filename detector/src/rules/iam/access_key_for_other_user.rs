//! An access key created for somebody else: the classic IAM backdoor (Stratus
//! `iam-backdoor-user`, `iam-create-admin-user`). Whoever created the key holds
//! its secret, so the target user's rights are now theirs.
//!
//! Catches `CreateAccessKey` whose `requestParameters.userName` names a user
//! other than the caller: an IAM user naming another user (names compared
//! without case, as IAM does), or any explicit `userName` from a role session,
//! federated user, Identity Center user or root (none of them is that user; see
//! [`super::common::other_user`]). A user creating its own key (no `userName`,
//! or its own) is not caught; root creating its own key is
//! `root-access-key-created`.
//!
//! Resources: the target user's ARN and the new access key id
//! (`responseElements.accessKey.accessKeyId`).
//!
//! Fixtures: `fixtures/rules/iam-access-key-for-other-user/` (positives: a user
//! keying another user, a role session keying a user; negatives: users creating
//! their own key with and without `userName`).

use super::common::{other_user, who, IAM};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Text};
use crate::rules::util::{contain, user_arn};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "iam-access-key-for-other-user",
    title: "Access key created for another IAM user",
    severity: Severity::High,
    mitre: &["T1098.001"],
    description: "A principal created an access key for an IAM user other than itself. The creator \
                  receives the secret, so it can act as that user from anywhere until the key is \
                  deleted: a common way to keep access after the first credential is revoked.",
    remediation: "Ask the target user's owner whether they requested the key. If not: deactivate and \
                  delete the new key, quarantine the creator, and review the target user's activity \
                  with that key id.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["CreateAccessKey"],
    about_failures: false,
};

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    user_name: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resp<'a> {
    #[serde(borrow, default)]
    access_key: Option<Key<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Key<'a> {
    #[serde(borrow, default)]
    access_key_id: Option<Text<'a>>,
}

/// `responseElements.accessKey.accessKeyId` of a `CreateAccessKey` record.
pub(super) fn new_key_id(ev: &Event) -> Option<String> {
    let key = ev.record.response::<Resp>()?.access_key?.access_key_id?;
    (!key.is_empty()).then(|| key.as_str().to_owned())
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        if ev.record.source() != IAM {
            return;
        }
        let req: Req = ev.record.request().unwrap_or_default();
        let Some(target) = other_user(ev, &req.user_name) else {
            return;
        };
        let mut resources = vec![user_arn(ev.record.account(), target)];
        let key = new_key_id(ev);
        resources.extend(key.clone());
        let key = key
            .map(|k| format!("access key {k}"))
            .unwrap_or_else(|| "an access key".to_owned());
        let summary = format!(
            "{} created {key} for IAM user {target}; unless the user's owner requested it, deactivate and delete the \
             key and {}",
            who(ev),
            contain(cfg, ev.actor(), "the creator")
        );
        out.push(Finding::for_event(&META, ev, resources, summary));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::*;
    use super::*;

    #[test]
    fn root_naming_a_user_is_other_and_missing_response_is_tolerated() {
        let json = by(
            ROOT,
            IAM,
            "CreateAccessKey",
            r#""requestParameters":{"userName":"tracy"},"responseElements":null"#,
        );
        let f = run(&Rule, &json, &Config::default());
        assert_eq!(f[0].resources, vec!["arn:aws:iam::111122223333:user/tracy"]);
        assert!(f[0]
            .summary
            .contains("created an access key for IAM user tracy"));
    }

    #[test]
    fn same_name_in_other_case_is_self() {
        let json = by_alice(
            IAM,
            "CreateAccessKey",
            r#""requestParameters":{"userName":"ALICE"}"#,
        );
        assert!(run(&Rule, &json, &Config::default()).is_empty());
    }
}
