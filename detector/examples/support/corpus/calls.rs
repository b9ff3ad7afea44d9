//! The API calls of the background traffic: which caller makes which call, and
//! what its `requestParameters`, `responseElements`, `resources` and
//! `additionalEventData` look like (shapes as CloudTrail logs them).

use super::actors::Kind;
use super::rng::Rng;
use serde_json::{json, Value};

/// Where a call happens, for building ARNs and hosts.
pub struct Ctx<'a> {
    pub acct: &'a str,
    pub region: &'a str,
    /// The event time (for expirations and log stream names).
    pub time: &'a str,
}

/// One call, before the envelope is added.
pub struct Call {
    pub source: &'static str,
    pub name: &'static str,
    pub read_only: bool,
    pub req: Value,
    pub resp: Value,
    pub additional: Option<Value>,
    pub resources: Option<Value>,
    pub event_type: &'static str,
}

impl Call {
    pub fn new(source: &'static str, name: &'static str, read_only: bool, req: Value) -> Call {
        Call {
            source,
            name,
            read_only,
            req,
            resp: Value::Null,
            additional: None,
            resources: None,
            event_type: "AwsApiCall",
        }
    }
    pub fn with_resp(mut self, v: Value) -> Call {
        self.resp = v;
        self
    }
    pub fn with_res(mut self, v: Value) -> Call {
        self.resources = Some(v);
        self
    }
    pub fn with_add(mut self, v: Value) -> Call {
        self.additional = Some(v);
        self
    }
}

/// Calls only logged in us-east-1 (IAM, console sign-in).
pub fn is_global(name: &str) -> bool {
    matches!(
        name,
        "GetRole"
            | "ListRoles"
            | "ListUsers"
            | "GetUser"
            | "GetPolicy"
            | "GetPolicyVersion"
            | "ListAttachedRolePolicies"
            | "ListRolePolicies"
            | "TagRole"
            | "PutRolePolicy"
            | "UpdateAssumeRolePolicy"
            | "GetAccountSummary"
            | "ListMFADevices"
            | "ConsoleLogin"
    )
}

const APP: &[(u32, &str)] = &[
    (200, "Decrypt"),
    (80, "GenerateDataKey"),
    (100, "GetParameter"),
    (40, "GetParameters"),
    (60, "GetSecretValue"),
    (60, "AssumeRole"),
    (40, "GetCallerIdentity"),
    (40, "DescribeInstances"),
    (30, "DescribeTags"),
    (40, "DescribeTable"),
    (30, "GetAuthorizationToken"),
    (20, "DescribeLogStreams"),
    (10, "UpdateInstanceInformation"),
    (6, "CreateLogStream"),
];
const HUMAN: &[(u32, &str)] = &[
    (80, "DescribeInstances"),
    (40, "DescribeSecurityGroups"),
    (30, "DescribeVolumes"),
    (20, "DescribeVpcs"),
    (40, "ListBuckets"),
    (30, "GetBucketLocation"),
    (20, "GetBucketAcl"),
    (30, "ListFunctions20150331"),
    (20, "GetFunction20150331v2"),
    (20, "DescribeDBInstances"),
    (30, "LookupEvents"),
    (20, "DescribeAlarms"),
    (30, "GetMetricData"),
    (20, "ListRoles"),
    (20, "GetRole"),
    (10, "ListUsers"),
    (20, "DescribeLogGroups"),
    (20, "DescribeLoadBalancers"),
    (10, "DescribeAutoScalingGroups"),
    (8, "ConsoleLogin"),
    (3, "CreateTags"),
    (2, "StopInstances"),
    (2, "StartInstances"),
    (2, "ModifyInstanceAttribute"),
    (1, "PutBucketTagging"),
];
const CI: &[(u32, &str)] = &[
    (60, "GetRole"),
    (30, "GetPolicy"),
    (30, "GetPolicyVersion"),
    (40, "ListAttachedRolePolicies"),
    (30, "ListRolePolicies"),
    (30, "GetBucketPolicy"),
    (30, "GetBucketAcl"),
    (30, "GetBucketVersioning"),
    (40, "DescribeSecurityGroups"),
    (20, "DescribeVpcs"),
    (20, "DescribeSubnets"),
    (30, "DescribeInstances"),
    (20, "GetFunction20150331v2"),
    (10, "DescribeDBInstances"),
    (20, "ListTagsForResource"),
    (10, "GetUser"),
    (3, "TagRole"),
    (2, "PutRolePolicy"),
    (1, "UpdateAssumeRolePolicy"),
    (3, "CreateTags"),
    (2, "UpdateFunctionCode20150331v2"),
    (1, "AuthorizeSecurityGroupIngress"),
];
const SERVICE: &[(u32, &str)] = &[
    (100, "AssumeRole"),
    (40, "GenerateDataKey"),
    (40, "Decrypt"),
];
const LINKED: &[(u32, &str)] = &[
    (50, "DescribeInstances"),
    (30, "DescribeInstanceStatus"),
    (20, "DescribeLoadBalancers"),
    (30, "DescribeTargetHealth"),
    (20, "GetBucketAcl"),
    (20, "DescribeSecurityGroups"),
    (20, "ListBuckets"),
    (2, "TerminateInstances"),
    (1, "RunInstances"),
];
const ROOT: &[(u32, &str)] = &[
    (3, "ConsoleLogin"),
    (2, "GetAccountSummary"),
    (2, "ListMFADevices"),
    (2, "DescribeRegions"),
];

