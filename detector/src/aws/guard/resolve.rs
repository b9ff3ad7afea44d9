//! From what the user typed to what the guard acts on: the parsed target
//! with its full ARN (a role's path, an access key's owner), its observed
//! state, its journal key, and the refusals checked before and after the
//! lookup (a path or an owner can make a target untouchable).

use super::{observe, GuardError};
use crate::aws::{Aws, Identity};
use crate::guard::refuse::{self, Refusal};
use crate::guard::state::Observed;
use crate::guard::target::Target;
use crate::guard::POLICY_NAME;
use crate::Config;

/// A target read from AWS.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// With its full ARN once known (role path).
    pub target: Target,
    pub observed: Observed,
    /// The journal key: the principal's or instance's ARN, or the key id.
    pub key: String,
    /// The region of EC2 calls (the instance's, else the home region).
    pub region: String,
}

/// Parses, refuses (when `cfg` is given: quarantine, not release) and observes `input`.
pub async fn resolve(
    aws: &Aws,
    cfg: Option<&Config>,
    who: &Identity,
    input: &str,
    region: Option<&str>,
) -> Result<Resolved, GuardError> {
    let home = region.unwrap_or(aws.region()).to_owned();
    let mut target = Target::parse(input, Some(&home))?;
    if let Target::Instance { account, .. } = &mut target {
        if account.is_empty() {
            account.clone_from(&who.account);
        }
    }
    let check = |t: &Target, subject: &str| match cfg {
        Some(c) => refuse::check_as(c, &who.arn, t, subject),
        None => Ok(()),
    };
    check(&target, &target.label())?;
    match target.clone() {
        Target::User { name, .. } => {
            let u = observe::user(aws, &name, POLICY_NAME).await?;
            let full = Target::parse(&u.arn, None).unwrap_or(target);
            check(&full, &full.label())?;
            Ok(resolved(full, u.arn.clone(), Observed::User(u), home))
        }
        Target::Role { session, .. } => role(aws, target, session, &home, &check).await,
        Target::AccessKey { id } => key(aws, &id, &home, &check).await,
        Target::Instance { region, id, .. } => {
            let arn = target.arn();
            let i = observe::instance(aws, &region, &id, &arn).await?;
            Ok(resolved(target, arn, Observed::Instance(i), region))
        }
        Target::Root { .. } => Err(Refusal::Root(target.label()).into()),
        Target::ServicePrincipal { .. } => Err(Refusal::ServicePrincipal(target.label()).into()),
    }
}

fn resolved(target: Target, key: String, observed: Observed, region: String) -> Resolved {
    Resolved {
        target,
        observed,
        key,
        region,
    }
}

async fn role(
    aws: &Aws,
    target: Target,
    session: Option<String>,
    home: &str,
    check: &impl Fn(&Target, &str) -> Result<(), Refusal>,
) -> Result<Resolved, GuardError> {
    let Target::Role { name, .. } = &target else {
        return Err(GuardError::NotFound(target.label()));
    };
    let r = observe::role(aws, name, POLICY_NAME).await?;
    let full = match Target::parse(&r.arn, None) {
        Ok(Target::Role {
            partition,
            account,
            path,
            name,
            ..
        }) => Target::Role {
            partition,
            account,
            path,
            name,
            session,
        },
        _ => target,
    };
    check(&full, &full.label())?;
    Ok(resolved(
        full,
        r.arn.clone(),
        Observed::Role(r),
        home.to_owned(),
    ))
}

async fn key(
    aws: &Aws,
    id: &str,
    home: &str,
    check: &impl Fn(&Target, &str) -> Result<(), Refusal>,
) -> Result<Resolved, GuardError> {
    let owner = observe::key_owner(aws, id).await?;
    let subject = format!("access key {id} of user {owner}");
    let u = match observe::user(aws, &owner, POLICY_NAME).await {
        Ok(u) => u,
        // Root's keys name no IAM user.
        Err(GuardError::NotFound(_)) if owner == "root" || owner.is_empty() => {
            return Err(Refusal::Root(format!("access key {id} of the root user")).into())
        }
        Err(e) => return Err(e),
    };
    if let Ok(owner_target) = Target::parse(&u.arn, None) {
        check(&owner_target, &subject)?;
    }
    if !u.keys.iter().any(|k| k.id == id) {
        return Err(GuardError::NotFound(format!(
            "{subject} is not listed among the user's keys"
        )));
    }
    let target = Target::AccessKey { id: id.to_owned() };
    Ok(resolved(
        target,
        id.to_owned(),
        Observed::User(u),
        home.to_owned(),
    ))
}
