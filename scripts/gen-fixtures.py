#!/usr/bin/env python3
"""Regenerates fixtures/stories/*/ and fixtures/demo/ (standard library only).

The generated files are committed; run this after changing a story here, then
`cargo test -p trailguard-e2e --test stories`. Output is deterministic: event ids
are uuid5 of (story, step), gzip headers carry no timestamp.

Each story directory holds:
  records.jsonl   CloudTrail records, one per line, in time order
  config.toml     the trailguard configuration the story runs with (contract format)
  expected.json   {"story", "must_fire": [{"rule_id", "actor", "min_count"?, "why"}],
                   "must_not_fire": [{"rule_id", "actor"?, "event_id"?, "why"}],
                   "no_findings_at_or_above"?: severity}

Conventions (see /work/notes/common.md): account 111122223333, an outside account
999988887777, a trusted outside account 444455556666, addresses from
198.51.100.0/24 (the company) and 203.0.113.0/24 (attackers).
"""

import gzip
import hashlib
import json
import os
import shutil
import sys
import uuid
from datetime import datetime, timedelta, timezone

ACCT = "111122223333"
OUTSIDE = "999988887777"
TRUSTED = "444455556666"
REGION = "us-east-1"
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
NS = uuid.UUID("6f1d5c1e-2b7a-4c39-9a0e-7d3e4b1c2a90")

UA_CLI = "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-aws exe/x86_64.ubuntu.22 prompt/off command/{cmd}"
UA_KALI = "aws-cli/2.13.0 Python/3.11.4 Linux/6.3.0-kali1-amd64 exe/x86_64.kali.2023 prompt/off command/{cmd}"
UA_CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/131.0.0.0 Safari/537.36")
UA_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"
UA_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Safari/605.1.15")
UA_BOTO = ("Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.8.0-45-generic md/arch#x86_64 "
           "lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.36")
UA_TF = ("APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.74.0 "
         "(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.2 ua/2.1 os/linux "
         "lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 api/iam#1.38.0")


def arn_user(name):
    return f"arn:aws:iam::{ACCT}:user/{name}"


def arn_role(name):
    return f"arn:aws:iam::{ACCT}:role/{name}"


ROOT_ARN = f"arn:aws:iam::{ACCT}:root"


def pid(prefix, name):
    digest = hashlib.sha1(name.encode()).hexdigest().upper()
    return (prefix + digest)[:21]


# ---- identities ----

def user(name, mfa=None, console_since=None):
    """An IAM user: a long-term key, or (console_since set) a console session."""
    ident = {"type": "IAMUser", "principalId": pid("AIDA", name), "arn": arn_user(name),
             "accountId": ACCT, "accessKeyId": pid("AKIA", name), "userName": name}
    if console_since is not None:
        ident["accessKeyId"] = pid("ASIA", name + console_since)
        ident["sessionContext"] = {"sessionIssuer": {}, "webIdFederationData": {}, "attributes": {
            "creationDate": console_since, "mfaAuthenticated": "true" if mfa else "false"}}
    return ident


def role(name, session, since, mfa=False):
    return {"type": "AssumedRole", "principalId": f"{pid('AROA', name)}:{session}",
            "arn": f"arn:aws:sts::{ACCT}:assumed-role/{name}/{session}", "accountId": ACCT,
            "accessKeyId": pid("ASIA", name + session),
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": pid("AROA", name),
                                                 "arn": arn_role(name), "accountId": ACCT, "userName": name},
                               "webIdFederationData": {},
                               "attributes": {"creationDate": since, "mfaAuthenticated": "true" if mfa else "false"}}}


def root(console_since=None):
    ident = {"type": "Root", "principalId": ACCT, "arn": ROOT_ARN, "accountId": ACCT}
    if console_since is not None:
        ident["accessKeyId"] = pid("ASIA", "root" + console_since)
        ident["sessionContext"] = {"sessionIssuer": {}, "webIdFederationData": {}, "attributes": {
            "creationDate": console_since, "mfaAuthenticated": "false"}}
    return ident


def service(svc):
    return {"type": "AWSService", "invokedBy": svc}


# ---- records ----

