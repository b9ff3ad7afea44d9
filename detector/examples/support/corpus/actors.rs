//! Who makes the calls in the synthetic corpus: application roles on instances
//! and Lambda, Identity Center users, IAM users with keys, CI, AWS services,
//! service-linked roles, and (rarely) root.

use super::rng::Rng;
use serde_json::{json, Value};

/// What sort of caller an actor is; decides which calls it makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Application code: instance profiles, Lambda functions, containers.
    App,
    /// People: Identity Center sessions and console users.
    Human,
    /// Automation with wide read access: Terraform, CI users.
    Ci,
    /// `AWSService` identities.
    Service,
    /// Service-linked roles.
    Linked,
    Root,
}

/// One caller, as it appears in a record.
pub struct Actor {
    pub kind: Kind,
    pub identity: Value,
    pub source_ip: String,
    pub user_agent: String,
    /// Calls from the console carry a `sessionCredentialFromConsole` flag.
    pub console: bool,
}

pub const UA_GO: &str =
    "aws-sdk-go-v2/1.24.1 os/linux lang/go#1.21.6 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.142.0";
pub const UA_BOTO: &str = "Boto3/1.34.11 md/Botocore#1.34.11 ua/2.0 os/linux#5.10.205-195.807.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.11";
pub const UA_CLI: &str = "aws-cli/2.15.10 Python/3.11.6 Linux/6.5.0-1014-aws exe/x86_64.ubuntu.22 prompt/off command/ec2.describe-instances";
pub const UA_TF: &str = "APN/1.0 HashiCorp/1.0 Terraform/1.6.6 (+https://www.terraform.io) terraform-provider-aws/5.31.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.49.13 (go1.21.5; linux; amd64)";
pub const UA_SSM: &str = "aws-sdk-go/1.44.260 (go1.20.6; linux; amd64) amazon-ssm-agent/3.2.1705.0";
pub const UA_LAMBDA: &str = "Boto3/1.28.57 md/Botocore#1.31.57 ua/2.0 os/linux#5.10.192-202.724.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.5 md/pyimpl#CPython exec-env/AWS_Lambda_python3.11 cfg/retry-mode#legacy Botocore/1.31.57";
pub const UA_BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

const APP_ROLES: &[&str] = &[
    "web-frontend",
    "orders-api",
    "payments-worker",
    "batch-etl",
    "eks-node-group",
    "search-indexer",
];
const LAMBDA_FUNCS: &[&str] = &[
    "thumbnailer",
    "nightly-report",
    "webhook-relay",
    "audit-export",
    "cost-alerts",
];
const SSO_ROLES: &[&str] = &[
    "AWSReservedSSO_ReadOnly_6b1e2f0a9c3d4e5f",
    "AWSReservedSSO_PowerUser_0f1e2d3c4b5a6978",
    "AWSReservedSSO_AdministratorAccess_a1b2c3d4e5f60718",
];
const SSO_USERS: &[&str] = &[
    "jane.doe@example.com",
    "raj.patel@example.com",
    "li.wei@example.com",
    "maria.garcia@example.com",
    "tom.becker@example.com",
];
const IAM_USERS: &[&str] = &["alice", "bob", "backup-job", "ci-legacy", "grafana-reader"];
const SERVICES: &[&str] = &[
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "autoscaling.amazonaws.com",
    "config.amazonaws.com",
    "ssm.amazonaws.com",
];
const LINKED: &[(&str, &str)] = &[
    ("AWSServiceRoleForAutoScaling", "AutoScaling"),
    ("AWSServiceRoleForConfig", "AWSConfig-Describe"),
    (
        "AWSServiceRoleForTrustedAdvisor",
        "TrustedAdvisor_111122223333_1",
    ),
    ("AWSServiceRoleForECS", "ecs-service-scheduler"),
];

/// Stable id-looking strings derived from a name (same name, same id).
fn stable(prefix: &str, name: &str, len: usize) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut r = Rng::new(h);
    format!("{prefix}{}", r.upper(len))
}

fn company_ip(rng: &mut Rng) -> String {
    format!("198.51.100.{}", rng.range(10, 200))
}

pub fn session_context(
    rng: &mut Rng,
    issuer: Option<(&str, &str, &str)>,
    mfa: bool,
    created: &str,
) -> Value {
    let issuer = match issuer {
        Some((kind, arn, name)) => json!({
            "type": kind, "principalId": stable("AROA", arn, 17), "arn": arn,
            "accountId": arn.split(':').nth(4).unwrap_or(""), "userName": name
        }),
        None => json!({}),
    };
    let _ = rng;
    json!({
        "sessionIssuer": issuer,
        "webIdFederationData": {},
        "attributes": {"creationDate": created, "mfaAuthenticated": if mfa { "true" } else { "false" }}
    })
}

fn assumed(
    rng: &mut Rng,
    acct: &str,
    role_path: &str,
    role: &str,
    session: &str,
    created: &str,
    mfa: bool,
) -> Value {
    let role_arn = format!("arn:aws:iam::{acct}:role/{role_path}{role}");
    let pid = stable("AROA", &role_arn, 17);
    json!({
        "type": "AssumedRole",
        "principalId": format!("{pid}:{session}"),
        "arn": format!("arn:aws:sts::{acct}:assumed-role/{role}/{session}"),
        "accountId": acct,
        "accessKeyId": format!("ASIA{}", rng.upper(16)),
        "sessionContext": session_context(rng, Some(("Role", &role_arn, role)), mfa, created)
    })
}

