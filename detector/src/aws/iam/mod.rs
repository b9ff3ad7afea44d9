//! The identity half of the inventory, fetched with as few calls as the IAM
//! API allows: `GetAccountAuthorizationDetails` (pages, not per principal),
//! the credential report (which users hold keys, certificates, MFA, a
//! password), the account-wide virtual MFA and service-specific credential
//! listings, then per-user calls only where the report shows something to
//! list (SSH public keys excepted: IAM has no account-wide listing for them).
//!
//! Layout: [`gaad`], [`report`], [`creds`] (per-user and account-wide
//! credential listings), [`account`] (password policy, summary, providers);
//! this file joins them into the [`Inventory`] and collects the gaps.

pub mod account;
pub mod creds;
pub mod gaad;
pub mod report;

use super::{merge_gaps, Aws, Gap, Progress};

/// How much to list per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Depth {
    /// What the posture rules need, with calls growing with pages, not users,
    /// wherever IAM allows: access keys come from the credential report (by
    /// creation time and last use, without their ids; users holding two keys
    /// are listed by id) and SSH public keys (which have no account-wide
    /// listing) are not listed.
    Audit,
    /// Everything, ids included (`snapshot`, `sweep`, `scan --deep`): one
    /// `ListAccessKeys` per user holding keys and one `ListSSHPublicKeys` per user.
    #[default]
    Full,
}
use crate::inventory::{Inventory, LoginProfile, User};
use std::collections::BTreeMap;

/// Fills the IAM part of `inv` (users, groups, roles, policies, providers,
/// password policy, account summary); every failed call lands in `inv.gaps`.
pub async fn inventory(aws: &Aws, inv: &mut Inventory, depth: Depth, progress: &dyn Progress) {
    // The account-wide service credential listing runs beside everything else
    // (its retries, if any, overlap the per-user phase).
    let (service, mut gaps) = tokio::join!(
        creds::service_credentials(aws),
        identities(aws, inv, depth, progress)
    );
    match service {
        Ok(mut by_user) => {
            for u in &mut inv.users {
                u.service_credentials = by_user.remove(&u.name).unwrap_or_default();
            }
        }
        Err(e) => gaps.push(Gap::from_error(
            e,
            "service-specific credentials (CodeCommit, Keyspaces, Bedrock ...) of every user",
        )),
    }
    inv.gaps.extend(merge_gaps(gaps));
}

/// Everything but the service-specific credentials; returns the gaps.
async fn identities(
    aws: &Aws,
    inv: &mut Inventory,
    depth: Depth,
    progress: &dyn Progress,
) -> Vec<Gap> {
    progress.stage("IAM: authorization details, credential report, account", 0);
    let (details, report, vmfa, policy, summary, saml, oidc) = tokio::join!(
        gaad::fetch(aws),
        report::fetch(aws),
        creds::virtual_mfa(aws),
        account::password_policy(aws),
        account::summary(aws),
        account::saml_providers(aws),
        account::oidc_providers(aws),
    );
    let mut gaps = Vec::new();
    let mut take = |missing: &str, e| gaps.push(Gap::from_error(e, missing));
    let report = report.unwrap_or_else(|e| {
        take("credential report: passwords, key last use and which users hold credentials (every user is asked one by one instead)", e);
        report::Report::new()
    });
    let details = details.unwrap_or_else(|e| {
        take("groups, roles, managed policies and the users' policies (users are taken from the credential report)", e);
        gaad::Details::default()
    });
    let vmfa = vmfa.unwrap_or_else(|e| {
        take(
            "virtual MFA devices (MFA is listed user by user instead)",
            e,
        );
        BTreeMap::new()
    });
    inv.password_policy = policy.unwrap_or_else(|e| {
        take("the account password policy", e);
        None
    });
    inv.account_summary = summary.unwrap_or_else(|e| {
        take("root MFA and root access keys (account summary)", e);
        Default::default()
    });
    providers(inv, saml, oidc, &mut gaps);
    let mut users = if details.users.is_empty() && !report.is_empty() {
        users_from_report(&report)
    } else {
        details.users
    };
    let report = (!report.is_empty()).then_some(report);
    let ctx = UsersCtx {
        report: report.as_ref(),
        vmfa: &vmfa,
        depth,
        progress,
    };
    users_creds(aws, &mut users, &ctx, &mut gaps).await;
    inv.users = users;
    inv.groups = details.groups;
    inv.roles = details.roles;
    inv.policies = details.policies;
    gaps
}

