//! Per-user credentials: access keys, MFA devices, SSH public keys and
//! signing certificates (one call each per user that the credential report
//! shows to hold one; SSH keys have no account-wide listing, so every user
//! is asked), plus the account-wide listings: virtual MFA devices and
//! service-specific credentials (`AllUsers`).
//!
//! Each failed call becomes a [`Gap`] naming the user and what is missing.

use super::report::Row;
use super::Depth;
use crate::aws::{opt_secs, secs, Aws, AwsError, Gap};
use crate::inventory::{
    AccessKey, LoginProfile, MfaDevice, MfaKind, ServiceCredential, SigningCertificate,
    SshPublicKey, Status,
};
use aws_sdk_iam::types::StatusType;
use std::collections::BTreeMap;

fn status(s: Option<&StatusType>) -> Status {
    match s {
        Some(StatusType::Inactive) => Status::Inactive,
        _ => Status::Active,
    }
}

/// Virtual MFA devices assigned to users, by user ARN.
pub async fn virtual_mfa(aws: &Aws) -> Result<BTreeMap<String, Vec<MfaDevice>>, AwsError> {
    let mut pages = aws
        .iam()
        .list_virtual_mfa_devices()
        .assignment_status(aws_sdk_iam::types::AssignmentStatusType::Assigned)
        .into_paginator()
        .send();
    let mut out: BTreeMap<String, Vec<MfaDevice>> = BTreeMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("iam:ListVirtualMFADevices", "", &e))?;
        for d in page.virtual_mfa_devices() {
            let Some(user) = d.user() else { continue };
            out.entry(user.arn().to_owned())
                .or_default()
                .push(MfaDevice {
                    serial: d.serial_number().to_owned(),
                    kind: MfaKind::Virtual,
                    enable_date: opt_secs(d.enable_date()).unwrap_or_default(),
                });
        }
    }
    Ok(out)
}

/// Service-specific credentials of every user (`AllUsers`), by user name.
pub async fn service_credentials(
    aws: &Aws,
) -> Result<BTreeMap<String, Vec<ServiceCredential>>, AwsError> {
    let iam = aws.iam();
    let mut out: BTreeMap<String, Vec<ServiceCredential>> = BTreeMap::new();
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .list_service_specific_credentials()
            .all_users(true)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| AwsError::call("iam:ListServiceSpecificCredentials", "all users", &e))?;
        for c in page.service_specific_credentials() {
            out.entry(c.user_name().to_owned())
                .or_default()
                .push(ServiceCredential {
                    id: c.service_specific_credential_id().to_owned(),
                    service_name: c.service_name().to_owned(),
                    service_user_name: c.service_user_name().to_owned(),
                    status: status(Some(c.status())),
                    create_date: secs(c.create_date()),
                });
        }
        match page.marker() {
            Some(m) if page.is_truncated() && !m.is_empty() => marker = Some(m.to_owned()),
            _ => return Ok(out),
        }
    }
}

/// The credentials of one user that need a per-user call.
#[derive(Debug, Default)]
pub struct UserCreds {
    pub access_keys: Vec<AccessKey>,
    pub mfa_devices: Vec<MfaDevice>,
    pub ssh_public_keys: Vec<SshPublicKey>,
    pub signing_certificates: Vec<SigningCertificate>,
    /// Asked only without a report row: `Some(None)` = no console password.
    pub login_profile: Option<Option<LoginProfile>>,
    /// What could not be read (see `inventory::User::unread`).
    pub unread: Vec<&'static str>,
    pub gaps: Vec<Gap>,
}

/// Which per-user listings to make, from the user's report row (`None`: no
/// report, so everything is listed).
pub fn wanted(row: Option<&Row>, has_virtual_mfa: bool) -> (bool, bool, bool) {
    match row {
        None => (true, true, true),
        Some(r) => (
            r.keys.iter().any(|k| k.present()),
            r.mfa_active && !has_virtual_mfa,
            r.certs.iter().any(|c| c.present()),
        ),
    }
}

/// Lists one user's credentials; last use of keys comes from the report row.
/// At [`Depth::Audit`] the keys of a user holding one are described from the
/// report row alone (no id) and SSH public keys are not listed.
pub async fn user_creds(
    aws: &Aws,
    user: &str,
    row: Option<&Row>,
    has_vmfa: bool,
    depth: Depth,
) -> UserCreds {
    let (keys, mfa, certs) = wanted(row, has_vmfa);
    let mut out = UserCreds::default();
    // At audit depth a user's keys come from the report, unless it holds two:
    // a second key is the classic backdoor, worth naming by id.
    let two_keys = row.is_some_and(|r| r.keys.iter().all(|k| k.present()));
    if let (Depth::Audit, Some(row), false) = (depth, row, two_keys) {
        out.access_keys = keys_from_report(row);
    } else if keys {
        match access_keys(aws, user).await {
            Ok(k) => out.access_keys = k,
            Err(e) => out
                .gaps
                .push(Gap::from_error(e, format!("access keys of {user}"))),
        }
        if let Some(row) = row {
            last_use_from_report(&mut out.access_keys, row);
        }
    }
    if mfa {
        match mfa_devices(aws, user).await {
            Ok(d) => out.mfa_devices = d,
            Err(e) => out
                .gaps
                .push(Gap::from_error(e, format!("MFA devices of {user}"))),
        }
    }
    if depth == Depth::Full {
        match ssh_keys(aws, user).await {
            Ok(k) => out.ssh_public_keys = k,
            Err(e) => {
                out.unread.push("ssh_public_keys");
                out.gaps
                    .push(Gap::from_error(e, format!("SSH public keys of {user}")));
            }
        }
    }
    if row.is_none() {
        match login_profile(aws, user).await {
            Ok(lp) => out.login_profile = Some(lp),
            Err(e) => out
                .gaps
                .push(Gap::from_error(e, format!("console password of {user}"))),
        }
    }
    if certs {
        match signing_certificates(aws, user).await {
            Ok(c) => out.signing_certificates = c,
            Err(e) => out.gaps.push(Gap::from_error(
                e,
                format!("signing certificates of {user}"),
            )),
        }
    }
    out
}

