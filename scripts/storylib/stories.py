"""The stories: each function returns (Story, config.toml text, expected.json dict)."""

import uuid

from .cloudtrail import *  # noqa: F401,F403  (the builders are the vocabulary of the stories)
from .cloudtrail import NS

# ---- stories ----

def _code_spaces_background(s):
    """ops-admin's usual CLI work on Friday, bob's MFA session and a CI role on Saturday night."""
    s.at("2026-11-13T16:02:11")
    ops_key = user("ops-admin")
    background_reads(s, ops_key, "198.51.100.14", UA_CLI.format(cmd="ec2.describe-instances"), [
        ("ec2.amazonaws.com", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}),
        ("cloudwatch.amazonaws.com", "DescribeAlarms", {"maxRecords": 100}),
    ])
    s.at("2026-11-14T02:40:03")
    s.login(user("bob"), "198.51.100.20", UA_FIREFOX, mfa=True, label="bob-login")
    bob = user("bob", mfa=True, console_since=s.now())
    s.after(40)
    background_reads(s, bob, "198.51.100.20", UA_FIREFOX, [
        ("ec2.amazonaws.com", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}),
        ("s3.amazonaws.com", "ListBuckets", {"Host": "s3.amazonaws.com"}),
        ("logs.amazonaws.com", "DescribeLogGroups", {"limit": 50}),
    ])
    ci = role("ci-runner", "i-0a1b2c3d4e5f60718", "2026-11-14T02:30:00Z")
    s.after(60)
    s.read("sts.amazonaws.com", "GetCallerIdentity", ci, "198.51.100.31", UA_BOTO)
    s.after(5)
    s.read("ec2.amazonaws.com", "DescribeInstances", ci, "198.51.100.31", UA_BOTO,
           {"instancesSet": {}, "filterSet": {"items": [{"name": "tag:app", "valueSet": {"items": [{"value": "web"}]}}]}})
    s.after(20)
    s.read("sts.amazonaws.com", "AssumeRole", service("ec2.amazonaws.com"), "ec2.amazonaws.com", "ec2.amazonaws.com",
           {"roleArn": arn_role("ci-runner"), "roleSessionName": "i-0a1b2c3d4e5f60718"})
    return bob


def _code_spaces_attack(s):
    """The phished console password (ops-admin never enrolled MFA), from a new address."""
    s.at("2026-11-14T03:12:05")
    ip, ua = "203.0.113.66", UA_CHROME
    s.login(user("ops-admin"), ip, ua, mfa=False, label="attacker-login")
    ops = user("ops-admin", mfa=False, console_since=s.now())
    s.after(35)
    s.read("iam.amazonaws.com", "ListUsers", ops, ip, ua)
    s.after(12)
    s.read("iam.amazonaws.com", "GetAccountSummary", ops, ip, ua)
    s.after(70)
    iam_user_created(s, ops, ip, ua, "backup-admin")
    s.after(29)
    s.add("iam.amazonaws.com", "AttachUserPolicy", ops, ip, ua, {"userName": "backup-admin", "policyArn": ADMIN})
    s.after(32)
    access_key_created(s, ops, ip, ua, "backup-admin")
    s.after(41)
    s.add("iam.amazonaws.com", "CreateLoginProfile", ops, ip, ua,
          {"userName": "backup-admin", "passwordResetRequired": False},
          {"loginProfile": {"userName": "backup-admin", "createDate": s.now(), "passwordResetRequired": False}})
    s.after(86)
    s.add("cloudtrail.amazonaws.com", "StopLogging", ops, ip, ua,
          {"name": f"arn:aws:cloudtrail:{REGION}:{ACCT}:trail/org-trail"})
    s.after(52)
    s.add("guardduty.amazonaws.com", "DeleteDetector", ops, ip, ua, {"detectorId": "12abc34d567e8fa901bc2d34e56789f0"})
    s.after(129)
    for k, n in enumerate([6, 6, 5]):
        terminate(s, ops, ip, ua, instances(f"fleet{k}", n))
        s.after(58 + 20 * k)


