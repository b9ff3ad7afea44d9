//! Account-level IAM facts: the password policy, the account summary (root
//! MFA and root access keys) and the SAML and OIDC identity providers.

use crate::aws::{opt_secs, Aws, AwsError};
use crate::inventory::{AccountSummary, PasswordPolicy, Provider, ProviderKind};
use aws_sdk_iam::types::SummaryKeyType;

/// `None` when the account has no password policy (`NoSuchEntity`).
pub async fn password_policy(aws: &Aws) -> Result<Option<PasswordPolicy>, AwsError> {
    let got = aws.iam().get_account_password_policy().send().await;
    let out = match got {
        Ok(o) => o,
        Err(e) => {
            let err = AwsError::call("iam:GetAccountPasswordPolicy", "", &e);
            return if err.is_no_such_entity() {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };
    let Some(p) = out.password_policy() else {
        return Ok(None);
    };
    let pos = |v: Option<i32>| v.filter(|n| *n > 0).map(|n| n as u32);
    Ok(Some(PasswordPolicy {
        minimum_length: pos(p.minimum_password_length()).unwrap_or(0),
        require_symbols: p.require_symbols(),
        require_numbers: p.require_numbers(),
        require_uppercase: p.require_uppercase_characters(),
        require_lowercase: p.require_lowercase_characters(),
        allow_users_to_change: p.allow_users_to_change_password(),
        max_age_days: pos(p.max_password_age()),
        reuse_prevention: pos(p.password_reuse_prevention()),
        hard_expiry: p.hard_expiry().unwrap_or(false),
    }))
}

pub async fn summary(aws: &Aws) -> Result<AccountSummary, AwsError> {
    let out = aws
        .iam()
        .get_account_summary()
        .send()
        .await
        .map_err(|e| AwsError::call("iam:GetAccountSummary", "", &e))?;
    let get = |k: SummaryKeyType| out.summary_map().and_then(|m| m.get(&k)).copied();
    Ok(AccountSummary {
        root_mfa_enabled: get(SummaryKeyType::AccountMfaEnabled).unwrap_or(0) > 0,
        root_access_keys: get(SummaryKeyType::AccountAccessKeysPresent)
            .unwrap_or(0)
            .max(0) as u32,
    })
}

pub async fn saml_providers(aws: &Aws) -> Result<Vec<Provider>, AwsError> {
    let out = aws
        .iam()
        .list_saml_providers()
        .send()
        .await
        .map_err(|e| AwsError::call("iam:ListSAMLProviders", "", &e))?;
    Ok(out
        .saml_provider_list()
        .iter()
        .map(|p| Provider {
            arn: p.arn().unwrap_or_default().to_owned(),
            kind: ProviderKind::Saml,
            create_date: opt_secs(p.create_date()).unwrap_or_default(),
            ..Provider::default()
        })
        .collect())
}

/// OIDC providers: one listing, then one `GetOpenIDConnectProvider` each for
/// the issuer, client ids and thumbprints. A provider whose details fail is
/// still listed (by ARN) and the error returned beside it.
pub async fn oidc_providers(aws: &Aws) -> Result<(Vec<Provider>, Vec<AwsError>), AwsError> {
    let iam = aws.iam();
    let list = iam
        .list_open_id_connect_providers()
        .send()
        .await
        .map_err(|e| AwsError::call("iam:ListOpenIDConnectProviders", "", &e))?;
    let arns: Vec<String> = list
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn().map(str::to_owned))
        .collect();
    let details = aws
        .bounded(arns, |arn| {
            let iam = iam.clone();
            async move {
                let got = iam
                    .get_open_id_connect_provider()
                    .open_id_connect_provider_arn(&arn)
                    .send()
                    .await;
                (arn, got)
            }
        })
        .await;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (arn, got) in details {
        let mut p = Provider {
            arn: arn.clone(),
            kind: ProviderKind::Oidc,
            ..Provider::default()
        };
        match got {
            Ok(d) => {
                p.url = d.url().unwrap_or_default().to_owned();
                p.client_ids = d.client_id_list().to_vec();
                p.thumbprints = d.thumbprint_list().to_vec();
                p.create_date = opt_secs(d.create_date()).unwrap_or_default();
            }
            Err(e) => errors.push(AwsError::call("iam:GetOpenIDConnectProvider", &arn, &e)),
        }
        out.push(p);
    }
    Ok((out, errors))
}