/// The keys of a report row, without ids (audit depth).
pub fn keys_from_report(row: &Row) -> Vec<AccessKey> {
    row.keys
        .iter()
        .filter(|s| s.present())
        .map(|s| AccessKey {
            id: String::new(),
            status: if s.active {
                Status::Active
            } else {
                Status::Inactive
            },
            create_date: s.last_rotated.unwrap_or_default(),
            last_used: s.last_used,
            last_used_region: s.last_used_region.clone(),
            last_used_service: s.last_used_service.clone(),
        })
        .collect()
}

/// Matches each key to the report slot created at the same second (the
/// report's `last_rotated` is the key's creation time).
pub fn last_use_from_report(keys: &mut [AccessKey], row: &Row) {
    for k in keys.iter_mut() {
        if let Some(slot) = row
            .keys
            .iter()
            .find(|s| s.last_rotated == Some(k.create_date))
        {
            k.last_used = slot.last_used;
            k.last_used_region.clone_from(&slot.last_used_region);
            k.last_used_service.clone_from(&slot.last_used_service);
        }
    }
}

async fn access_keys(aws: &Aws, user: &str) -> Result<Vec<AccessKey>, AwsError> {
    let mut pages = aws
        .iam()
        .list_access_keys()
        .user_name(user)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("iam:ListAccessKeys", user, &e))?;
        out.extend(page.access_key_metadata().iter().map(|k| AccessKey {
            id: k.access_key_id().unwrap_or_default().to_owned(),
            status: status(k.status()),
            create_date: opt_secs(k.create_date()).unwrap_or_default(),
            ..AccessKey::default()
        }));
    }
    Ok(out)
}

async fn mfa_devices(aws: &Aws, user: &str) -> Result<Vec<MfaDevice>, AwsError> {
    let mut pages = aws
        .iam()
        .list_mfa_devices()
        .user_name(user)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("iam:ListMFADevices", user, &e))?;
        out.extend(page.mfa_devices().iter().map(|d| MfaDevice {
            serial: d.serial_number().to_owned(),
            kind: if d.serial_number().contains(":mfa/") {
                MfaKind::Virtual
            } else {
                MfaKind::Hardware
            },
            enable_date: secs(d.enable_date()),
        }));
    }
    Ok(out)
}

async fn ssh_keys(aws: &Aws, user: &str) -> Result<Vec<SshPublicKey>, AwsError> {
    let iam = aws.iam();
    let mut pages = iam
        .list_ssh_public_keys()
        .user_name(user)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("iam:ListSSHPublicKeys", user, &e))?;
        out.extend(page.ssh_public_keys().iter().map(|k| SshPublicKey {
            id: k.ssh_public_key_id().to_owned(),
            status: status(Some(k.status())),
            fingerprint: String::new(),
            upload_date: secs(k.upload_date()),
        }));
    }
    for k in &mut out {
        let got = iam
            .get_ssh_public_key()
            .user_name(user)
            .ssh_public_key_id(&k.id)
            .encoding(aws_sdk_iam::types::EncodingType::Ssh)
            .send()
            .await;
        // The fingerprint is a detail: the key is listed without it if this fails.
        if let Ok(o) = got {
            if let Some(pk) = o.ssh_public_key() {
                k.fingerprint = pk.fingerprint().to_owned();
            }
        }
    }
    Ok(out)
}

async fn signing_certificates(aws: &Aws, user: &str) -> Result<Vec<SigningCertificate>, AwsError> {
    let mut pages = aws
        .iam()
        .list_signing_certificates()
        .user_name(user)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("iam:ListSigningCertificates", user, &e))?;
        out.extend(page.certificates().iter().map(|c| SigningCertificate {
            id: c.certificate_id().to_owned(),
            status: status(Some(c.status())),
            upload_date: opt_secs(c.upload_date()).unwrap_or_default(),
        }));
    }
    Ok(out)
}

async fn login_profile(aws: &Aws, user: &str) -> Result<Option<LoginProfile>, AwsError> {
    match aws.iam().get_login_profile().user_name(user).send().await {
        Ok(o) => Ok(o.login_profile().map(|p| LoginProfile {
            create_date: secs(p.create_date()),
            password_reset_required: p.password_reset_required(),
        })),
        Err(e) => {
            let err = AwsError::call("iam:GetLoginProfile", user, &e);
            if err.is_no_such_entity() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}
