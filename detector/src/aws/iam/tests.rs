//! The IAM inventory over mocked responses (`aws-smithy-mocks` through the
//! real SDK clients): the join of authorization details, credential report and
//! listings, which calls are made per user, and partial results when a call
//! is denied.

use super::*;
use crate::aws::Aws;
use crate::inventory::{Inventory, Status};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::config::Credentials;
use aws_sdk_iam::operation::{
    generate_credential_report::{GenerateCredentialReportError, GenerateCredentialReportOutput},
    get_account_authorization_details::{
        GetAccountAuthorizationDetailsError, GetAccountAuthorizationDetailsOutput,
    },
    get_account_password_policy::GetAccountPasswordPolicyError,
    get_account_summary::GetAccountSummaryOutput,
    get_credential_report::GetCredentialReportOutput,
    get_login_profile::GetLoginProfileOutput,
    list_access_keys::ListAccessKeysOutput,
    list_mfa_devices::ListMfaDevicesOutput,
    list_open_id_connect_providers::ListOpenIdConnectProvidersOutput,
    list_saml_providers::ListSamlProvidersOutput,
    list_service_specific_credentials::ListServiceSpecificCredentialsOutput,
    list_ssh_public_keys::ListSshPublicKeysOutput,
    list_virtual_mfa_devices::ListVirtualMfaDevicesOutput,
};
use aws_sdk_iam::types::{
    AccessKeyMetadata, AttachedPolicy, LoginProfile, PolicyDetail, ReportStateType,
    ServiceSpecificCredentialMetadata, StatusType, SummaryKeyType, UserDetail,
};
use aws_smithy_mocks::{create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::{Blob, DateTime};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const SVC: &str = "arn:aws:iam::111122223333:user/svc";
const T0: i64 = 1_790_000_000;

const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,N/A,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::111122223333:user/alice,2026-09-21T14:13:20+00:00,true,2026-11-01T00:00:00+00:00,2026-09-21T14:20:00+00:00,N/A,true,true,2026-09-21T14:13:20+00:00,2026-11-20T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
svc,arn:aws:iam::111122223333:user/svc,2026-09-21T14:13:20+00:00,false,not_supported,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

fn denied(op: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code("AccessDenied")
        .message(format!("User is not authorized to perform: iam:{op}"))
        .build()
}

fn user(name: &str, arn: &str) -> UserDetail {
    UserDetail::builder()
        .user_name(name)
        .arn(arn)
        .create_date(DateTime::from_secs(T0))
        .user_policy_list(
            PolicyDetail::builder()
                .policy_name("inline")
                .policy_document("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D")
                .build(),
        )
        .attached_managed_policies(
            AttachedPolicy::builder()
                .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
                .build(),
        )
        .build()
}

/// Every account-level call answered; `gaad_ok`/`report_ok` choose failures.
fn base_rules(gaad_ok: bool, report_ok: bool) -> Vec<Rule> {
    let gaad = if gaad_ok {
        mock!(aws_sdk_iam::Client::get_account_authorization_details).then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .user_detail_list(user("alice", ALICE))
                .user_detail_list(user("svc", SVC))
                .is_truncated(false)
                .build()
        })
    } else {
        mock!(aws_sdk_iam::Client::get_account_authorization_details).then_error(|| {
            GetAccountAuthorizationDetailsError::generic(denied("GetAccountAuthorizationDetails"))
        })
    };
    let generate = if report_ok {
        mock!(aws_sdk_iam::Client::generate_credential_report).then_output(|| {
            GenerateCredentialReportOutput::builder()
                .state(ReportStateType::Complete)
                .build()
        })
    } else {
        mock!(aws_sdk_iam::Client::generate_credential_report).then_error(|| {
            GenerateCredentialReportError::generic(denied("GenerateCredentialReport"))
        })
    };
    vec![
        gaad,
        generate,
        mock!(aws_sdk_iam::Client::get_credential_report).then_output(|| {
            GetCredentialReportOutput::builder()
                .content(Blob::new(REPORT.as_bytes()))
                .build()
        }),
        mock!(aws_sdk_iam::Client::list_virtual_mfa_devices).then_output(|| {
            ListVirtualMfaDevicesOutput::builder()
                .set_virtual_mfa_devices(Some(vec![]))
                .build()
                .expect("output")
        }),
        mock!(aws_sdk_iam::Client::get_account_password_policy).then_error(|| {
            GetAccountPasswordPolicyError::generic(
                ErrorMetadata::builder().code("NoSuchEntity").build(),
            )
        }),
        mock!(aws_sdk_iam::Client::get_account_summary).then_output(|| {
            GetAccountSummaryOutput::builder()
                .summary_map(SummaryKeyType::AccountMfaEnabled, 1)
                .summary_map(SummaryKeyType::AccountAccessKeysPresent, 0)
                .build()
        }),
        mock!(aws_sdk_iam::Client::list_saml_providers)
            .then_output(|| ListSamlProvidersOutput::builder().build()),
        mock!(aws_sdk_iam::Client::list_open_id_connect_providers)
            .then_output(|| ListOpenIdConnectProvidersOutput::builder().build()),
        mock!(aws_sdk_iam::Client::list_service_specific_credentials).then_output(|| {
            ListServiceSpecificCredentialsOutput::builder()
                .service_specific_credentials(
                    ServiceSpecificCredentialMetadata::builder()
                        .user_name("svc")
                        .status(StatusType::Active)
                        .service_user_name("svc-at-111122223333")
                        .create_date(DateTime::from_secs(T0))
                        .service_specific_credential_id("ACCAEXAMPLE1")
                        .service_name("codecommit.amazonaws.com")
                        .build()
                        .expect("credential"),
                )
                .build()
        }),
    ]
}