fn providers(
    inv: &mut Inventory,
    saml: Result<Vec<crate::inventory::Provider>, super::AwsError>,
    oidc: Result<(Vec<crate::inventory::Provider>, Vec<super::AwsError>), super::AwsError>,
    gaps: &mut Vec<Gap>,
) {
    match saml {
        Ok(p) => inv.providers.extend(p),
        Err(e) => gaps.push(Gap::from_error(e, "SAML identity providers")),
    }
    match oidc {
        Ok((p, errs)) => {
            inv.providers.extend(p);
            for e in errs {
                let arn = e.target.clone();
                gaps.push(Gap::from_error(
                    e,
                    format!("issuer, client ids and thumbprints of {arn}"),
                ));
            }
        }
        Err(e) => gaps.push(Gap::from_error(e, "OIDC identity providers")),
    }
}

/// Users known only from the report (authorization details failed).
fn users_from_report(report: &report::Report) -> Vec<User> {
    report
        .values()
        .filter(|r| !r.is_root())
        .map(|r| User {
            arn: r.arn.clone(),
            name: r.user.clone(),
            create_date: r.user_creation_time.unwrap_or_default(),
            ..User::default()
        })
        .collect()
}

/// Login profile, password use and MFA from the report, and the per-user listings.
struct UsersCtx<'a> {
    report: Option<&'a report::Report>,
    vmfa: &'a BTreeMap<String, Vec<crate::inventory::MfaDevice>>,
    depth: Depth,
    progress: &'a dyn Progress,
}

async fn users_creds(aws: &Aws, users: &mut [User], ctx: &UsersCtx<'_>, gaps: &mut Vec<Gap>) {
    let (report, vmfa, progress) = (ctx.report, ctx.vmfa, ctx.progress);
    progress.stage("IAM: user credentials", users.len() as u64);
    let jobs: Vec<(String, Option<&report::Row>, bool)> = users
        .iter()
        .map(|u| {
            let row = report.and_then(|r| r.get(&u.name));
            (u.name.clone(), row, vmfa.contains_key(&u.arn))
        })
        .collect();
    let fetched = aws
        .bounded(jobs, |(name, row, has)| async move {
            let c = creds::user_creds(aws, &name, row, has, ctx.depth).await;
            progress.inc(1);
            c
        })
        .await;
    for (u, c) in users.iter_mut().zip(fetched) {
        if let Some(lp) = c.login_profile {
            u.login_profile = lp;
        } else if let Some(row) = report.and_then(|r| r.get(&u.name)) {
            u.password_last_used = row.password_last_used;
            u.login_profile = row.password_enabled.then(|| LoginProfile {
                create_date: row
                    .password_last_changed
                    .or(row.user_creation_time)
                    .unwrap_or(u.create_date),
                password_reset_required: false,
            });
        }
        u.mfa_devices = vmfa.get(&u.arn).cloned().unwrap_or_default();
        for d in c.mfa_devices {
            if !u.mfa_devices.iter().any(|m| m.serial == d.serial) {
                u.mfa_devices.push(d);
            }
        }
        u.access_keys = c.access_keys;
        u.ssh_public_keys = c.ssh_public_keys;
        u.signing_certificates = c.signing_certificates;
        u.unread = c.unread.iter().map(|s| s.to_string()).collect();
        gaps.extend(c.gaps);
    }
}

#[cfg(test)]
mod tests;