def code_spaces():
    """A Code-Spaces-like takeover: phished console password, backup admin, logging off, mass termination."""
    s = Story("code-spaces-takeover", None)
    bob = _code_spaces_background(s)
    _code_spaces_attack(s)
    s.after(30)
    background_reads(s, bob, "198.51.100.20", UA_FIREFOX, [
        ("ec2.amazonaws.com", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}),
    ])
    ops_arn = arn_user("ops-admin")
    why = {
        "signin-console-login-without-mfa": "ops-admin signed in to the console without MFA from a new address",
        "iam-user-created-outside-window": "backup-admin was created on a Saturday night, outside every window",
        "iam-admin-granted": "AdministratorAccess attached to backup-admin",
        "iam-access-key-for-other-user": "ops-admin created an access key for backup-admin",
        "iam-login-profile-for-other-user": "ops-admin gave backup-admin a console password",
        "corr-backdoor-admin": "created, made admin and given credentials within minutes",
        "corr-login-then-takeover": "IAM writes minutes after a console login without MFA",
        "logging-cloudtrail-tampered": "StopLogging on the organisation trail",
        "logging-guardduty-disabled": "DeleteDetector",
        "ec2-terminate-many": "6 instances in one TerminateInstances call",
        "corr-mass-termination": "17 instances terminated in three calls within 4 minutes",
    }
    expected = {
        "story": "A Code-Spaces-like takeover: a phished console password for ops-admin (no MFA), a backup admin "
                 "with keys and a password, CloudTrail and GuardDuty switched off, then the fleet terminated.",
        "must_fire": [{"rule_id": r, "actor": ops_arn, "why": w} for r, w in why.items()],
        "must_not_fire": [
            {"rule_id": "root-activity", "why": "root is not involved"},
            {"rule_id": "signin-console-login-without-mfa", "actor": arn_user("bob"), "why": "bob signed in with MFA"},
            {"rule_id": "corr-access-denied-probing", "why": "nothing was denied"},
        ],
    }
    return s, CONFIG_STANDARD, expected


def backdoor_role():
    """A leaked CI role session creates an admin role trusting an outside account."""
    s = Story("backdoor-role-outside-account", None)
    s.at("2026-11-15T09:58:40")
    ci = role("ci-deployer", "botocore-session-1763200720", "2026-11-15T09:40:00Z")
    ip, ua = "203.0.113.77", UA_BOTO
    s.read("sts.amazonaws.com", "GetCallerIdentity", ci, ip, ua)
    s.after(67)
    s.read("iam.amazonaws.com", "ListRoles", ci, ip, ua, {"maxItems": 1000})
    s.after(78)
    role_created(s, ci, ip, ua, "ops-support", trust({"AWS": f"arn:aws:iam::{OUTSIDE}:root"}))
    s.after(28)
    s.add("iam.amazonaws.com", "AttachRolePolicy", ci, ip, ua, {"roleName": "ops-support", "policyArn": ADMIN})
    s.after(72)
    s.add("iam.amazonaws.com", "UpdateAssumeRolePolicy", ci, ip, ua, {
        "roleName": "billing-reader",
        "policyDocument": policy([
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OUTSIDE}:root"}, "Action": "sts:AssumeRole"},
        ])})
    s.after(950)
    outside = {"type": "AWSAccount", "principalId": "AIDAOUTSIDEATTACKER01", "accountId": OUTSIDE}
    s.read("sts.amazonaws.com", "AssumeRole", outside, "203.0.113.80", UA_BOTO,
           {"roleArn": arn_role("ops-support"), "roleSessionName": "support"},
           extra={"resources": [{"accountId": ACCT, "type": "AWS::IAM::Role", "ARN": arn_role("ops-support")}]})

    # The platform team's legitimate work the same morning.
    s.at("2026-11-15T11:00:12")
    pa = user("platform-admin", mfa=True, console_since="2026-11-15T10:55:00Z")
    pip, pua = "198.51.100.45", UA_MAC
    role_created(s, pa, pip, pua, "partner-audit",
                 trust({"AWS": f"arn:aws:iam::{TRUSTED}:root"}, {"StringEquals": {"sts:ExternalId": "c0ffee-7781"}}))
    s.after(21)
    s.add("iam.amazonaws.com", "AttachRolePolicy", pa, pip, pua,
          {"roleName": "partner-audit", "policyArn": "arn:aws:iam::aws:policy/SecurityAudit"})
    s.after(240)
    role_created(s, pa, pip, pua, "orders-lambda", trust({"Service": "lambda.amazonaws.com"}))
    s.after(15)
    s.add("iam.amazonaws.com", "AttachRolePolicy", pa, pip, pua, {
        "roleName": "orders-lambda",
        "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"})

    ci_arn = arn_role("ci-deployer")
    pa_arn = arn_user("platform-admin")
    expected = {
        "story": "A leaked CI role session creates role ops-support trusting account 999988887777 with "
                 "AdministratorAccess, and opens billing-reader's trust to the same account. The platform "
                 "team creates a role for a trusted partner and a Lambda role the same morning.",
        "must_fire": [
            {"rule_id": "iam-trust-opened", "actor": ci_arn, "min_count": 2,
             "why": "ops-support (CreateRole) and billing-reader (UpdateAssumeRolePolicy) trust 999988887777"},
            {"rule_id": "iam-admin-granted", "actor": ci_arn, "why": "AdministratorAccess on ops-support"},
            {"rule_id": "corr-backdoor-admin", "actor": ci_arn,
             "why": "a role created, opened to an outside account and made admin within minutes"},
        ],
        "must_not_fire": [
            {"rule_id": "iam-trust-opened", "actor": pa_arn, "why": "444455556666 is a trusted account; Lambda is a service"},
            {"rule_id": "iam-admin-granted", "actor": pa_arn, "why": "SecurityAudit and AWSLambdaBasicExecutionRole are not admin"},
            {"rule_id": "corr-backdoor-admin", "actor": pa_arn, "why": "no admin, no outside trust"},
            {"rule_id": "root-activity", "why": "root is not involved"},
        ],
    }
    return s, CONFIG_STANDARD, expected


