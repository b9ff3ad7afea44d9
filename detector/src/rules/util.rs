//! Small helpers shared by rules: ARNs from names, request fields.

use crate::config::Config;
use crate::record::{Actor, ActorKind, Event, Text};
use serde::Deserialize;

/// Why trailguard never quarantines this actor (root, break-glass, protected),
/// or `None` when it may. The engine downgrades such findings to `alert`; the
/// summary must not tell the responder to freeze them either.
pub fn untouchable(cfg: &Config, actor: &Actor) -> Option<&'static str> {
    let arn = actor.arn.as_deref().unwrap_or("");
    if actor.kind == ActorKind::Root || arn.ends_with(":root") {
        Some("the root user")
    } else if cfg.is_break_glass(arn) {
        Some("a break-glass identity")
    } else if cfg.is_protected(arn) {
        Some("a protected identity")
    } else {
        None
    }
}

/// The advice to contain the acting principal, named `who` in the summary:
/// `quarantine {who}`, or for an identity that is never quarantined, what to do instead.
pub fn contain(cfg: &Config, actor: &Actor, who: &str) -> String {
    match untouchable(cfg, actor) {
        None => format!("quarantine {who}"),
        Some(kind) => format!(
            "check with the custodian of {who} ({kind}: never quarantined; rotate its credentials if unexplained)"
        ),
    }
}

/// `arn:aws:iam::ACCOUNT:user/NAME`.
pub fn user_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

/// `arn:aws:iam::ACCOUNT:role/NAME`.
pub fn role_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

/// `arn:aws:iam::ACCOUNT:group/NAME`.
pub fn group_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:group/{name}")
}

/// Common IAM request fields naming the principal acted on.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IamTarget<'a> {
    #[serde(borrow, default)]
    pub user_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub role_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub group_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub policy_arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub policy_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub policy_document: Option<Text<'a>>,
}

impl IamTarget<'_> {
    /// The user, role or group named, as an ARN in `account`.
    pub fn principal_arn(&self, account: &str) -> Option<String> {
        let nonempty = |t: &Option<Text>| {
            t.as_ref()
                .filter(|t| !t.is_empty())
                .map(|t| t.as_str().to_owned())
        };
        if let Some(u) = nonempty(&self.user_name) {
            return Some(user_arn(account, &u));
        }
        if let Some(r) = nonempty(&self.role_name) {
            return Some(role_arn(account, &r));
        }
        nonempty(&self.group_name).map(|g| group_arn(account, &g))
    }
}

/// The request's IAM target fields (empty when absent).
pub fn iam_target<'a>(ev: &Event<'_, 'a>) -> IamTarget<'a> {
    ev.record.request().unwrap_or_default()
}

/// The user name an IAM call acts on, or the caller's own name when the request
/// names none (IAM defaults `userName` to the caller).
pub fn target_user_or_self(ev: &Event) -> Option<String> {
    let t = iam_target(ev);
    match t.user_name.as_ref().filter(|u| !u.is_empty()) {
        Some(u) => Some(u.as_str().to_owned()),
        None => ev.actor().name().map(str::to_owned),
    }
}

/// Instance ids in an EC2 request's `instancesSet.items[].instanceId`
/// (TerminateInstances, StopInstances, ...).
pub fn instance_ids(ev: &Event) -> Vec<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Req {
        #[serde(default)]
        instances_set: Option<Items>,
    }
    #[derive(Deserialize)]
    struct Items {
        #[serde(default)]
        items: Vec<Item>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        #[serde(default)]
        instance_id: Option<String>,
    }
    let mut ids: Vec<String> = ev
        .record
        .request::<Req>()
        .and_then(|r| r.instances_set)
        .map(|s| s.items.into_iter().filter_map(|i| i.instance_id).collect())
        .unwrap_or_default();
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod contain_tests {
    use super::*;

    fn actor(kind: ActorKind, arn: &str) -> Actor {
        Actor {
            kind,
            ..crate::finding::principal_actor(arn, kind)
        }
    }

    #[test]
    fn break_glass_root_and_protected_are_not_told_to_be_quarantined() {
        let cfg = Config::parse(
            "[principals]\nbreak_glass = [\"arn:aws:iam::111122223333:user/bg\"]\nprotected = [\"arn:aws:iam::111122223333:role/sec\"]",
        )
        .unwrap();
        let bg = actor(ActorKind::IAMUser, "arn:aws:iam::111122223333:user/bg");
        let sec = actor(ActorKind::AssumedRole, "arn:aws:iam::111122223333:role/sec");
        let root = actor(ActorKind::Root, "arn:aws:iam::111122223333:root");
        let bob = actor(ActorKind::IAMUser, "arn:aws:iam::111122223333:user/bob");
        for (a, kind) in [(&bg, "break-glass"), (&sec, "protected"), (&root, "root")] {
            let text = contain(&cfg, a, "X");
            assert!(!text.starts_with("quarantine"), "{text}");
            assert!(text.contains(kind), "{text}");
        }
        assert_eq!(contain(&cfg, &bob, "bob"), "quarantine bob");
    }
}