/// An IAM user calling with a long-term access key.
pub fn iam_user(acct: &str, name: &str, key_salt: &str) -> Value {
    json!({
        "type": "IAMUser",
        "principalId": stable("AIDA", name, 17),
        "arn": format!("arn:aws:iam::{acct}:user/{name}"),
        "accountId": acct,
        "accessKeyId": stable("AKIA", &format!("{name}{key_salt}"), 16),
        "userName": name
    })
}

/// Picks a caller for one background record.
pub fn pick(rng: &mut Rng, acct: &str, created: &str) -> Actor {
    let kinds = [
        (38u32, Kind::App),
        (14, Kind::Human),
        (12, Kind::Ci),
        (18, Kind::Service),
        (18, Kind::Linked),
    ];
    let kind = if rng.below(20_000) == 0 {
        Kind::Root
    } else {
        rng.weighted(&kinds)
    };
    let mut a = Actor {
        kind,
        identity: Value::Null,
        source_ip: company_ip(rng),
        user_agent: UA_BOTO.into(),
        console: false,
    };
    match kind {
        Kind::App => app(rng, acct, created, &mut a),
        Kind::Human => human(rng, acct, created, &mut a),
        Kind::Ci => ci(rng, acct, created, &mut a),
        Kind::Service => {
            let svc = *rng.pick(SERVICES);
            a.identity = json!({"type": "AWSService", "invokedBy": svc});
            a.source_ip = svc.into();
            a.user_agent = svc.into();
        }
        Kind::Linked => {
            let (role, session) = *rng.pick(LINKED);
            let svc = match role {
                "AWSServiceRoleForAutoScaling" => "autoscaling.amazonaws.com",
                "AWSServiceRoleForConfig" => "config.amazonaws.com",
                "AWSServiceRoleForECS" => "ecs.amazonaws.com",
                _ => "trustedadvisor.amazonaws.com",
            };
            let path = format!("aws-service-role/{svc}/");
            a.identity = assumed(rng, acct, &path, role, session, created, false);
            a.identity["invokedBy"] = json!(svc);
            a.source_ip = svc.into();
            a.user_agent = svc.into();
        }
        Kind::Root => {
            a.identity = json!({
                "type": "Root", "principalId": acct, "arn": format!("arn:aws:iam::{acct}:root"),
                "accountId": acct, "accessKeyId": format!("ASIA{}", rng.upper(16)),
                "sessionContext": session_context(rng, None, true, created)
            });
            a.user_agent = UA_BROWSER.into();
            a.console = true;
        }
    }
    a
}

fn app(rng: &mut Rng, acct: &str, created: &str, a: &mut Actor) {
    if rng.chance(0.7) {
        let role = *rng.pick(APP_ROLES);
        let instance = format!(
            "i-0{}",
            stable("", &format!("{role}{}", rng.below(6)), 16).to_lowercase()
        );
        a.identity = assumed(rng, acct, "", role, &instance, created, false);
        a.identity["sessionContext"]["ec2RoleDelivery"] = json!("2.0");
        a.source_ip = format!("198.51.100.{}", rng.range(10, 40));
        a.user_agent = if rng.chance(0.3) {
            UA_SSM.into()
        } else {
            (*rng.pick(&[UA_GO, UA_BOTO])).into()
        };
        if rng.chance(0.1) {
            a.source_ip = format!("10.0.{}.{}", rng.below(16), rng.range(4, 250));
        }
    } else {
        let func = *rng.pick(LAMBDA_FUNCS);
        a.identity = assumed(
            rng,
            acct,
            "service-role/",
            &format!("{func}-role-{}", &stable("", func, 8).to_lowercase()),
            func,
            created,
            false,
        );
        a.source_ip = format!("198.51.100.{}", rng.range(41, 60));
        a.user_agent = UA_LAMBDA.into();
    }
}

fn human(rng: &mut Rng, acct: &str, created: &str, a: &mut Actor) {
    if rng.chance(0.75) {
        let role = *rng.pick(SSO_ROLES);
        let user = *rng.pick(SSO_USERS);
        a.identity = assumed(
            rng,
            acct,
            "aws-reserved/sso.amazonaws.com/",
            role,
            user,
            created,
            false,
        );
        a.console = rng.chance(0.6);
    } else {
        let name = *rng.pick(&["alice", "bob"]);
        a.identity = iam_user(acct, name, "");
        if rng.chance(0.5) {
            a.identity["sessionContext"] = session_context(rng, None, true, created);
            a.identity["accessKeyId"] = json!(format!("ASIA{}", rng.upper(16)));
            a.console = true;
        }
    }
    a.source_ip = format!("198.51.100.{}", rng.range(100, 200));
    a.user_agent = if a.console {
        UA_BROWSER.into()
    } else {
        UA_CLI.into()
    };
    if a.console && rng.chance(0.3) {
        a.user_agent = "AWS Internal".into();
    }
}

fn ci(rng: &mut Rng, acct: &str, created: &str, a: &mut Actor) {
    if rng.chance(0.7) {
        let session = format!("ci-{}", rng.range(4000, 4999));
        a.identity = assumed(rng, acct, "", "terraform-deploy", &session, created, false);
        a.user_agent = UA_TF.into();
    } else {
        let name = *rng.pick(&IAM_USERS[2..]);
        a.identity = iam_user(acct, name, "");
        a.user_agent = (*rng.pick(&[UA_CLI, UA_BOTO, "grafana/10.2.3"])).into();
    }
    a.source_ip = format!("198.51.100.{}", rng.range(61, 99));
}