class Story:
    def __init__(self, name, start):
        self.name = name
        self.t = start
        self.records = []
        self.ids = {}

    def at(self, when):
        self.t = datetime.strptime(when, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        return self

    def after(self, secs):
        self.t += timedelta(seconds=secs)
        return self

    def now(self):
        return self.t.strftime("%Y-%m-%dT%H:%M:%SZ")

    def add(self, source, name, ident, ip, ua, req=None, resp=None, read_only=False, error=None,
            event_type="AwsApiCall", extra=None, label=None):
        n = len(self.records)
        eid = str(uuid.uuid5(NS, f"{self.name}/{n}"))
        rec = {"eventVersion": "1.09" if event_type == "AwsApiCall" else "1.08", "userIdentity": ident,
               "eventTime": self.now(), "eventSource": source, "eventName": name, "awsRegion": REGION,
               "sourceIPAddress": ip, "userAgent": ua}
        if error:
            rec["errorCode"], rec["errorMessage"] = error
        rec["requestParameters"] = req
        rec["responseElements"] = resp
        if event_type == "AwsApiCall":
            rec["requestID"] = str(uuid.uuid5(NS, f"{self.name}/{n}/request"))
        rec.update({"eventID": eid, "readOnly": read_only, "eventType": event_type, "managementEvent": True,
                    "recipientAccountId": ACCT, "eventCategory": "Management"})
        if source not in ("signin.amazonaws.com",):
            host = source.replace(".amazonaws.com", f".{REGION}.amazonaws.com")
            if source == "iam.amazonaws.com":
                host = "iam.amazonaws.com"
            rec["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                                 "clientProvidedHostHeader": host}
        if ident.get("sessionContext") and ident.get("type") in ("IAMUser", "Root") and "Mozilla" in ua:
            rec["sessionCredentialFromConsole"] = "true"
        if extra:
            rec.update(extra)
        self.records.append(rec)
        if label:
            self.ids[label] = eid
        return eid

    # Common calls.
    def login(self, ident, ip, ua, mfa, ok=True, label=None):
        data = {"LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
                "MobileVersion": "No", "MFAUsed": "Yes" if mfa else "No"}
        if mfa:
            data["MFAIdentifier"] = f"arn:aws:iam::{ACCT}:mfa/{ident.get('userName', 'root-account-mfa-device')}"
        ident = {k: v for k, v in ident.items() if k not in ("accessKeyId", "sessionContext")}
        extra = {"additionalEventData": data}
        error = None if ok else ("", "Failed authentication")
        eid = self.add("signin.amazonaws.com", "ConsoleLogin", ident, ip, ua, None,
                       {"ConsoleLogin": "Success" if ok else "Failure"}, False, None, "AwsConsoleSignIn",
                       extra, label)
        if error:
            self.records[-1]["errorMessage"] = error[1]
            self.records[-1].pop("errorCode", None)
        return eid

    def read(self, source, name, ident, ip, ua, req=None, **kw):
        return self.add(source, name, ident, ip, ua, req, None, True, **kw)


def denied(ident_arn, action, resource):
    return ("AccessDenied", f"User: {ident_arn} is not authorized to perform: {action} on resource: {resource} "
                            f"because no identity-based policy allows the {action} action")


def policy(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)


def trust(principal, condition=None):
    st = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        st["Condition"] = condition
    return policy([st])


def iam_user_created(s, ident, ip, ua, name, label=None, tags=None):
    req = {"userName": name}
    if tags:
        req["tags"] = tags
    resp = {"user": {"path": "/", "userName": name, "userId": pid("AIDA", name), "arn": arn_user(name),
                     "createDate": s.t.strftime("%b %-d, %Y %-I:%M:%S %p")}}
    return s.add("iam.amazonaws.com", "CreateUser", ident, ip, ua, req, resp, label=label)


def access_key_created(s, ident, ip, ua, name=None, label=None):
    req = {"userName": name} if name else None
    key = {"accessKeyId": pid("AKIA", f"new-{name}-{s.now()}"), "status": "Active",
           "createDate": s.t.strftime("%b %-d, %Y %-I:%M:%S %p")}
    if name:
        key["userName"] = name
    return s.add("iam.amazonaws.com", "CreateAccessKey", ident, ip, ua, req, {"accessKey": key}, label=label)


def role_created(s, ident, ip, ua, name, trust_doc, label=None):
    req = {"roleName": name, "assumeRolePolicyDocument": trust_doc}
    resp = {"role": {"path": "/", "roleName": name, "roleId": pid("AROA", name), "arn": arn_role(name),
                     "createDate": s.t.strftime("%b %-d, %Y %-I:%M:%S %p"),
                     "assumeRolePolicyDocument": trust_doc.replace("\n", "").replace(" ", "")}}
    return s.add("iam.amazonaws.com", "CreateRole", ident, ip, ua, req, resp, label=label)


def terminate(s, ident, ip, ua, instance_ids, label=None):
    req = {"instancesSet": {"items": [{"instanceId": i} for i in instance_ids]}}
    resp = {"requestId": str(uuid.uuid5(NS, f"{s.name}/{s.now()}/terminate")),
            "instancesSet": {"items": [{"instanceId": i, "currentState": {"code": 32, "name": "shutting-down"},
                                        "previousState": {"code": 16, "name": "running"}} for i in instance_ids]}}
    return s.add("ec2.amazonaws.com", "TerminateInstances", ident, ip, ua, req, resp, label=label)


def instances(prefix, n):
    return [f"i-0{hashlib.sha1(f'{prefix}{k}'.encode()).hexdigest()[:16]}" for k in range(n)]


ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
CONFIG_STANDARD = f"""# The company's configuration: change windows on Tuesday and Thursday nights (UTC),
# Terraform deploys through one role, a break-glass user, one partner account.
[[change_window]]
days = ["Tue", "Thu"]
start = "22:00"
end = "02:00"
timezone = "UTC"

[principals]
break_glass = ["arn:aws:iam::{ACCT}:user/breakglass"]
trusted_automation = ["arn:aws:iam::{ACCT}:role/terraform-deploy"]
trusted_accounts = ["{TRUSTED}"]
protected = []
"""


def background_reads(s, who, ip, ua, calls):
    for source, name, req in calls:
        s.read(source, name, who, ip, ua, req)
        s.after(37)


# ---- stories ----

def code_spaces():
    """A Code-Spaces-like takeover: phished console password, backup admin, logging off, mass termination."""
    s = Story("code-spaces-takeover", None)
    s.at("2026-11-13T16:02:11")
    friday = s.login(user("ops-admin"), "198.51.100.14", UA_MAC, mfa=True, label="friday-login")
    ops_friday = user("ops-admin", mfa=True, console_since=s.now())
    s.after(50)
    background_reads(s, ops_friday, "198.51.100.14", UA_MAC, [
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

    # The attacker signs in with the phished password; ops-admin has no MFA device.
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
            {"rule_id": "signin-console-login-without-mfa", "event_id": friday,
             "why": "ops-admin's own Friday login used MFA"},
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


def write_story(s, config, expected):
    d = os.path.join(ROOT, "fixtures", "stories", s.name)
    os.makedirs(d, exist_ok=True)
    s.records.sort(key=lambda r: r["eventTime"])
    with open(os.path.join(d, "records.jsonl"), "w") as f:
        for r in s.records:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    with open(os.path.join(d, "config.toml"), "w") as f:
        f.write(config)
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")


def write_demo(stories):
    """fixtures/demo: two stories as CloudTrail delivers them (S3 key layout, gzip, one file per hour)."""
    d = os.path.join(ROOT, "fixtures", "demo")
    shutil.rmtree(d, ignore_errors=True)
    by_hour = {}
    for s in stories:
        for r in s.records:
            by_hour.setdefault(r["eventTime"][:13], []).append(r)
    for hour, recs in sorted(by_hour.items()):
        recs.sort(key=lambda r: r["eventTime"])
        day = hour[:10].replace("-", "/")
        stamp = hour.replace("-", "").replace("T", "T") + "55Z"
        digest = hashlib.sha1(hour.encode()).hexdigest()[:16].upper()
        rel = (f"AWSLogs/{ACCT}/CloudTrail/{REGION}/{day}/"
               f"{ACCT}_CloudTrail_{REGION}_{stamp}_{digest}.json.gz")
        path = os.path.join(d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body = json.dumps({"Records": recs}, separators=(",", ":")).encode()
        with open(path, "wb") as f:
            f.write(gzip.compress(body, compresslevel=9, mtime=0))
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write("# Demo data\n\nCloudTrail as delivered to S3 (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/"
                "*.json.gz`): an ordinary day (`fixtures/stories/readonly-day-benign`) and a Code-Spaces-like "
                "takeover (`fixtures/stories/code-spaces-takeover`). Try:\n\n"
                "    cargo run --release -p trailguard -- hunt fixtures/demo\n\n"
                "Generated by `scripts/gen-fixtures.py`.\n")


def main():
    made = {}
    for make in STORIES:
        s, config, expected = make()
        write_story(s, config, expected)
        made[s.name] = s
        print(f"fixtures/stories/{s.name}: {len(s.records)} records", file=sys.stderr)
    write_demo([made["readonly-day-benign"], made["code-spaces-takeover"]])
    print("fixtures/demo: written", file=sys.stderr)


if __name__ == "__main__":
    main()
