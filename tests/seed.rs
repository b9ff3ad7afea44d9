//! A realistic account in moto, built through the Rust SDK, for the live
//! suites (`scan`, `snapshot`, `sweep`):
//!
//! - [`clean_account`]: a CIS-strength password policy; humans alice, bob and
//!   carol (console password and virtual MFA each, group `developers` with
//!   ReadOnlyAccess; alice has one access key, used once so it is not "never
//!   used"); a `breakglass` admin user with MFA; a Lambda service role
//!   `app-lambda` with a narrow inline policy; the admin automation role
//!   `terraform-deploy` trusted by this account and the CI account
//!   444455556666; a `partner-readonly` role trusting that CI account; an EC2
//!   key pair and an instance in us-east-1.
//! - [`plant_backdoors`]: what an intruder leaves behind: an admin user
//!   `backup-admin` with an access key and a console password (no MFA), a
//!   second access key on alice, a role `ops-audit` trusting the outside
//!   account 999988887777, and a GitHub OIDC provider with a role
//!   `github-deploy` trusting it without a subject condition (any repository).
//!
//! [`config_path`] is the suite's configuration (break-glass, trusted
//! automation, trusted accounts) in the contract's TOML format.

use crate::moto::{Moto, MOTO_ACCOUNT};
use crate::{OUTSIDE_ACCOUNT, TRUSTED_ACCOUNT};
use aws_sdk_iam::config::Credentials;
use aws_sdk_iam::error::DisplayErrorContext;
use aws_sdk_iam::Client as Iam;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

pub const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
pub const READ_ONLY_POLICY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
/// Every console password (long enough for the account policy).
pub const PASSWORD: &str = "Correct-Horse-Battery-Staple-42";
/// The issuer of the planted OIDC provider.
pub const OIDC_HOST: &str = "token.actions.githubusercontent.com";
/// The humans of the clean account (console password + MFA each).
pub const HUMANS: [&str; 3] = ["alice", "bob", "carol"];

/// `arn:aws:iam::<moto account>:user/<name>`.
pub fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{MOTO_ACCOUNT}:user/{name}")
}

/// `arn:aws:iam::<moto account>:role/<name>`.
pub fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{MOTO_ACCOUNT}:role/{name}")
}

/// The suite's configuration file (`fixtures/live/config.toml`).
pub fn config_path() -> PathBuf {
    crate::fixtures().join("live/config.toml")
}

/// What [`clean_account`] created.
#[derive(Debug, Clone)]
pub struct Clean {
    /// alice's one (used) access key.
    pub alice_key: String,
    pub instance_id: String,
    pub key_pair_id: String,
}

impl Clean {
    /// Every principal of the clean account: (ARN, why it is legitimate).
    pub fn principals() -> Vec<(String, &'static str)> {
        let mut v: Vec<(String, &'static str)> = HUMANS
            .iter()
            .map(|h| (user_arn(h), "a human with console password and MFA"))
            .collect();
        v.push((user_arn("breakglass"), "the listed break-glass admin"));
        v.push((role_arn("app-lambda"), "a Lambda service role"));
        v.push((role_arn("terraform-deploy"), "the listed admin automation"));
        v.push((role_arn("partner-readonly"), "trusts the listed CI account"));
        v
    }
}

/// What [`plant_backdoors`] created.
#[derive(Debug, Clone)]
pub struct Planted {
    /// `backup-admin`: AdministratorAccess, an access key, a console password, no MFA.
    pub admin_user: String,
    pub admin_key: String,
    /// The second key added to alice.
    pub alice_second_key: String,
    /// `ops-audit`, trusting 999988887777.
    pub outside_role: String,
    pub oidc_provider: String,
    /// `github-deploy`, trusting the OIDC provider with no `:sub` condition.
    pub oidc_role: String,
}

impl Planted {
    /// Every sweep item the planting adds, as `(kind, id)` in the
    /// `inventory::diff::Change` JSON spelling. Trust policies of new roles are
    /// folded into the role (not listed on their own).
    pub fn changes(&self) -> BTreeSet<(String, String)> {
        let attached = |owner: &str, p: &str| format!("{owner}#attached/{p}");
        [
            ("user", self.admin_user.clone()),
            (
                "login_profile",
                format!("{}#login-profile", self.admin_user),
            ),
            ("access_key", self.admin_key.clone()),
            (
                "policy_attachment",
                attached(&self.admin_user, ADMIN_POLICY),
            ),
            ("access_key", self.alice_second_key.clone()),
            ("role", self.outside_role.clone()),
            (
                "policy_attachment",
                attached(&self.outside_role, READ_ONLY_POLICY),
            ),
            ("provider", self.oidc_provider.clone()),
            ("role", self.oidc_role.clone()),
            ("policy_attachment", attached(&self.oidc_role, ADMIN_POLICY)),
        ]
        .into_iter()
        .map(|(k, id)| (k.to_owned(), id))
        .collect()
    }
}

/// Unwraps an SDK result, panicking with the whole error chain.
fn must<T, E: std::error::Error + 'static>(r: Result<T, E>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("seeding moto: {what}: {}", DisplayErrorContext(&e)))
}

