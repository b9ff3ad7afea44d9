//! The write calls of the background traffic (about 1-2% of records), and the
//! planted attack's calls.

use super::calls::{instance_id, Call, Ctx};
use super::rng::Rng;
use serde_json::{json, Value};

fn ec2_state(ids: &[String], code: (u32, &str), prev: (u32, &str), req_id: String) -> Value {
    let items: Vec<Value> = ids
        .iter()
        .map(|id| json!({"instanceId": id, "currentState": {"code": code.0, "name": code.1}, "previousState": {"code": prev.0, "name": prev.1}}))
        .collect();
    json!({"requestId": req_id, "instancesSet": {"items": items}})
}

/// `TerminateInstances` of `ids`.
pub fn terminate(rng: &mut Rng, ids: &[String]) -> Call {
    let req: Vec<Value> = ids.iter().map(|id| json!({"instanceId": id})).collect();
    Call::new(
        "ec2.amazonaws.com",
        "TerminateInstances",
        false,
        json!({"instancesSet": {"items": req}}),
    )
    .with_resp(ec2_state(
        ids,
        (32, "shutting-down"),
        (16, "running"),
        rng.uuid(),
    ))
}

fn inline_policy() -> String {
    "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\"s3:GetObject\", \"s3:ListBucket\"],\n      \"Resource\": [\"arn:aws:s3:::acme-prod-assets\", \"arn:aws:s3:::acme-prod-assets/*\"]\n    }\n  ]\n}".into()
}

fn trust_policy() -> String {
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}".into()
}

fn function_config(rng: &mut Rng, ctx: &Ctx, func: &str) -> Value {
    json!({
        "functionName": func, "functionArn": format!("arn:aws:lambda:{}:{}:function:{func}", ctx.region, ctx.acct),
        "runtime": "python3.11", "role": format!("arn:aws:iam::{}:role/service-role/{func}-role", ctx.acct),
        "handler": "app.handler", "codeSize": rng.range(2_000, 9_000_000), "description": "", "timeout": 30, "memorySize": 512,
        "lastModified": "2026-11-10T03:12:44.000+0000", "codeSha256": rng.b64(44), "version": format!("{}", rng.range(2, 90)),
        "tracingConfig": {"mode": "PassThrough"}, "revisionId": rng.uuid(), "state": "Active", "lastUpdateStatus": "InProgress",
        "lastUpdateStatusReason": "The function is being created.", "lastUpdateStatusReasonCode": "Creating",
        "packageType": "Zip", "architectures": ["x86_64"], "ephemeralStorage": {"size": 512},
        "snapStart": {"applyOn": "None", "optimizationStatus": "Off"}, "runtimeVersionConfig": {"runtimeVersionArn":
            format!("arn:aws:lambda:{}::runtime:{}", ctx.region, rng.hex(64))},
        "loggingConfig": {"logFormat": "Text", "logGroup": format!("/aws/lambda/{func}")}
    })
}

