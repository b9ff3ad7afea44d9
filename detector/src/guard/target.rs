//! What to quarantine: an IAM user or role ARN (an assumed-role session ARN
//! means its role), an access key id, an EC2 instance ARN or a bare instance
//! id; also the things trailguard recognises only to refuse them (root, AWS
//! service principals, temporary STS keys).

use serde::{Deserialize, Serialize};

/// A quarantine target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    User {
        partition: String,
        account: String,
        /// `/` or `/path/`.
        path: String,
        name: String,
    },
    Role {
        partition: String,
        account: String,
        /// `/` or `/path/`; from a session ARN the path is unknown (`/`)
        /// until the role is read.
        path: String,
        name: String,
        /// The session name when given an assumed-role session ARN.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session: Option<String>,
    },
    /// A long-term (`AKIA`) or temporary (`ASIA`) access key id.
    AccessKey {
        id: String,
    },
    Instance {
        partition: String,
        region: String,
        /// Empty for a bare instance id until the caller's account fills it.
        account: String,
        id: String,
    },
    Root {
        partition: String,
        account: String,
    },
    /// `ec2.amazonaws.com` and the like.
    ServicePrincipal {
        name: String,
    },
}

/// Why an input names no target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("{0:?} is not an IAM user or role ARN, an assumed-role session ARN, an access key id or an EC2 instance (arn:aws:ec2:REGION:ACCOUNT:instance/i-..., or i-... with --region)")]
    Unrecognised(String),
    #[error("{input:?}: {why}")]
    Unsupported { input: String, why: String },
    #[error("{0:?} is a bare instance id: give --region (or an instance ARN)")]
    NoRegion(String),
}

fn unsupported(input: &str, why: &str) -> TargetError {
    TargetError::Unsupported {
        input: input.to_owned(),
        why: why.to_owned(),
    }
}

impl Target {
    /// Parses a target; `region` is used for a bare instance id.
    pub fn parse(input: &str, region: Option<&str>) -> Result<Target, TargetError> {
        let s = input.trim();
        if is_access_key_id(s) {
            return Ok(Target::AccessKey { id: s.to_owned() });
        }
        if is_instance_id(s) {
            let region = region
                .filter(|r| !r.is_empty())
                .ok_or_else(|| TargetError::NoRegion(s.to_owned()))?;
            return Ok(Target::Instance {
                partition: "aws".into(),
                region: region.to_owned(),
                account: String::new(),
                id: s.to_owned(),
            });
        }
        if is_service_principal(s) {
            return Ok(Target::ServicePrincipal { name: s.to_owned() });
        }
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Target::Root {
                partition: "aws".into(),
                account: s.to_owned(),
            });
        }
        parse_arn(s)
    }

    /// The target as one canonical string: the IAM ARN of a user or role
    /// (for a session: its role), the key id, the instance ARN.
    pub fn arn(&self) -> String {
        match self {
            Target::User {
                partition,
                account,
                path,
                name,
            } => format!("arn:{partition}:iam::{account}:user{path}{name}"),
            Target::Role {
                partition,
                account,
                path,
                name,
                ..
            } => format!("arn:{partition}:iam::{account}:role{path}{name}"),
            Target::AccessKey { id } => id.clone(),
            Target::Instance {
                partition,
                region,
                account,
                id,
            } => format!("arn:{partition}:ec2:{region}:{account}:instance/{id}"),
            Target::Root { partition, account } => format!("arn:{partition}:iam::{account}:root"),
            Target::ServicePrincipal { name } => name.clone(),
        }
    }

    /// A short description for messages: `user alice`, `instance i-0abc`.
    pub fn label(&self) -> String {
        match self {
            Target::User { name, .. } => format!("user {name}"),
            Target::Role {
                name,
                session: Some(s),
                ..
            } => format!("role {name} (session {s})"),
            Target::Role { name, .. } => format!("role {name}"),
            Target::AccessKey { id } => format!("access key {id}"),
            Target::Instance { id, .. } => format!("instance {id}"),
            Target::Root { account, .. } => format!("the root user of {account}"),
            Target::ServicePrincipal { name } => format!("service principal {name}"),
        }
    }
}