/// Per-user calls: alice has one key and, without a report, a console password.
fn user_rules() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_iam::Client::list_access_keys)
            .match_requests(|r| r.user_name() == Some("alice"))
            .then_output(|| {
                ListAccessKeysOutput::builder()
                    .access_key_metadata(
                        AccessKeyMetadata::builder()
                            .access_key_id("AKIAALICE0000000001")
                            .status(StatusType::Active)
                            .create_date(DateTime::from_secs(T0))
                            .build(),
                    )
                    .build()
                    .expect("output")
            }),
        mock!(aws_sdk_iam::Client::list_access_keys)
            .then_output(|| ListAccessKeysOutput::builder().set_access_key_metadata(Some(vec![])).build().expect("output")),
        mock!(aws_sdk_iam::Client::list_ssh_public_keys)
            .then_output(|| ListSshPublicKeysOutput::builder().build()),
        mock!(aws_sdk_iam::Client::list_signing_certificates).then_output(|| {
            aws_sdk_iam::operation::list_signing_certificates::ListSigningCertificatesOutput::builder()
                .set_certificates(Some(vec![]))
                .build()
                .expect("output")
        }),
        mock!(aws_sdk_iam::Client::list_mfa_devices)
            .then_output(|| ListMfaDevicesOutput::builder().set_mfa_devices(Some(vec![])).build().expect("output")),
        mock!(aws_sdk_iam::Client::get_login_profile)
            .match_requests(|r| r.user_name() == Some("alice"))
            .then_output(|| {
                GetLoginProfileOutput::builder()
                    .login_profile(
                        LoginProfile::builder()
                            .user_name("alice")
                            .create_date(DateTime::from_secs(T0 + 60))
                            .password_reset_required(true)
                            .build()
                            .expect("profile"),
                    )
                    .build()
            }),
        mock!(aws_sdk_iam::Client::get_login_profile).then_error(|| {
            aws_sdk_iam::operation::get_login_profile::GetLoginProfileError::generic(
                ErrorMetadata::builder().code("NoSuchEntity").build(),
            )
        }),
    ]
}

fn take(rules: Vec<Rule>, depth: Depth) -> (Inventory, crate::aws::CallStats) {
    let mut mock = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
    for r in &rules {
        mock = mock.with_rule(r);
    }
    let sdk = SdkConfig::builder()
        .region(Region::new("us-east-1"))
        .behavior_version(BehaviorVersion::latest())
        .credentials_provider(aws_types::sdk_config::SharedCredentialsProvider::new(
            Credentials::new("AKIDTEST", "secret", None, None, "test"),
        ))
        .http_client(create_mock_http_client())
        .build();
    let aws = Aws::from_sdk_config(sdk, 4).with_interceptor(mock);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut inv = Inventory::default();
    rt.block_on(inventory(&aws, &mut inv, depth, &()));
    (inv, aws.calls())
}