fn run_instances(rng: &mut Rng, ctx: &Ctx) -> Call {
    let id = instance_id(rng);
    let ip = format!("10.0.{}.{}", rng.below(16), rng.range(4, 250));
    let inst = json!({
        "instanceId": id, "imageId": format!("ami-0{}", rng.hex(16)), "currentInstanceBootMode": "legacy-bios",
        "instanceState": {"code": 0, "name": "pending"}, "privateDnsName": format!("ip-{}.ec2.internal", ip.replace('.', "-")),
        "amiLaunchIndex": 0, "productCodes": {}, "instanceType": "m6i.large",
        "launchTime": 1_794_280_364_000u64, "placement": {"availabilityZone": format!("{}a", ctx.region), "tenancy": "default"},
        "monitoring": {"state": "disabled"}, "subnetId": format!("subnet-0{}", rng.hex(16)), "vpcId": format!("vpc-0{}", rng.hex(16)),
        "privateIpAddress": ip, "stateReason": {"code": "pending", "message": "pending"}, "architecture": "x86_64",
        "rootDeviceType": "ebs", "rootDeviceName": "/dev/xvda", "blockDeviceMapping": {}, "virtualizationType": "hvm",
        "clientToken": rng.uuid(), "tagSet": {"items": [{"key": "aws:autoscaling:groupName", "value": "web-frontend-asg"}]},
        "groupSet": {"items": [{"groupId": format!("sg-0{}", rng.hex(16)), "groupName": "web-frontend"}]},
        "sourceDestCheck": true, "hypervisor": "xen", "networkInterfaceSet": {"items": [{"networkInterfaceId":
            format!("eni-0{}", rng.hex(16)), "subnetId": format!("subnet-0{}", rng.hex(16)), "status": "in-use",
            "macAddress": "0e:5d:2b:aa:10:7f", "privateIpAddress": ip, "sourceDestCheck": true, "interfaceType": "interface"}]},
        "ebsOptimized": true, "enaSupport": true, "metadataOptions": {"state": "pending", "httpTokens": "required",
            "httpPutResponseHopLimit": 2, "httpEndpoint": "enabled"}, "maintenanceOptions": {"autoRecovery": "default"}
    });
    Call::new("ec2.amazonaws.com", "RunInstances", false, json!({
        "instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]}, "launchTemplate": {"launchTemplateId":
            format!("lt-0{}", rng.hex(16)), "version": "7"}, "subnetId": format!("subnet-0{}", rng.hex(16)),
        "clientToken": rng.uuid(), "tagSpecificationSet": {"items": [{"resourceType": "instance", "tags": [{"key": "aws:autoscaling:groupName", "value": "web-frontend-asg"}]}]}
    }))
    .with_resp(json!({"requestId": rng.uuid(), "reservationId": format!("r-0{}", rng.hex(16)), "ownerId": ctx.acct,
                      "groupSet": {}, "instancesSet": {"items": [inst]}, "requesterId": "940372691376"}))
}