def terraform_benign():
    """Terraform creates users, keys, roles and policies inside the Tuesday-night window."""
    s = Story("terraform-deploy-benign", None)
    s.at("2026-11-10T22:29:48")
    oidc = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"
    web = {"type": "WebIdentityUser", "principalId": f"{oidc}:sts.amazonaws.com:repo:example/infra:ref:refs/heads/main",
           "userName": "repo:example/infra:ref:refs/heads/main", "identityProvider": oidc}
    s.read("sts.amazonaws.com", "AssumeRoleWithWebIdentity", web, "198.51.100.40", "aws-sdk-go-v2/1.32.2",
           {"roleArn": arn_role("terraform-deploy"), "roleSessionName": "terraform-run-8812", "durationSeconds": 3600})
    tf = role("terraform-deploy", "terraform-run-8812", "2026-11-10T22:29:48Z")
    ip, ua = "198.51.100.40", UA_TF
    s.after(20)
    tags = [{"key": "managed-by", "value": "terraform"}, {"key": "team", "value": "analytics"}]
    iam_user_created(s, tf, ip, ua, "svc-reporting", tags=tags)
    s.after(2)
    s.add("iam.amazonaws.com", "AttachUserPolicy", tf, ip, ua,
          {"userName": "svc-reporting", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"})
    s.after(2)
    access_key_created(s, tf, ip, ua, "svc-reporting")
    s.after(6)
    doc = policy([{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                   "Resource": "arn:aws:s3:::example-orders/*"}])
    s.add("iam.amazonaws.com", "CreatePolicy", tf, ip, ua, {"policyName": "app-s3-writer", "policyDocument": doc},
          {"policy": {"policyName": "app-s3-writer", "arn": f"arn:aws:iam::{ACCT}:policy/app-s3-writer",
                      "defaultVersionId": "v1", "attachmentCount": 0, "isAttachable": True}})
    s.after(5)
    role_created(s, tf, ip, ua, "app-lambda", trust({"Service": "lambda.amazonaws.com"}))
    s.after(2)
    s.add("iam.amazonaws.com", "AttachRolePolicy", tf, ip, ua,
          {"roleName": "app-lambda", "policyArn": f"arn:aws:iam::{ACCT}:policy/app-s3-writer"})
    s.after(13)
    doc2 = policy([{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
                    "Resource": "arn:aws:s3:::example-orders/*"}])
    s.add("iam.amazonaws.com", "CreatePolicyVersion", tf, ip, ua,
          {"policyArn": f"arn:aws:iam::{ACCT}:policy/app-s3-writer", "policyDocument": doc2, "setAsDefault": True},
          {"policyVersion": {"versionId": "v2", "isDefaultVersion": True, "createDate": s.now()}})
    s.after(20)
    s.add("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", tf, ip, ua.replace("api/iam#1.38.0", "api/ec2#1.187.0"),
          {"groupId": "sg-0f1e2d3c4b5a69788", "ipPermissions": {"items": [{
              "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
              "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0", "description": "public HTTPS to the ALB"}]}}]}},
          {"requestId": str(uuid.uuid5(NS, "tf-sg")), "_return": True})
    s.after(30)
    background_reads(s, tf, ip, ua, [
        ("iam.amazonaws.com", "GetUser", {"userName": "svc-reporting"}),
        ("iam.amazonaws.com", "GetRole", {"roleName": "app-lambda"}),
        ("ec2.amazonaws.com", "DescribeSecurityGroups", {"securityGroupIdSet": {"items": [{"groupId": "sg-0f1e2d3c4b5a69788"}]}}),
    ])
    s.at("2026-11-10T22:41:00")
    s.login(user("alice"), "198.51.100.12", UA_FIREFOX, mfa=True)
    alice = user("alice", mfa=True, console_since=s.now())
    s.after(30)
    background_reads(s, alice, "198.51.100.12", UA_FIREFOX, [
        ("iam.amazonaws.com", "ListUsers", None),
        ("iam.amazonaws.com", "GetUser", {"userName": "svc-reporting"}),
        ("iam.amazonaws.com", "ListAccessKeys", {"userName": "svc-reporting"}),
    ])

    expected = {
        "story": "The terraform-deploy role (trusted automation) creates a service user with a key, a policy, a "
                 "Lambda role and a public HTTPS rule inside the Tuesday-night change window; alice reviews it "
                 "with an MFA console session.",
        "must_fire": [],
        "must_not_fire": [
            {"rule_id": r, "why": "trusted automation inside its change window"} for r in [
                "iam-user-created-outside-window", "iam-access-key-for-other-user", "iam-admin-granted",
                "iam-trust-opened", "corr-backdoor-admin", "ec2-security-group-open-world",
                "corr-policy-version-escalation", "signin-console-login-without-mfa"]
        ],
        "no_findings_at_or_above": "medium",
    }
    return s, CONFIG_STANDARD, expected