/// An `sts:AssumeRole` trust policy for `principal` (e.g. `{"AWS": ...}`).
fn trust(principal: Value, condition: Option<Value>) -> String {
    let mut st = json!({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"});
    if let Some(c) = condition {
        st["Condition"] = c;
    }
    json!({"Version": "2012-10-17", "Statement": [st]}).to_string()
}

async fn user(iam: &Iam, name: &str) {
    must(iam.create_user().user_name(name).send().await, name);
}

async fn console(iam: &Iam, name: &str) {
    let req = iam
        .create_login_profile()
        .user_name(name)
        .password(PASSWORD)
        .password_reset_required(false);
    must(req.send().await, &format!("login profile of {name}"));
}

async fn mfa(iam: &Iam, name: &str) {
    let dev = must(
        iam.create_virtual_mfa_device()
            .virtual_mfa_device_name(name)
            .send()
            .await,
        &format!("virtual MFA device of {name}"),
    );
    let serial = dev
        .virtual_mfa_device()
        .map(|d| d.serial_number().to_owned())
        .expect("CreateVirtualMFADevice returns the device");
    let req = iam
        .enable_mfa_device()
        .user_name(name)
        .serial_number(serial)
        .authentication_code1("123456")
        .authentication_code2("654321");
    must(req.send().await, &format!("enable MFA of {name}"));
}

async fn attach_user(iam: &Iam, name: &str, policy: &str) {
    let req = iam.attach_user_policy().user_name(name).policy_arn(policy);
    must(req.send().await, &format!("attach {policy} to {name}"));
}

async fn attach_role(iam: &Iam, name: &str, policy: &str) {
    let req = iam.attach_role_policy().role_name(name).policy_arn(policy);
    must(req.send().await, &format!("attach {policy} to role {name}"));
}

/// Creates an access key; returns (id, secret).
async fn key(iam: &Iam, name: &str) -> (String, String) {
    let out = must(
        iam.create_access_key().user_name(name).send().await,
        &format!("access key of {name}"),
    );
    let k = out.access_key().expect("CreateAccessKey returns the key");
    (
        k.access_key_id().to_owned(),
        k.secret_access_key().to_owned(),
    )
}

async fn role(iam: &Iam, name: &str, trust_policy: String) -> String {
    let req = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust_policy);
    let out = must(req.send().await, &format!("role {name}"));
    out.role().map(|r| r.arn().to_owned()).expect("role ARN")
}

/// One call signed with the key, so moto records it as used (as a real
/// account's working key would be).
async fn use_key(moto: &Moto, id: &str, secret: &str) {
    let creds = Credentials::new(id, secret, None, None, "seed");
    let conf = aws_sdk_sts::config::Builder::from(&moto.sdk().await)
        .credentials_provider(creds)
        .build();
    let sts = aws_sdk_sts::Client::from_conf(conf);
    must(sts.get_caller_identity().send().await, "use a key");
}

async fn password_policy(iam: &Iam) {
    let req = iam
        .update_account_password_policy()
        .minimum_password_length(14)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(true)
        .allow_users_to_change_password(true)
        .max_password_age(90)
        .password_reuse_prevention(24);
    must(req.send().await, "password policy");
}

async fn humans(iam: &Iam) {
    must(
        iam.create_group().group_name("developers").send().await,
        "group",
    );
    let req = iam
        .attach_group_policy()
        .group_name("developers")
        .policy_arn(READ_ONLY_POLICY);
    must(req.send().await, "developers policy");
    for h in HUMANS.iter().chain(&["breakglass"]) {
        user(iam, h).await;
        console(iam, h).await;
        mfa(iam, h).await;
    }
    for h in HUMANS {
        let req = iam
            .add_user_to_group()
            .group_name("developers")
            .user_name(h);
        must(req.send().await, &format!("{h} into developers"));
    }
    attach_user(iam, "breakglass", ADMIN_POLICY).await;
}

async fn clean_roles(iam: &Iam) {
    let lambda = trust(json!({"Service": "lambda.amazonaws.com"}), None);
    role(iam, "app-lambda", lambda).await;
    let logs = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": format!("arn:aws:logs:us-east-1:{MOTO_ACCOUNT}:log-group:/aws/lambda/app:*"),
    }]});
    let req = iam
        .put_role_policy()
        .role_name("app-lambda")
        .policy_name("write-own-logs")
        .policy_document(logs.to_string());
    must(req.send().await, "app-lambda inline policy");
    let deployers = json!({"AWS": [
        format!("arn:aws:iam::{MOTO_ACCOUNT}:root"),
        format!("arn:aws:iam::{TRUSTED_ACCOUNT}:role/ci-runner"),
    ]});
    role(iam, "terraform-deploy", trust(deployers, None)).await;
    attach_role(iam, "terraform-deploy", ADMIN_POLICY).await;
    let partner = json!({"AWS": format!("arn:aws:iam::{TRUSTED_ACCOUNT}:root")});
    let external = json!({"StringEquals": {"sts:ExternalId": "ci-7f3a"}});
    role(iam, "partner-readonly", trust(partner, Some(external))).await;
    attach_role(iam, "partner-readonly", READ_ONLY_POLICY).await;
}