/// The call name for a caller of `kind`.
pub fn choose(rng: &mut Rng, kind: Kind) -> &'static str {
    let list = match kind {
        Kind::App => APP,
        Kind::Human => HUMAN,
        Kind::Ci => CI,
        Kind::Service => SERVICE,
        Kind::Linked => LINKED,
        Kind::Root => ROOT,
    };
    rng.weighted(list)
}

pub fn instance_id(rng: &mut Rng) -> String {
    format!("i-0{}", rng.hex(16))
}

fn items<T: Into<Value>>(v: Vec<T>) -> Value {
    json!({ "items": v.into_iter().map(Into::into).collect::<Vec<Value>>() })
}

fn ids(rng: &mut Rng, max: u64) -> Vec<Value> {
    (0..rng.range(1, max))
        .map(|_| json!({"instanceId": instance_id(rng)}))
        .collect()
}

const BUCKETS: &[&str] = &[
    "acme-prod-assets",
    "acme-data-lake-raw",
    "acme-terraform-state",
    "acme-logs-archive",
    "acme-ml-models",
];
const ROLES: &[&str] = &[
    "web-frontend",
    "orders-api",
    "payments-worker",
    "batch-etl",
    "terraform-deploy",
    "readonly-auditor",
];
const PARAMS: &[&str] = &[
    "/prod/orders/db-url",
    "/prod/payments/stripe-endpoint",
    "/prod/web/feature-flags",
    "/shared/datadog/api-host",
];
const TABLES: &[&str] = &["orders", "sessions", "inventory", "idempotency-keys"];
const FUNCS: &[&str] = &[
    "thumbnailer",
    "nightly-report",
    "webhook-relay",
    "audit-export",
    "cost-alerts",
];