/// A write call by name; unknown names become `DescribeRegions`.
pub fn build(rng: &mut Rng, name: &'static str, ctx: &Ctx) -> Call {
    let ok = || json!({"requestId": "", "_return": true});
    match name {
        "CreateTags" => Call::new("ec2.amazonaws.com", name, false, json!({
            "resourcesSet": {"items": [{"resourceId": instance_id(rng)}]},
            "tagSet": {"items": [{"key": "Owner", "value": rng.pick(&["raj", "jane", "platform"])}]}}))
            .with_resp(ok()),
        "StopInstances" | "StartInstances" | "TerminateInstances" => {
            let ids = vec![instance_id(rng)];
            let req: Vec<Value> = ids.iter().map(|id| json!({"instanceId": id})).collect();
            let (cur, prev) = match name {
                "StopInstances" => ((64, "stopping"), (16, "running")),
                "StartInstances" => ((0, "pending"), (80, "stopped")),
                _ => ((32, "shutting-down"), (16, "running")),
            };
            Call::new("ec2.amazonaws.com", name, false, json!({"instancesSet": {"items": req}, "force": false}))
                .with_resp(ec2_state(&ids, cur, prev, rng.uuid()))
        }
        "ModifyInstanceAttribute" => Call::new("ec2.amazonaws.com", name, false,
            json!({"instanceId": instance_id(rng), "instanceType": {"value": "m6i.xlarge"}})).with_resp(ok()),
        "AuthorizeSecurityGroupIngress" => {
            let sg = format!("sg-0{}", rng.hex(16));
            Call::new("ec2.amazonaws.com", name, false, json!({"groupId": sg, "ipPermissions": {"items": [{"ipProtocol": "tcp",
                "fromPort": 443, "toPort": 443, "groups": {}, "ipRanges": {"items": [{"cidrIp": "10.0.0.0/16"}]},
                "ipv6Ranges": {}, "prefixListIds": {}}]}}))
            .with_resp(json!({"requestId": rng.uuid(), "_return": true, "securityGroupRuleSet": {"items": [{"groupOwnerId": ctx.acct,
                "groupId": sg, "securityGroupRuleId": format!("sgr-0{}", rng.hex(16)), "isEgress": false, "ipProtocol": "tcp",
                "fromPort": 443, "toPort": 443, "cidrIpv4": "10.0.0.0/16"}]}}))
        }
        "RunInstances" => run_instances(rng, ctx),
        "UpdateInstanceInformation" => {
            let ip = format!("10.0.{}.{}", rng.below(16), rng.range(4, 250));
            Call::new("ssm.amazonaws.com", name, false, json!({"instanceId": instance_id(rng), "agentVersion": "3.2.1705.0",
                "agentStatus": "Active", "platformType": "Linux", "platformName": "Amazon Linux", "platformVersion": "2023",
                "iPAddress": ip, "computerName": format!("ip-{}.ec2.internal", ip.replace('.', "-")), "agentName": "amazon-ssm-agent",
                "availabilityZone": format!("{}a", ctx.region), "availabilityZoneId": "use1-az4", "sSMConnectionChannel": "ssmmessages"}))
        }
        "CreateLogStream" => Call::new("logs.amazonaws.com", name, false, json!({
            "logGroupName": "/aws/lambda/thumbnailer", "logStreamName": format!("2026/11/10/[$LATEST]{}", rng.hex(32))})),
        "PutBucketTagging" => {
            let bucket = "acme-data-lake-raw";
            Call::new("s3.amazonaws.com", name, false, json!({"bucketName": bucket, "Host": format!("{bucket}.s3.amazonaws.com"), "tagging": "",
                "Tagging": {"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/", "TagSet": {"Tag": [{"Key": "team", "Value": "data"}]}}}))
        }
        "TagRole" => Call::new("iam.amazonaws.com", name, false, json!({"roleName": "orders-api", "tags": [{"key": "CostCenter", "value": "1234"}]})),
        "PutRolePolicy" => Call::new("iam.amazonaws.com", name, false,
            json!({"roleName": "web-frontend", "policyName": "assets-read", "policyDocument": inline_policy()})),
        "UpdateAssumeRolePolicy" => Call::new("iam.amazonaws.com", name, false, json!({"roleName": "batch-etl", "policyDocument": trust_policy()})),
        "UpdateFunctionCode20150331v2" => {
            let func = *rng.pick(&["thumbnailer", "webhook-relay"]);
            Call::new("lambda.amazonaws.com", name, false,
                json!({"functionName": func, "publish": true, "s3Bucket": "acme-build-artifacts", "s3Key": format!("{func}/{}.zip", rng.hex(40))}))
            .with_resp(function_config(rng, ctx, func))
        }
        _ => Call::new("ec2.amazonaws.com", "DescribeRegions", true, json!({"regionSet": {}})),
    }
}

/// The planted attack calls: `(name, call)` for a compromised CI user.
pub fn attack(rng: &mut Rng, ctx: &Ctx, step: &str) -> Call {
    let acct = ctx.acct;
    match step {
        "CreateUser" => Call::new("iam.amazonaws.com", "CreateUser", false, json!({"userName": "support-backup"}))
            .with_resp(json!({"user": {"path": "/", "userName": "support-backup", "userId": format!("AIDA{}", rng.upper(17)),
                "arn": format!("arn:aws:iam::{acct}:user/support-backup"), "createDate": "Nov 10, 2026, 3:12:44 AM"}})),
        "AttachUserPolicy" => Call::new("iam.amazonaws.com", "AttachUserPolicy", false,
            json!({"userName": "support-backup", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})),
        "CreateAccessKey" => Call::new("iam.amazonaws.com", "CreateAccessKey", false, json!({"userName": "support-backup"}))
            .with_resp(json!({"accessKey": {"userName": "support-backup", "accessKeyId": format!("AKIA{}", rng.upper(16)),
                "status": "Active", "createDate": "Nov 10, 2026, 3:13:02 AM"}})),
        "StopLogging" => Call::new("cloudtrail.amazonaws.com", "StopLogging", false,
            json!({"name": format!("arn:aws:cloudtrail:us-east-1:{acct}:trail/management-events")}))
            .with_resp(Value::Null),
        _ => Call::new("sts.amazonaws.com", "GetCallerIdentity", true, Value::Null),
    }
}