/// An EC2 key pair and one instance using it, in us-east-1; returns (instance id, key pair id).
async fn ec2(moto: &Moto) -> (String, String) {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk().await);
    let kp = must(
        ec2.create_key_pair().key_name("ops-2024").send().await,
        "key pair",
    );
    let req = ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .key_name("ops-2024")
        .min_count(1)
        .max_count(1);
    let run = must(req.send().await, "instance");
    let id = run
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .expect("RunInstances returns the instance");
    (
        id.to_owned(),
        kp.key_pair_id().unwrap_or_default().to_owned(),
    )
}

/// Builds the clean account (see the module docs).
pub async fn clean_account(moto: &Moto) -> Clean {
    let iam = Iam::new(&moto.sdk().await);
    password_policy(&iam).await;
    humans(&iam).await;
    let (alice_key, secret) = key(&iam, "alice").await;
    use_key(moto, &alice_key, &secret).await;
    clean_roles(&iam).await;
    let (instance_id, key_pair_id) = ec2(moto).await;
    Clean {
        alice_key,
        instance_id,
        key_pair_id,
    }
}

/// Plants the backdoors (see the module docs) into an account [`clean_account`] built.
pub async fn plant_backdoors(moto: &Moto) -> Planted {
    let iam = Iam::new(&moto.sdk().await);
    user(&iam, "backup-admin").await;
    attach_user(&iam, "backup-admin", ADMIN_POLICY).await;
    let (admin_key, _) = key(&iam, "backup-admin").await;
    console(&iam, "backup-admin").await;
    let (alice_second_key, _) = key(&iam, "alice").await;
    let outside = json!({"AWS": format!("arn:aws:iam::{OUTSIDE_ACCOUNT}:root")});
    let outside_role = role(&iam, "ops-audit", trust(outside, None)).await;
    attach_role(&iam, "ops-audit", READ_ONLY_POLICY).await;
    let req = iam
        .create_open_id_connect_provider()
        .url(format!("https://{OIDC_HOST}"))
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("6938fd4d98bab03faadb97b34396831e3780aea1");
    let oidc_provider = must(req.send().await, "OIDC provider")
        .open_id_connect_provider_arn()
        .expect("provider ARN")
        .to_owned();
    let aud = json!({"StringEquals": {format!("{OIDC_HOST}:aud"): "sts.amazonaws.com"}});
    let mut web = serde_json::from_str::<Value>(&trust(
        json!({"Federated": oidc_provider.clone()}),
        Some(aud),
    ))
    .expect("trust policy");
    web["Statement"][0]["Action"] = json!("sts:AssumeRoleWithWebIdentity");
    let oidc_role = role(&iam, "github-deploy", web.to_string()).await;
    attach_role(&iam, "github-deploy", ADMIN_POLICY).await;
    Planted {
        admin_user: user_arn("backup-admin"),
        admin_key,
        alice_second_key,
        outside_role,
        oidc_provider,
        oidc_role,
    }
}

/// Seconds since the epoch, now.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since the epoch (inverse of [`crate::epoch`]).
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

#[cfg(test)]
mod tests;
