//! An IAM user giving itself a console password: `CreateLoginProfile` called by
//! an IAM user for itself (`requestParameters.userName` equal to its own name,
//! ignoring case, or absent, which IAM reads as the caller). Only a user without
//! a console password can do this, so the caller is a key-only identity: usually
//! automation, or a stolen access key turning itself into a console login.
//!
//! Not caught: `UpdateLoginProfile` or `ChangePassword` for oneself (an ordinary
//! password change), and `CreateLoginProfile` for another user (that is
//! `iam-login-profile-for-other-user`). Role sessions, root and federated users
//! are never "self" here.
//!
//! Fixtures: `fixtures/rules/iam-console-access-added-to-self/` (positives: a
//! service user's key creating its own login profile, with and without
//! `userName`; negatives: a user updating its own password, `ChangePassword`,
//! and a password created for another user).

use super::common::{other_user, IAM};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{ActorKind, Event, Text};
use crate::rules::util::{contain, user_arn};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "iam-console-access-added-to-self",
    title: "IAM user gave itself a console password",
    severity: Severity::Medium,
    mitre: &["T1098", "T1078.004"],
    description: "An IAM user without console access created a console password for itself with \
                  CreateLoginProfile. Such users are usually automation; an attacker holding a \
                  stolen access key does this to get a console login that outlives the key.",
    remediation: "Ask the user's owner whether a person needs console access for it. If not: \
                  delete the login profile, rotate the user's access keys, and review its \
                  console sign-ins and actions since.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["CreateLoginProfile"],
    about_failures: false,
};

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    user_name: Option<Text<'a>>,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != IAM || r.name() != "CreateLoginProfile" {
            return;
        }
        let actor = ev.actor();
        if actor.kind != ActorKind::IAMUser {
            return;
        }
        let Some(me) = actor.name() else {
            return;
        };
        let req: Req = r.request().unwrap_or_default();
        if other_user(ev, &req.user_name).is_some() {
            return;
        }
        let key = actor
            .access_key_id
            .as_deref()
            .filter(|k| !k.is_empty())
            .map(|k| format!(" with access key {k}"))
            .unwrap_or_default();
        let summary = format!(
            "IAM user {me}{key} created a console password for itself; unless its owner meant a \
             person to sign in as it, delete the login profile (aws iam delete-login-profile \
             --user-name {me}), {} and review its console sign-ins since",
            contain(cfg, actor, "the user")
        );
        let arn = user_arn(r.account(), me);
        out.push(Finding::for_event(&META, ev, vec![arn], summary));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::*;
    use super::*;

    #[test]
    fn self_in_any_case_or_absent_is_caught_others_are_not() {
        let cfg = Config::default();
        for req in [
            r#"{"userName":"alice"}"#,
            r#"{"userName":"ALICE"}"#,
            "{}",
            "null",
        ] {
            let json = by_alice(
                IAM,
                "CreateLoginProfile",
                &format!(r#""requestParameters":{req}"#),
            );
            assert_eq!(run(&Rule, &json, &cfg).len(), 1, "{req}");
        }
        let other = by_alice(
            IAM,
            "CreateLoginProfile",
            r#""requestParameters":{"userName":"bob"}"#,
        );
        assert!(run(&Rule, &other, &cfg).is_empty());
        let update = by_alice(
            IAM,
            "UpdateLoginProfile",
            r#""requestParameters":{"userName":"alice"}"#,
        );
        assert!(run(&Rule, &update, &cfg).is_empty());
    }

    #[test]
    fn role_sessions_and_root_are_never_self() {
        let cfg = Config::default();
        for who in [ROLE_SESSION, ROOT] {
            let json = by(
                who,
                IAM,
                "CreateLoginProfile",
                r#""requestParameters":{"userName":"alice"}"#,
            );
            assert!(run(&Rule, &json, &cfg).is_empty());
            let json = by(who, IAM, "CreateLoginProfile", r#""requestParameters":{}"#);
            assert!(run(&Rule, &json, &cfg).is_empty());
        }
    }
}