def readonly_day():
    """An ordinary Wednesday: MFA logins, reads, services, one typo'd password, one denied read."""
    s = Story("readonly-day-benign", None)
    people = [("alice", "198.51.100.12", UA_FIREFOX), ("bob", "198.51.100.20", UA_FIREFOX),
              ("carol", "198.51.100.33", UA_MAC)]
    reads = [
        ("ec2.amazonaws.com", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}),
        ("ec2.amazonaws.com", "DescribeSecurityGroups", {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}}),
        ("s3.amazonaws.com", "ListBuckets", {"Host": "s3.amazonaws.com"}),
        ("cloudtrail.amazonaws.com", "DescribeTrails", {"includeShadowTrails": True}),
        ("cloudtrail.amazonaws.com", "GetTrailStatus", {"name": f"arn:aws:cloudtrail:{REGION}:{ACCT}:trail/org-trail"}),
        ("guardduty.amazonaws.com", "ListDetectors", None),
        ("iam.amazonaws.com", "ListRoles", None),
        ("iam.amazonaws.com", "GetAccountSummary", None),
        ("config.amazonaws.com", "DescribeConfigurationRecorders", None),
        ("cloudwatch.amazonaws.com", "DescribeAlarms", {"maxRecords": 100}),
    ]
    s.at("2026-11-11T08:02:10")
    s.login(user("bob"), "198.51.100.20", UA_FIREFOX, mfa=False, ok=False)
    s.after(25)
    for k, (name, ip, ua) in enumerate(people):
        s.login(user(name), ip, ua, mfa=True)
        sess = user(name, mfa=True, console_since=s.now())
        s.after(40)
        for j in range(len(reads)):
            src, call, req = reads[(j + 3 * k) % len(reads)]
            s.read(src, call, sess, ip, ua, req)
            s.after(300 + 17 * j)
        s.after(600)
    carol = user("carol", mfa=True, console_since=s.now())
    s.read("iam.amazonaws.com", "GetAccountAuthorizationDetails", carol, "198.51.100.33", UA_MAC, {"filter": ["Role"]},
           error=denied(arn_user("carol"), "iam:GetAccountAuthorizationDetails", "*"))
    s.after(120)
    app = role("orders-api", "ecs-task-7f1c2a", "2026-11-11T07:00:00Z")
    for j in range(6):
        s.read("ssm.amazonaws.com", "GetParameter", app, "198.51.100.70", "aws-sdk-java/2.28.16",
               {"name": "/orders/db-url", "withDecryption": True})
        s.after(900)
        s.read("kms.amazonaws.com", "Decrypt", service("ssm.amazonaws.com"), "ssm.amazonaws.com", "ssm.amazonaws.com",
               {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"})
        s.after(60)
    s.read("sts.amazonaws.com", "AssumeRole", service("ecs-tasks.amazonaws.com"), "ecs-tasks.amazonaws.com",
           "ecs-tasks.amazonaws.com", {"roleArn": arn_role("orders-api"), "roleSessionName": "ecs-task-7f1c2a"})
    s.after(30)
    s.add("config.amazonaws.com", "PutEvaluations", service("config.amazonaws.com"), "config.amazonaws.com",
          "config.amazonaws.com", None, None)

    expected = {
        "story": "An ordinary Wednesday: alice, bob and carol sign in with MFA (bob mistypes his password once) and "
                 "read; an ECS service reads its parameters; carol is denied one read.",
        "must_fire": [],
        "must_not_fire": [
            {"rule_id": "signin-console-login-without-mfa", "why": "every successful login used MFA"},
            {"rule_id": "corr-access-denied-probing", "why": "one denied read is not probing"},
            {"rule_id": "root-activity", "why": "root is not involved"},
        ],
        "no_findings_at_or_above": "info",
    }
    return s, CONFIG_STANDARD, expected


def access_denied_probing():
    """A stolen CI key tries one IAM escalation after another and is denied each time."""
    s = Story("access-denied-probing", None)
    s.at("2026-11-12T14:00:00")
    bot = user("ci-bot")
    me = arn_user("ci-bot")
    ip = "203.0.113.99"

    def ua(cmd):
        return UA_KALI.format(cmd=cmd)
    s.read("sts.amazonaws.com", "GetCallerIdentity", bot, ip, ua("sts.get-caller-identity"))
    s.after(20)
    s.read("iam.amazonaws.com", "ListAttachedUserPolicies", bot, ip, ua("iam.list-attached-user-policies"),
           {"userName": "ci-bot"})
    attempts = [
        ("CreateUser", "iam:CreateUser", arn_user("svc-backup"), {"userName": "svc-backup"}),
        ("AttachUserPolicy", "iam:AttachUserPolicy", me, {"userName": "ci-bot", "policyArn": ADMIN}),
        ("PutUserPolicy", "iam:PutUserPolicy", me, {"userName": "ci-bot", "policyName": "x",
                                                     "policyDocument": policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}])}),
        ("CreateAccessKey", "iam:CreateAccessKey", arn_user("admin"), {"userName": "admin"}),
        ("CreateLoginProfile", "iam:CreateLoginProfile", me, {"userName": "ci-bot", "passwordResetRequired": False}),
        ("CreateRole", "iam:CreateRole", arn_role("support-access"),
         {"roleName": "support-access", "assumeRolePolicyDocument": trust({"AWS": f"arn:aws:iam::{OUTSIDE}:root"})}),
        ("UpdateAssumeRolePolicy", "iam:UpdateAssumeRolePolicy", arn_role("billing-reader"),
         {"roleName": "billing-reader", "policyDocument": trust({"AWS": f"arn:aws:iam::{OUTSIDE}:root"})}),
        ("AddUserToGroup", "iam:AddUserToGroup", f"arn:aws:iam::{ACCT}:group/Admins", {"groupName": "Admins", "userName": "ci-bot"}),
    ]
    for name, action, res, req in attempts:
        s.after(16)
        cmd = "iam." + "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")
        s.add("iam.amazonaws.com", name, bot, ip, ua(cmd), req, None, error=denied(me, action, res))
    s.after(29)
    s.read("s3.amazonaws.com", "ListBuckets", bot, ip, ua("s3.ls"), {"Host": "s3.amazonaws.com"})

    # dave, an engineer, is denied twice while fixing his own setup.
    s.at("2026-11-12T15:10:05")
    dave = user("dave", mfa=True, console_since="2026-11-12T15:05:00Z")
    dip = "198.51.100.52"
    s.add("iam.amazonaws.com", "AttachUserPolicy", dave, dip, UA_CHROME,
          {"userName": "dave", "policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}, None,
          error=denied(arn_user("dave"), "iam:AttachUserPolicy", arn_user("dave")))
    s.after(75)
    s.add("iam.amazonaws.com", "CreateAccessKey", dave, dip, UA_CHROME, {"userName": "dave"}, None,
          error=denied(arn_user("dave"), "iam:CreateAccessKey", arn_user("dave")))

    expected = {
        "story": "A stolen key of ci-bot probes eight IAM escalations in two minutes from a Kali box, all denied; "
                 "dave is denied twice an hour later while fixing his own permissions.",
        "must_fire": [
            {"rule_id": "corr-access-denied-probing", "actor": me, "why": "8 denied IAM writes within 2 minutes"},
        ],
        "must_not_fire": [
            {"rule_id": "corr-access-denied-probing", "actor": arn_user("dave"), "why": "two denials are not a burst"},
            {"rule_id": "iam-user-created-outside-window", "why": "the CreateUser call failed"},
            {"rule_id": "iam-admin-granted", "why": "the attach and the inline policy failed"},
            {"rule_id": "iam-access-key-for-other-user", "why": "the key was never created"},
            {"rule_id": "iam-login-profile-for-other-user", "why": "failed, and for ci-bot itself"},
            {"rule_id": "iam-trust-opened", "why": "CreateRole and UpdateAssumeRolePolicy failed"},
            {"rule_id": "corr-backdoor-admin", "why": "nothing was created"},
        ],
    }
    return s, CONFIG_STANDARD, expected


def policy_version_escalation():
    """A developer rewrites the managed policy attached to them into admin and makes it the default."""
    s = Story("policy-version-escalation", None)
    s.at("2026-11-13T09:00:10")
    dev = user("intern-dev")
    ip = "198.51.100.61"

    def ua(cmd):
        return UA_CLI.format(cmd=cmd)
    pol = f"arn:aws:iam::{ACCT}:policy/dev-self-service"
    s.read("iam.amazonaws.com", "GetUser", dev, ip, ua("iam.get-user"))
    s.after(20)
    s.read("iam.amazonaws.com", "ListAttachedUserPolicies", dev, ip, ua("iam.list-attached-user-policies"),
           {"userName": "intern-dev"})
    s.after(15)
    s.read("iam.amazonaws.com", "ListPolicyVersions", dev, ip, ua("iam.list-policy-versions"), {"policyArn": pol})
    s.after(35)
    admin_doc = policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    s.add("iam.amazonaws.com", "CreatePolicyVersion", dev, ip, ua("iam.create-policy-version"),
          {"policyArn": pol, "policyDocument": admin_doc, "setAsDefault": False},
          {"policyVersion": {"versionId": "v3", "isDefaultVersion": False, "createDate": s.now()}})
    s.after(32)
    s.add("iam.amazonaws.com", "SetDefaultPolicyVersion", dev, ip, ua("iam.set-default-policy-version"),
          {"policyArn": pol, "versionId": "v3"})
    s.after(68)
    s.read("iam.amazonaws.com", "ListUsers", dev, ip, ua("iam.list-users"))
    s.after(30)
    access_key_created(s, dev, ip, ua("iam.create-access-key"), "admin")

    s.at("2026-11-13T10:30:00")
    pa = user("platform-admin", mfa=True, console_since="2026-11-13T10:20:00Z")
    reader = f"arn:aws:iam::{ACCT}:policy/s3-reader"
    s.add("iam.amazonaws.com", "CreatePolicyVersion", pa, "198.51.100.45", UA_MAC,
          {"policyArn": reader, "setAsDefault": False, "policyDocument": policy([
              {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
               "Resource": ["arn:aws:s3:::example-reports", "arn:aws:s3:::example-reports/*"]}])},
          {"policyVersion": {"versionId": "v4", "isDefaultVersion": False, "createDate": s.now()}})
    s.after(40)
    s.add("iam.amazonaws.com", "SetDefaultPolicyVersion", pa, "198.51.100.45", UA_MAC,
          {"policyArn": reader, "versionId": "v4"})

    dev_arn = arn_user("intern-dev")
    expected = {
        "story": "intern-dev writes an admin version (Action *, Resource *) of the managed policy attached to them, "
                 "makes it the default a minute later, and creates a key for the admin user. platform-admin "
                 "updates a read-only S3 policy the same way.",
        "must_fire": [
            {"rule_id": "corr-policy-version-escalation", "actor": dev_arn,
             "why": "CreatePolicyVersion with an admin document, then SetDefaultPolicyVersion of it, by one actor "
                    "(assumption: the rule correlates the two calls; setAsDefault=true in one call is the other form)"},
            {"rule_id": "iam-access-key-for-other-user", "actor": dev_arn, "why": "a key for user admin"},
        ],
        "must_not_fire": [
            {"rule_id": "corr-policy-version-escalation", "actor": arn_user("platform-admin"),
             "why": "the new version is not admin"},
            {"rule_id": "root-activity", "why": "root is not involved"},
        ],
    }
    return s, CONFIG_STANDARD, expected


def root_takeover():
    """Root signs in without MFA from an unknown address, mints a key, strips MFA, weakens passwords."""
    s = Story("root-takeover", None)
    s.at("2026-11-13T17:30:00")
    s.login(user("alice"), "198.51.100.12", UA_FIREFOX, mfa=True)
    alice = user("alice", mfa=True, console_since=s.now())
    s.after(45)
    s.read("iam.amazonaws.com", "ListMFADevices", alice, "198.51.100.12", UA_FIREFOX, {"userName": "alice"})

    s.at("2026-11-15T04:00:00")
    ip, ua = "203.0.113.23", UA_FIREFOX
    s.login(root(), ip, ua, mfa=False)
    r = root(console_since=s.now())
    s.after(40)
    s.read("iam.amazonaws.com", "GetAccountSummary", r, ip, ua)
    s.after(33)
    access_key_created(s, r, ip, ua)
    s.after(61)
    s.add("iam.amazonaws.com", "DeactivateMFADevice", r, ip, ua,
          {"userName": "alice", "serialNumber": f"arn:aws:iam::{ACCT}:mfa/alice"})
    s.after(12)
    s.add("iam.amazonaws.com", "DeleteVirtualMFADevice", r, ip, ua, {"serialNumber": f"arn:aws:iam::{ACCT}:mfa/alice"})
    s.after(48)
    s.add("iam.amazonaws.com", "UpdateAccountPasswordPolicy", r, ip, ua, {
        "minimumPasswordLength": 6, "requireSymbols": False, "requireNumbers": False,
        "requireUppercaseCharacters": False, "requireLowercaseCharacters": False,
        "allowUsersToChangePassword": True, "hardExpiry": False})

    expected = {
        "story": "Root signs in without MFA from an unknown address at 4am on a Sunday, creates a root access key, "
                 "removes alice's MFA device and weakens the account password policy.",
        "must_fire": [
            {"rule_id": "root-activity", "actor": ROOT_ARN, "why": "any root use"},
            {"rule_id": "signin-console-login-without-mfa", "actor": ROOT_ARN, "why": "MFAUsed: No"},
            {"rule_id": "root-access-key-created", "actor": ROOT_ARN, "why": "CreateAccessKey by root, no userName"},
            {"rule_id": "iam-mfa-removed", "actor": ROOT_ARN, "why": "DeactivateMFADevice and DeleteVirtualMFADevice for alice"},
            {"rule_id": "iam-password-policy-weakened", "actor": ROOT_ARN, "why": "minimum length 6, no character classes"},
        ],
        "must_not_fire": [
            {"rule_id": "signin-console-login-without-mfa", "actor": arn_user("alice"), "why": "alice used MFA"},
            {"rule_id": "iam-access-key-for-other-user", "why": "root created its own key"},
        ],
    }
    return s, CONFIG_STANDARD, expected


STORIES = [code_spaces, backdoor_role, terraform_benign, readonly_day, access_denied_probing,
           policy_version_escalation, root_takeover]
