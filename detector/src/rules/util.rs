//! Small helpers shared by rules: ARNs from names, request fields.

use crate::record::{Event, Text};
use serde::Deserialize;

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