fn s3(rng: &mut Rng, ctx: &Ctx, name: &'static str, extra: Value) -> Call {
    let bucket = *rng.pick(BUCKETS);
    let mut req =
        json!({"bucketName": bucket, "Host": format!("{bucket}.s3.{}.amazonaws.com", ctx.region)});
    if let (Value::Object(m), Value::Object(x)) = (&mut req, extra) {
        m.extend(x);
    }
    Call::new("s3.amazonaws.com", name, true, req)
        .with_add(json!({
            "SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0,
            "AuthenticationMethod": "AuthHeader", "x-amz-id-2": rng.b64(76), "bytesTransferredOut": rng.range(0, 2000)
        }))
        .with_res(json!([{"accountId": ctx.acct, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")}]))
}

fn kms(rng: &mut Rng, ctx: &Ctx, name: &'static str, service: bool) -> Call {
    let key = format!("arn:aws:kms:{}:{}:key/{}", ctx.region, ctx.acct, rng.uuid());
    let context = if service {
        json!({"aws:cloudtrail:arn": format!("arn:aws:cloudtrail:us-east-1:{}:trail/management-events", ctx.acct),
               "aws:s3:arn": format!("arn:aws:s3:::acme-logs-archive/AWSLogs/{}/CloudTrail/{}/{}", ctx.acct, ctx.region, rng.alnum(16))})
    } else if rng.chance(0.5) {
        json!({"PARAMETER_ARN": format!("arn:aws:ssm:{}:{}:parameter{}", ctx.region, ctx.acct, rng.pick(PARAMS))})
    } else {
        json!({"aws:lambda:FunctionArn": format!("arn:aws:lambda:{}:{}:function:{}", ctx.region, ctx.acct, rng.pick(FUNCS))})
    };
    let mut req = json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": context});
    if name == "GenerateDataKey" {
        req = json!({"keyId": key, "encryptionContext": req["encryptionContext"].take(), "keySpec": "AES_256"});
    }
    Call::new("kms.amazonaws.com", name, true, req)
        .with_res(json!([{"accountId": ctx.acct, "type": "AWS::KMS::Key", "ARN": key}]))
}

fn assume_role(rng: &mut Rng, ctx: &Ctx) -> Call {
    let role = *rng.pick(ROLES);
    let session = format!(
        "botocore-session-{}",
        rng.range(1_760_000_000, 1_790_000_000)
    );
    let arn = format!("arn:aws:iam::{}:role/{role}", ctx.acct);
    let token_len = rng.range(380, 900) as usize;
    let token = rng.b64(token_len);
    Call::new("sts.amazonaws.com", "AssumeRole", true, json!({"roleArn": arn, "roleSessionName": session, "durationSeconds": 3600}))
        .with_resp(json!({
            "credentials": {"accessKeyId": format!("ASIA{}", rng.upper(16)), "sessionToken": token,
                            "expiration": "Nov 10, 2026, 4:12:44 AM"},
            "assumedRoleUser": {"assumedRoleId": format!("AROA{}:{session}", rng.upper(17)),
                                "arn": format!("arn:aws:sts::{}:assumed-role/{role}/{session}", ctx.acct)}
        }))
        .with_res(json!([{"accountId": ctx.acct, "type": "AWS::IAM::Role", "ARN": arn}]))
}

/// A read call by name (writes are in [`super::writes`]).
pub fn build(rng: &mut Rng, name: &'static str, ctx: &Ctx, service: bool) -> Call {
    let acct = ctx.acct;
    let region = ctx.region;
    match name {
        "Decrypt" | "GenerateDataKey" => kms(rng, ctx, name, service),
        "AssumeRole" => assume_role(rng, ctx),
        "GetParameter" => Call::new("ssm.amazonaws.com", name, true, json!({"name": rng.pick(PARAMS), "withDecryption": true})),
        "GetParameters" => Call::new("ssm.amazonaws.com", name, true, json!({"names": PARAMS[..rng.range(2, 4) as usize], "withDecryption": true})),
        "GetSecretValue" => Call::new("secretsmanager.amazonaws.com", name, true,
            json!({"secretId": format!("arn:aws:secretsmanager:{region}:{acct}:secret:prod/{}-{}", rng.pick(TABLES), rng.alnum(6))})),
        "GetCallerIdentity" => Call::new("sts.amazonaws.com", name, true, Value::Null),
        "DescribeInstances" | "DescribeInstanceStatus" | "DescribeTags" | "DescribeSecurityGroups" | "DescribeVolumes"
        | "DescribeVpcs" | "DescribeSubnets" | "DescribeRegions" => ec2_read(rng, name),
        "DescribeTable" => Call::new("dynamodb.amazonaws.com", name, true, json!({"tableName": rng.pick(TABLES)}))
            .with_res(json!([{"accountId": acct, "type": "AWS::DynamoDB::Table", "ARN": format!("arn:aws:dynamodb:{region}:{acct}:table/{}", rng.pick(TABLES))}])),
        "GetAuthorizationToken" => Call::new("ecr.amazonaws.com", name, true, json!({"registryIds": [acct]})),
        "DescribeLogStreams" => Call::new("logs.amazonaws.com", name, true,
            json!({"logGroupName": format!("/aws/lambda/{}", rng.pick(FUNCS)), "descending": true, "orderBy": "LastEventTime", "limit": 5})),
        "DescribeLogGroups" => Call::new("logs.amazonaws.com", name, true, json!({"limit": 50, "logGroupNamePrefix": "/aws/"})),
        "ListBuckets" => Call::new("s3.amazonaws.com", name, true, json!({"Host": format!("s3.{region}.amazonaws.com")}))
            .with_add(json!({"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader", "x-amz-id-2": rng.b64(76), "bytesTransferredOut": 2917})),
        "GetBucketLocation" => s3(rng, ctx, name, json!({"location": ""})),
        "GetBucketAcl" => s3(rng, ctx, name, json!({"acl": ""})),
        "GetBucketPolicy" => s3(rng, ctx, name, json!({"policy": ""})),
        "GetBucketVersioning" => s3(rng, ctx, name, json!({"versioning": ""})),
        "ListFunctions20150331" => Call::new("lambda.amazonaws.com", name, true, Value::Null),
        "GetFunction20150331v2" => Call::new("lambda.amazonaws.com", name, true, json!({"functionName": rng.pick(FUNCS)})),
        "DescribeDBInstances" => Call::new("rds.amazonaws.com", name, true, json!({"dBInstanceIdentifier": format!("{}-db", rng.pick(TABLES))})),
        "ListTagsForResource" => Call::new("rds.amazonaws.com", name, true, json!({"resourceName": format!("arn:aws:rds:{region}:{acct}:db:{}-db", rng.pick(TABLES))})),
        "LookupEvents" => Call::new("cloudtrail.amazonaws.com", name, true,
            json!({"maxResults": 50, "lookupAttributes": [{"attributeKey": "EventName", "attributeValue": "ConsoleLogin"}]})),
        "DescribeAlarms" => Call::new("monitoring.amazonaws.com", name, true, json!({"stateValue": "ALARM", "maxRecords": 100})),
        "GetMetricData" => metric_data(rng, ctx),
        "ListRoles" | "ListUsers" => Call::new("iam.amazonaws.com", name, true, json!({"maxItems": 1000})),
        "GetRole" | "ListAttachedRolePolicies" | "ListRolePolicies" => Call::new("iam.amazonaws.com", name, true, json!({"roleName": rng.pick(ROLES)})),
        "GetUser" => Call::new("iam.amazonaws.com", name, true, json!({"userName": rng.pick(&["alice", "bob", "backup-job"])})),
        "GetPolicy" => Call::new("iam.amazonaws.com", name, true, json!({"policyArn": format!("arn:aws:iam::{acct}:policy/{}-access", rng.pick(ROLES))})),
        "GetPolicyVersion" => Call::new("iam.amazonaws.com", name, true, json!({"policyArn": format!("arn:aws:iam::{acct}:policy/{}-access", rng.pick(ROLES)), "versionId": format!("v{}", rng.range(1, 9))})),
        "GetAccountSummary" | "ListMFADevices" => Call::new("iam.amazonaws.com", name, true, Value::Null),
        "DescribeLoadBalancers" => Call::new("elasticloadbalancing.amazonaws.com", name, true, json!({"pageSize": 400})),
        "DescribeTargetHealth" => Call::new("elasticloadbalancing.amazonaws.com", name, true,
            json!({"targetGroupArn": format!("arn:aws:elasticloadbalancing:{region}:{acct}:targetgroup/{}-tg/{}", rng.pick(ROLES), rng.hex(16))})),
        "DescribeAutoScalingGroups" => Call::new("autoscaling.amazonaws.com", name, true, json!({"maxRecords": 100})),
        "ConsoleLogin" => console_login(rng),
        _ => super::writes::build(rng, name, ctx),
    }
}

/// EC2 `Describe*` calls (their responses are not logged).
fn ec2_read(rng: &mut Rng, name: &'static str) -> Call {
    match name {
        "DescribeInstances" => {
            let req = if rng.chance(0.5) {
                json!({"instancesSet": items(ids(rng, 8)), "filterSet": {}})
            } else {
                json!({"instancesSet": {}, "filterSet": items(vec![json!({"name": "tag:Name", "valueSet": items(vec![json!({"value": format!("{}-*", rng.pick(ROLES))})])})])})
            };
            Call::new("ec2.amazonaws.com", name, true, req)
        }
        "DescribeInstanceStatus" => Call::new(
            "ec2.amazonaws.com",
            name,
            true,
            json!({"instancesSet": items(ids(rng, 20)), "filterSet": {}, "includeAllInstances": false}),
        ),
        "DescribeTags" => {
            let id = instance_id(rng);
            Call::new(
                "ec2.amazonaws.com",
                name,
                true,
                json!({"filterSet": items(vec![json!({"name": "resource-id", "valueSet": items(vec![json!({"value": id})])})])}),
            )
        }
        "DescribeSecurityGroups" => {
            let sgs: Vec<Value> = (0..rng.range(0, 6))
                .map(|_| json!({"groupId": format!("sg-0{}", rng.hex(16))}))
                .collect();
            Call::new(
                "ec2.amazonaws.com",
                name,
                true,
                json!({"securityGroupSet": {}, "securityGroupIdSet": items(sgs), "filterSet": {}}),
            )
        }
        "DescribeVolumes" => Call::new(
            "ec2.amazonaws.com",
            name,
            true,
            json!({"volumeSet": {}, "filterSet": items(vec![json!({"name": "attachment.instance-id", "valueSet": items(vec![json!({"value": instance_id(rng)})])})])}),
        ),
        "DescribeVpcs" => Call::new(
            "ec2.amazonaws.com",
            name,
            true,
            json!({"vpcSet": {}, "filterSet": {}}),
        ),
        "DescribeSubnets" => Call::new(
            "ec2.amazonaws.com",
            name,
            true,
            json!({"subnetSet": {}, "filterSet": items(vec![json!({"name": "vpc-id", "valueSet": items(vec![json!({"value": format!("vpc-0{}", rng.hex(16))})])})])}),
        ),
        "DescribeRegions" => Call::new(
            "ec2.amazonaws.com",
            name,
            true,
            json!({"regionSet": {}, "allRegions": false}),
        ),
        _ => Call::new(
            "ec2.amazonaws.com",
            "DescribeRegions",
            true,
            json!({"regionSet": {}, "allRegions": false}),
        ),
    }
}

fn metric_data(rng: &mut Rng, ctx: &Ctx) -> Call {
    let queries: Vec<Value> = (0..rng.range(1, 6))
        .map(|i| json!({"id": format!("m{i}"), "metricStat": {"metric": {"namespace": "AWS/EC2", "metricName": "CPUUtilization",
            "dimensions": [{"name": "InstanceId", "value": instance_id(rng)}]}, "period": 300, "stat": "Average"}, "returnData": true}))
        .collect();
    let _ = ctx;
    Call::new(
        "monitoring.amazonaws.com",
        "GetMetricData",
        true,
        json!({"metricDataQueries": queries, "startTime": "Nov 9, 2026, 9:00:00 PM", "endTime": "Nov 10, 2026, 12:00:00 AM"}),
    )
}

fn console_login(rng: &mut Rng) -> Call {
    let ok = rng.chance(0.93);
    let mut c = Call::new("signin.amazonaws.com", "ConsoleLogin", false, Value::Null)
        .with_resp(json!({"ConsoleLogin": if ok { "Success" } else { "Failure" }}))
        .with_add(json!({"LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
                    "MobileVersion": "No", "MFAIdentifier": "arn:aws:iam::111122223333:mfa/device", "MFAUsed": "Yes"}));
    c.event_type = "AwsConsoleSignIn";
    c
}