/// `AKIA`/`ASIA` (or other IAM key prefixes) and 16 to 124 upper-case letters or digits.
pub fn is_access_key_id(s: &str) -> bool {
    (16..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && ["AKIA", "ASIA", "ABIA", "ACCA"]
            .iter()
            .any(|p| s.starts_with(p))
}

/// `i-` and 8 or 17 hexadecimal digits.
pub fn is_instance_id(s: &str) -> bool {
    s.strip_prefix("i-").is_some_and(|h| {
        (h.len() == 8 || h.len() == 17) && h.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn is_service_principal(s: &str) -> bool {
    !s.starts_with("arn:")
        && (s.ends_with(".amazonaws.com") || s.ends_with(".amazonaws.com.cn"))
        && !s.contains('/')
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
fn parse_arn(s: &str) -> Result<Target, TargetError> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else {
        return Err(TargetError::Unrecognised(s.to_owned()));
    };
    if arn != "arn" || partition.is_empty() || resource.is_empty() {
        return Err(TargetError::Unrecognised(s.to_owned()));
    }
    let (p, a) = (partition.to_owned(), account.to_owned());
    if account == "aws" {
        return Err(unsupported(
            s,
            "an AWS-owned resource (managed policy or service), not an identity of your account",
        ));
    }
    match service {
        "iam" => iam_resource(s, p, a, resource),
        "sts" => sts_resource(s, p, a, resource),
        "ec2" => {
            let id = resource
                .strip_prefix("instance/")
                .filter(|id| is_instance_id(id))
                .ok_or_else(|| unsupported(s, "only EC2 instances can be quarantined"))?;
            if region.is_empty() {
                return Err(TargetError::NoRegion(s.to_owned()));
            }
            Ok(Target::Instance {
                partition: p,
                region: region.to_owned(),
                account: a,
                id: id.to_owned(),
            })
        }
        _ => Err(TargetError::Unrecognised(s.to_owned())),
    }
}

/// `user/path/NAME`, `role/path/NAME`, `root`.
fn iam_resource(
    s: &str,
    partition: String,
    account: String,
    resource: &str,
) -> Result<Target, TargetError> {
    if resource == "root" {
        return Ok(Target::Root { partition, account });
    }
    let (kind, rest) = resource
        .split_once('/')
        .ok_or_else(|| TargetError::Unrecognised(s.to_owned()))?;
    let (path, name) = split_path(rest).ok_or_else(|| TargetError::Unrecognised(s.to_owned()))?;
    match kind {
        "user" => Ok(Target::User {
            partition,
            account,
            path,
            name,
        }),
        "role" => Ok(Target::Role {
            partition,
            account,
            path,
            name,
            session: None,
        }),
        "group" => Err(unsupported(
            s,
            "a group holds no credentials: quarantine its members (users) instead",
        )),
        _ => Err(unsupported(
            s,
            "only IAM users, roles and access keys can be quarantined",
        )),
    }
}

/// `assumed-role/NAME/SESSION`; `federated-user/NAME` is refused;
/// `user/NAME` (what some emulators answer for an IAM user) is the user.
fn sts_resource(
    s: &str,
    partition: String,
    account: String,
    resource: &str,
) -> Result<Target, TargetError> {
    if let Some(rest) = resource.strip_prefix("assumed-role/") {
        let (name, session) = rest
            .split_once('/')
            .filter(|(n, x)| !n.is_empty() && !x.is_empty())
            .ok_or_else(|| TargetError::Unrecognised(s.to_owned()))?;
        return Ok(Target::Role {
            partition,
            account,
            path: "/".into(),
            name: name.to_owned(),
            session: Some(session.to_owned()),
        });
    }
    if resource.starts_with("federated-user/") {
        return Err(unsupported(
            s,
            "a federated-user session belongs to the IAM user that called GetFederationToken: \
             quarantine that user (CloudTrail's sessionIssuer names it)",
        ));
    }
    match resource.strip_prefix("user/") {
        Some(name) if !name.is_empty() && !name.contains('/') => Ok(Target::User {
            partition,
            account,
            path: "/".into(),
            name: name.to_owned(),
        }),
        _ => Err(TargetError::Unrecognised(s.to_owned())),
    }
}

/// `path/to/NAME` into (`/path/to/`, `NAME`).
fn split_path(rest: &str) -> Option<(String, String)> {
    let (path, name) = match rest.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n),
        None => ("/".to_owned(), rest),
    };
    (!name.is_empty() && !path.contains("//")).then(|| (path, name.to_owned()))
}

/// The (account, kind, name) of a principal ARN, the way IAM identifies it:
/// an assumed-role session is its role, and paths do not matter (names are
/// unique per account). `None` for anything else.
pub fn principal_key(arn: &str) -> Option<(String, &'static str, String)> {
    match Target::parse(arn, None).ok()? {
        Target::User { account, name, .. } => Some((account, "user", name)),
        Target::Role { account, name, .. } => Some((account, "role", name)),
        Target::Root { account, .. } => Some((account, "root", String::new())),
        _ => None,
    }
}

#[cfg(test)]
#[path = "target_tests.rs"]
mod tests;
