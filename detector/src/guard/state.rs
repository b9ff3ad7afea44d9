//! The observed state of a target, as the AWS seam reads it: everything a
//! quarantine changes, so a plan can skip what is already in effect and a
//! release can tell whether someone changed it since. Serialisable: the
//! journal keeps the state seen before the first step.

use crate::record::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// An access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyState {
    pub id: String,
    /// `Active` or `Inactive`, as IAM spells it.
    pub status: String,
    pub created: Timestamp,
}

impl KeyState {
    pub fn is_active(&self) -> bool {
        self.status == "Active"
    }
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UserState {
    pub arn: String,
    pub name: String,
    pub keys: Vec<KeyState>,
    /// The console password, with its reset flag; `None`: no console access.
    pub login_profile: Option<LoginState>,
    /// The document of the `trailguard-quarantine` inline policy, if any.
    pub policy: Option<Value>,
    pub tags: BTreeMap<String, String>,
}

/// A console password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginState {
    pub password_reset_required: bool,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RoleState {
    pub arn: String,
    pub name: String,
    pub path: String,
    /// The document of the `trailguard-quarantine` inline policy, if any.
    pub policy: Option<Value>,
    pub tags: BTreeMap<String, String>,
}

/// A network interface of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EniState {
    pub id: String,
    pub vpc_id: String,
    /// Security group ids, as attached.
    pub groups: Vec<String>,
}

/// One security group permission (a rule), as the EC2 API takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Permission {
    /// `-1` for all traffic, `tcp`, `udp`, `icmp` ...
    pub ip_protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv4: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_lists: Vec<String>,
}

impl Permission {
    /// All traffic to or from `cidr` (IPv4 or IPv6).
    pub fn all_traffic(cidr: &str) -> Permission {
        let mut p = Permission {
            ip_protocol: "-1".into(),
            ..Permission::default()
        };
        if cidr.contains(':') {
            p.ipv6.push(cidr.into());
        } else {
            p.ipv4.push(cidr.into());
        }
        p
    }
}

/// The isolation group of one VPC as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IsolationGroup {
    /// `None`: the VPC has none yet.
    pub id: Option<String>,
    pub ingress: Vec<Permission>,
    pub egress: Vec<Permission>,
    /// The VPC has an IPv6 block (a new group then gets a `::/0` egress rule too).
    pub vpc_ipv6: bool,
}

/// An EC2 instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct InstanceState {
    pub id: String,
    pub region: String,
    pub arn: String,
    /// `running`, `stopped` ...
    pub state: String,
    pub enis: Vec<EniState>,
    pub termination_protection: bool,
    pub stop_protection: bool,
    /// EBS volume ids attached.
    pub volumes: Vec<String>,
    /// Volumes that already have a forensic snapshot of this quarantine.
    pub snapshotted: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// The isolation group of each VPC the instance's interfaces are in.
    pub isolation: BTreeMap<String, IsolationGroup>,
}

/// What was observed of a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observed {
    /// A user (also for an access key target: the key's owner).
    User(UserState),
    Role(RoleState),
    Instance(InstanceState),
}

impl Observed {
    pub fn arn(&self) -> &str {
        match self {
            Observed::User(u) => &u.arn,
            Observed::Role(r) => &r.arn,
            Observed::Instance(i) => &i.arn,
        }
    }
}
