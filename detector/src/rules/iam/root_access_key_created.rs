//! An access key created for the root user: a long-lived credential with
//! unrestricted power that no IAM policy can limit (CIS AWS Foundations 1.4:
//! the root user has no access keys). After a root takeover it is how the
//! attacker keeps programmatic access.
//!
//! Catches `CreateAccessKey` by the root user (`userIdentity.type` `Root`) with
//! no `userName` in the request: the key is root's own. Root creating a key for
//! an IAM user names that user and is `iam-access-key-for-other-user`.
//!
//! Resources: the root ARN and the new access key id.
//!
//! Fixtures: `fixtures/rules/root-access-key-created/` (positive: root creating
//! its own key from the console; negative: root creating a key for an IAM user).

use super::access_key_for_other_user::new_key_id;
use super::common::{given, IAM};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{ActorKind, Event, Text};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "root-access-key-created",
    title: "Access key created for the root user",
    severity: Severity::Critical,
    mitre: &["T1098.001"],
    description: "The root user created an access key for itself. Root keys cannot be restricted by \
                  IAM policies or permission boundaries; the benchmark is that none exist. An \
                  attacker who took over root creates one to keep programmatic access.",
    remediation: "Deactivate and delete the key now (root sign-in, Security credentials). Then treat \
                  root as compromised until shown otherwise: reset the root password, re-enrol root \
                  MFA, and review every call made with the key.",
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

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        if ev.record.source() != IAM || ev.actor().kind != ActorKind::Root {
            return;
        }
        let req: Req = ev.record.request().unwrap_or_default();
        if given(&req.user_name).is_some() {
            return;
        }
        let account = ev.record.account();
        let key = new_key_id(ev);
        let summary = format!(
            "the root user of account {account} created root access key {} from {}; delete the key now and, unless \
             its custodian did this, reset the root password and re-enrol root MFA",
            key.as_deref().unwrap_or("(id not recorded)"),
            ev.actor().source_ip.as_deref().unwrap_or("an unknown address")
        );
        let resources = std::iter::once(format!("arn:aws:iam::{account}:root"))
            .chain(key)
            .collect();
        out.push(Finding::for_event(&META, ev, resources, summary));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::*;
    use super::*;

    #[test]
    fn only_root_for_itself() {
        let own = r#""requestParameters":null,"responseElements":{"accessKey":{"accessKeyId":"AKIAEXAMPLEROOTKEY1","status":"Active"}}"#;
        let f = run(
            &Rule,
            &by(ROOT, IAM, "CreateAccessKey", own),
            &Config::default(),
        );
        assert_eq!(
            f[0].resources,
            vec!["arn:aws:iam::111122223333:root", "AKIAEXAMPLEROOTKEY1"]
        );
        assert!(run(
            &Rule,
            &by_alice(IAM, "CreateAccessKey", own),
            &Config::default()
        )
        .is_empty());
        let empty_name = r#""requestParameters":{"userName":""}"#;
        assert_eq!(
            run(
                &Rule,
                &by(ROOT, IAM, "CreateAccessKey", empty_name),
                &Config::default()
            )
            .len(),
            1
        );
    }
}