fn all(gaad_ok: bool, report_ok: bool) -> Vec<Rule> {
    let mut r = base_rules(gaad_ok, report_ok);
    r.extend(user_rules());
    r
}

#[test]
fn full_inventory_joins_details_report_and_listings() {
    let (inv, calls) = take(all(true, true), Depth::Full);
    assert!(inv.gaps.is_empty(), "{:?}", inv.gaps);
    let alice = inv.users.iter().find(|u| u.name == "alice").expect("alice");
    assert_eq!(alice.access_keys.len(), 1);
    let k = &alice.access_keys[0];
    assert_eq!(
        (k.id.as_str(), k.status),
        ("AKIAALICE0000000001", Status::Active)
    );
    assert_eq!(
        k.last_used_service.as_deref(),
        Some("s3"),
        "last use from the report"
    );
    assert!(alice.login_profile.is_some() && alice.password_last_used.is_some());
    assert_eq!(
        alice.inline_policies["inline"]["Statement"][0]["Action"],
        "*"
    );
    let svc = inv.users.iter().find(|u| u.name == "svc").expect("svc");
    assert!(svc.access_keys.is_empty() && svc.login_profile.is_none());
    assert_eq!(svc.service_credentials[0].id, "ACCAEXAMPLE1");
    assert!(
        inv.password_policy.is_none(),
        "NoSuchEntity means no policy"
    );
    assert!(inv.account_summary.root_mfa_enabled);
    let n = |op: &str| calls.by_operation.get(op).copied().unwrap_or(0);
    assert_eq!(n("IAM:ListAccessKeys"), 1, "only alice holds a key");
    assert_eq!(n("IAM:ListSSHPublicKeys"), 2, "every user");
    assert_eq!(
        n("IAM:ListMFADevices"),
        1,
        "alice: MFA but no virtual device"
    );
    assert_eq!(n("IAM:GetLoginProfile"), 0, "the report tells");
}

#[test]
fn audit_depth_makes_no_per_user_call_where_the_report_answers() {
    let (inv, calls) = take(all(true, true), Depth::Audit);
    let alice = inv.users.iter().find(|u| u.name == "alice").expect("alice");
    assert_eq!(alice.access_keys.len(), 1);
    assert!(alice.access_keys[0].id.is_empty());
    assert_eq!(alice.access_keys[0].create_date, T0);
    let per_user = [
        "IAM:ListAccessKeys",
        "IAM:ListSSHPublicKeys",
        "IAM:GetLoginProfile",
    ];
    for op in per_user {
        assert!(!calls.by_operation.contains_key(op), "{op}: {calls:?}");
    }
}

#[test]
fn denied_authorization_details_leave_users_from_the_report_and_a_gap() {
    let (inv, _) = take(all(false, true), Depth::Full);
    assert_eq!(inv.gaps.len(), 1, "{:?}", inv.gaps);
    assert_eq!(inv.gaps[0].operation, "iam:GetAccountAuthorizationDetails");
    assert!(inv.gaps[0].error.starts_with("AccessDenied"));
    let names: Vec<&str> = inv.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["alice", "svc"],
        "users still come from the report"
    );
    assert_eq!(inv.users[0].access_keys.len(), 1);
}

#[test]
fn denied_credential_report_falls_back_to_per_user_calls() {
    let (inv, calls) = take(all(true, false), Depth::Audit);
    assert_eq!(inv.gaps.len(), 1, "{:?}", inv.gaps);
    assert_eq!(inv.gaps[0].operation, "iam:GenerateCredentialReport");
    let alice = inv.users.iter().find(|u| u.name == "alice").expect("alice");
    assert_eq!(alice.access_keys[0].id, "AKIAALICE0000000001");
    let lp = alice.login_profile.as_ref().expect("asked one by one");
    assert!(lp.password_reset_required);
    assert!(inv
        .users
        .iter()
        .find(|u| u.name == "svc")
        .expect("svc")
        .login_profile
        .is_none());
    let n = |op: &str| calls.by_operation.get(op).copied().unwrap_or(0);
    for op in [
        "IAM:GetLoginProfile",
        "IAM:ListAccessKeys",
        "IAM:ListMFADevices",
        "IAM:ListSigningCertificates",
    ] {
        assert_eq!(n(op), 2, "{op}: without a report every user is asked");
    }
}
