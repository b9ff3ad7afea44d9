"""Acceptance-review stories: shapes the first stories do not cover (role sessions, Identity Center,
federation tokens, other regions, service activity, break-glass) and other input formats.

A story may set `s.fmt` to "eventbridge" (EventBridge envelopes, one per line) or "s3" (one
`{"Records":[...]}` CloudTrail log file on a single line); the default is bare records."""

import uuid

from .cloudtrail import *  # noqa: F401,F403
from .cloudtrail import NS

SSO_ROLE = "AWSReservedSSO_AdministratorAccess_5f2c0a9e1d3b7c44"
SSO_ROLE_ARN = f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/{SSO_ROLE}"


def in_region(s, region):
    """Moves the last record to another region (endpoint host included)."""
    rec = s.records[-1]
    rec["awsRegion"] = region
    tls = rec.get("tlsDetails")
    if tls and rec["eventSource"] != "iam.amazonaws.com":
        tls["clientProvidedHostHeader"] = rec["eventSource"].replace(".amazonaws.com", f".{region}.amazonaws.com")


def sso_session(user_email, since):
    return {"type": "AssumedRole", "principalId": f"{pid('AROA', SSO_ROLE)}:{user_email}",
            "arn": f"arn:aws:sts::{ACCT}:assumed-role/{SSO_ROLE}/{user_email}", "accountId": ACCT,
            "accessKeyId": pid("ASIA", SSO_ROLE + user_email + since),
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": pid("AROA", SSO_ROLE),
                                                 "arn": SSO_ROLE_ARN, "accountId": ACCT, "userName": SSO_ROLE},
                               "webIdFederationData": {},
                               "attributes": {"creationDate": since, "mfaAuthenticated": "false"}}}


def service_linked(svc_role, session, service_host, since):
    ident = role(svc_role, session, since)
    arn = f"arn:aws:iam::{ACCT}:role/aws-service-role/{service_host}/{svc_role}"
    ident["sessionContext"]["sessionIssuer"]["arn"] = arn
    ident["invokedBy"] = service_host
    return ident


def ci_role_backdoor():
    """A stolen GitHub Actions role session creates a backdoor user with admin and a key."""
    s = Story("ci-role-backdoor-user", None)
    s.at("2026-11-14T11:02:00")
    ci_real = role("github-actions-deploy", "GitHubActions", "2026-11-14T11:00:00Z")
    s.read("sts.amazonaws.com", "GetCallerIdentity", ci_real, "198.51.100.31", UA_BOTO)
    s.after(30)
    s.read("s3.amazonaws.com", "ListBuckets", ci_real, "198.51.100.31", UA_BOTO, {"Host": "s3.amazonaws.com"})
    # The leaked session credentials, replayed from an attacker host 40 minutes later.
    s.at("2026-11-14T11:43:10")
    ip, ua = "203.0.113.77", UA_KALI.format(cmd="iam.create-user")
    s.read("sts.amazonaws.com", "GetCallerIdentity", ci_real, ip, UA_KALI.format(cmd="sts.get-caller-identity"))
    s.after(21)
    s.read("iam.amazonaws.com", "ListAttachedRolePolicies", ci_real, ip, UA_KALI.format(cmd="iam.list-attached-role-policies"),
           {"roleName": "github-actions-deploy"})
    s.after(47)
    iam_user_created(s, ci_real, ip, ua, "svc-metrics-exporter", label="create")
    s.after(18)
    s.add("iam.amazonaws.com", "AttachUserPolicy", ci_real, ip, UA_KALI.format(cmd="iam.attach-user-policy"),
          {"userName": "svc-metrics-exporter", "policyArn": ADMIN}, label="attach")
    s.after(22)
    access_key_created(s, ci_real, ip, UA_KALI.format(cmd="iam.create-access-key"), "svc-metrics-exporter", label="key")
    s.after(90)
    # The backdoor key is used right away.
    s.read("sts.amazonaws.com", "GetCallerIdentity", user("svc-metrics-exporter"), ip,
           UA_KALI.format(cmd="sts.get-caller-identity"))
    ci = arn_role("github-actions-deploy")
    expected = {
        "story": "The GitHub Actions deploy role's session credentials leak; from a Kali host the attacker creates "
                 "svc-metrics-exporter, attaches AdministratorAccess and creates a key for it, all as the role "
                 "session on a Saturday (outside the change window).",
        "must_fire": [
            {"rule_id": "iam-user-created-outside-window", "actor": ci, "why": "CreateUser by the role session"},
            {"rule_id": "iam-admin-granted", "actor": ci, "why": "AdministratorAccess attached"},
            {"rule_id": "iam-access-key-for-other-user", "actor": ci, "why": "a role session has no keys of its own"},
            {"rule_id": "corr-backdoor-admin", "actor": ci, "why": "created, made admin, given a key in 40 seconds"},
        ],
        "must_not_fire": [
            {"rule_id": "root-activity", "why": "root is not involved"},
            {"rule_id": "signin-console-login-without-mfa", "why": "no console login"},
        ],
    }
    return s, CONFIG_STANDARD, expected


def sso_defense_evasion():
    """An Identity Center admin session silences GuardDuty and deletes the trail, in two regions."""
    s = Story("sso-defense-evasion", None)
    s.fmt = "eventbridge"
    s.at("2026-11-15T02:10:00")
    who = sso_session("mallory@example.com", "2026-11-15T02:05:41Z")
    ip, ua = "203.0.113.140", UA_CHROME
    s.read("guardduty.amazonaws.com", "ListDetectors", who, ip, ua)
    in_region(s, "eu-west-1")
    s.after(20)
    s.add("guardduty.amazonaws.com", "UpdateDetector", who, ip, ua,
          {"detectorId": "8ec2f0b7a1d34c55a6e9b0c1d2e3f4a5", "enable": False}, label="gd-update")
    in_region(s, "eu-west-1")
    s.after(35)
    s.add("guardduty.amazonaws.com", "DeleteDetector", who, ip, ua,
          {"detectorId": "1ab2c3d4e5f60718293a4b5c6d7e8f90"}, label="gd-delete")
    in_region(s, "us-east-1")
    s.after(50)
    s.add("cloudtrail.amazonaws.com", "DeleteTrail", who, ip, ua,
          {"name": f"arn:aws:cloudtrail:us-east-1:{ACCT}:trail/management-events"}, label="trail")
    expected = {
        "story": "Delivered as EventBridge events: an IAM Identity Center session (AWSReservedSSO admin permission "
                 "set) disables the eu-west-1 GuardDuty detector, deletes the us-east-1 detector and deletes the "
                 "management-events trail at 2am on a Sunday.",
        "must_fire": [
            {"rule_id": "logging-guardduty-disabled", "actor": SSO_ROLE_ARN, "min_count": 2,
             "why": "UpdateDetector enable=false and DeleteDetector"},
            {"rule_id": "logging-cloudtrail-tampered", "actor": SSO_ROLE_ARN, "why": "DeleteTrail"},
        ],
        "must_not_fire": [
            {"rule_id": "root-activity", "why": "root is not involved"},
        ],
    }
    return s, CONFIG_STANDARD, expected


def federation_token_console():
    """A leaked developer key mints a federation token and works in the console as the federated user."""
    s = Story("federation-token-console", None)
    s.at("2026-11-16T13:20:00")
    dev = user("dev-carol")
    s.read("s3.amazonaws.com", "ListBuckets", dev, "198.51.100.52", UA_CLI.format(cmd="s3.ls"), {"Host": "s3.amazonaws.com"})
    s.at("2026-11-16T19:41:12")
    ip = "203.0.113.9"
    token_policy = policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    s.add("sts.amazonaws.com", "GetFederationToken", dev, ip, UA_BOTO,
          {"name": "carol", "durationSeconds": 129600, "policy": token_policy},
          {"credentials": {"accessKeyId": pid("ASIA", "fed-carol"), "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLE",
                           "expiration": "Nov 18, 2026, 7:41:12 AM"},
           "federatedUser": {"federatedUserId": f"{ACCT}:carol",
                             "arn": f"arn:aws:sts::{ACCT}:federated-user/carol"},
           "packedPolicySize": 6}, label="token")
    fed = {"type": "FederatedUser", "principalId": f"{ACCT}:carol",
           "arn": f"arn:aws:sts::{ACCT}:federated-user/carol", "accountId": ACCT,
           "accessKeyId": pid("ASIA", "fed-carol"),
           "sessionContext": {"sessionIssuer": {"type": "IAMUser", "principalId": pid("AIDA", "dev-carol"),
                                                "arn": arn_user("dev-carol"), "accountId": ACCT,
                                                "userName": "dev-carol"},
                              "webIdFederationData": {},
                              "attributes": {"creationDate": "2026-11-16T19:41:12Z", "mfaAuthenticated": "false"}}}
    s.after(95)
    # Federated sign-ins name the minting user in sessionContext.sessionIssuer, as API calls do.
    s.add("signin.amazonaws.com", "GetSigninToken", fed, ip,
          UA_BOTO, None, {"GetSigninToken": "Success"}, event_type="AwsConsoleSignIn")
    s.after(8)
    s.add("signin.amazonaws.com", "ConsoleLogin", fed, ip,
          UA_CHROME, None, {"ConsoleLogin": "Success"}, event_type="AwsConsoleSignIn",
          extra={"additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home",
                                         "MobileVersion": "No", "MFAUsed": "No"}}, label="login")
    s.after(60)
    s.read("iam.amazonaws.com", "ListUsers", fed, ip, UA_CHROME)
    s.after(44)
    s.add("iam.amazonaws.com", "CreateLoginProfile", fed, ip, UA_CHROME,
          {"userName": "build-admin", "passwordResetRequired": False},
          {"loginProfile": {"userName": "build-admin", "createDate": s.now(), "passwordResetRequired": False}},
          label="profile")
    carol = arn_user("dev-carol")
    expected = {
        "story": "dev-carol's access key, used from an unknown address, calls GetFederationToken with an allow-all "
                 "policy, turns the token into a console session (GetSigninToken, ConsoleLogin as the federated "
                 "user) and sets a console password for build-admin.",
        "must_fire": [
            {"rule_id": "signin-federation-token-issued", "actor": carol, "why": "GetFederationToken"},
            {"rule_id": "iam-login-profile-for-other-user", "actor": carol,
             "why": "the federated user acts for dev-carol, who issued the token"},
        ],
        "must_not_fire": [
            {"rule_id": "root-activity", "why": "root is not involved"},
        ],
    }
    expected["must_fire"].append(
        {"rule_id": "corr-login-then-takeover", "actor": carol,
         "why": "the federated console session signed in from an address dev-carol had not used, then changed IAM"})
    return s, CONFIG_STANDARD, expected


def key_for_other_user_region():
    """An automation role session creates a key for another user from eu-west-1 (S3 log-file format)."""
    s = Story("key-for-other-user-region", None)
    s.fmt = "s3"
    s.at("2026-11-18T09:14:00")
    ops = role("ops-automation", "lambda-rotate", "2026-11-18T09:13:40Z")
    ip = "203.0.113.201"
    s.read("iam.amazonaws.com", "ListAccessKeys", ops, ip, UA_BOTO, {"userName": "reporting-bot"})
    in_region(s, "eu-west-1")
    s.after(12)
    access_key_created(s, ops, ip, UA_BOTO, "reporting-bot", label="key")
    in_region(s, "eu-west-1")
    s.after(30)
    s.add("iam.amazonaws.com", "UpdateAccessKey", ops, ip, UA_BOTO,
          {"userName": "reporting-bot", "accessKeyId": pid("AKIA", "reporting-bot-old"), "status": "Inactive"})
    in_region(s, "eu-west-1")
    expected = {
        "story": "Delivered as a CloudTrail S3 log file: the ops-automation role session, from an address outside the "
                 "company, creates an access key for reporting-bot; the record's region is eu-west-1.",
        "must_fire": [
            {"rule_id": "iam-access-key-for-other-user", "actor": arn_role("ops-automation"),
             "why": "a role session creating a user's key"},
        ],
        "must_not_fire": [
            {"rule_id": "root-access-key-created", "why": "the key is for reporting-bot, not root"},
        ],
    }
    return s, CONFIG_STANDARD, expected


def trust_star():
    """Role trust opened to everyone: once guarded by an org condition, once bare."""
    s = Story("trust-star-condition", None)
    s.at("2026-11-19T14:05:00")
    dev = user("platform-dev", mfa=True, console_since="2026-11-19T13:50:00Z")
    ip = "198.51.100.45"
    s.add("iam.amazonaws.com", "UpdateAssumeRolePolicy", dev, ip, UA_MAC,
          {"roleName": "shared-artifacts-reader",
           "policyDocument": trust({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})},
          label="with-cond")
    s.after(3600)
    s.add("iam.amazonaws.com", "UpdateAssumeRolePolicy", dev, "203.0.113.90", UA_KALI.format(cmd="iam.update-assume-role-policy"),
          {"roleName": "data-export", "policyDocument": trust({"AWS": "*"})}, label="bare")
    expected = {
        "story": "platform-dev opens shared-artifacts-reader to Principal * guarded by aws:PrincipalOrgID (high at "
                 "most), then an hour later data-export to Principal * with no condition (critical).",
        "must_fire": [
            {"rule_id": "iam-trust-opened", "actor": arn_user("platform-dev"), "event_id": s.ids["with-cond"],
             "severity": "high", "why": "Principal * narrowed by an organization condition"},
            {"rule_id": "iam-trust-opened", "actor": arn_user("platform-dev"), "event_id": s.ids["bare"],
             "severity": "critical", "why": "Principal * with no condition: anyone in any account"},
        ],
        "must_not_fire": [],
    }
    return s, CONFIG_STANDARD, expected


def mass_termination_regions():
    """Twelve small TerminateInstances calls spread over four regions in ten minutes."""
    s = Story("mass-termination-regions", None)
    s.at("2026-11-21T03:00:00")
    who = role("ec2-admin", "ops-console", "2026-11-21T02:55:00Z")
    ip, ua = "203.0.113.33", UA_BOTO
    regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
    for k in range(12):
        terminate(s, who, ip, ua, instances(f"mtr{k}", 2 if k % 3 else 1))
        in_region(s, regions[k % 4])
        s.after(50)
    # An autoscaling group scaling in by ten instances is not an attack.
    asg = service_linked("AWSServiceRoleForAutoScaling", "AutoScaling", "autoscaling.amazonaws.com",
                         "2026-11-21T03:20:00Z")
    s.at("2026-11-21T03:20:30")
    for k in range(10):
        terminate(s, asg, "autoscaling.amazonaws.com", "autoscaling.amazonaws.com", instances(f"asg{k}", 1))
        s.after(3)
    expected = {
        "story": "The ec2-admin role session terminates 16 instances in 12 calls of one or two instances, across "
                 "four regions, within ten minutes; later an Auto Scaling group scales in by ten instances.",
        "must_fire": [
            {"rule_id": "corr-mass-termination", "actor": arn_role("ec2-admin"),
             "why": "16 instances in 10 minutes, whatever the region"},
        ],
        "must_not_fire": [
            {"rule_id": "ec2-terminate-many", "why": "no single call terminates many instances"},
            {"rule_id": "corr-mass-termination",
             "actor": f"arn:aws:iam::{ACCT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
             "why": "Auto Scaling acting on its own"},
        ],
    }
    return s, CONFIG_STANDARD, expected


def breakglass_incident():
    """Break-glass during an incident, in a change window, with MFA: alerts are fine, quarantine never."""
    s = Story("breakglass-incident", None)
    s.at("2026-11-17T22:40:00")
    ip = "198.51.100.8"
    s.login(user("breakglass"), ip, UA_FIREFOX, mfa=True, label="login")
    bg = user("breakglass", mfa=True, console_since=s.now())
    s.after(60)
    s.add("iam.amazonaws.com", "UpdateAccessKey", bg, ip, UA_FIREFOX,
          {"userName": "ops-admin", "accessKeyId": pid("AKIA", "ops-admin"), "status": "Inactive"})
    s.after(40)
    s.add("iam.amazonaws.com", "DeleteLoginProfile", bg, ip, UA_FIREFOX, {"userName": "ops-admin"})
    s.after(50)
    iam_user_created(s, bg, ip, UA_FIREFOX, "incident-responder")
    s.after(20)
    s.add("iam.amazonaws.com", "AttachUserPolicy", bg, ip, UA_FIREFOX,
          {"userName": "incident-responder", "policyArn": ADMIN})
    s.after(25)
    s.add("iam.amazonaws.com", "CreateLoginProfile", bg, ip, UA_FIREFOX,
          {"userName": "incident-responder", "passwordResetRequired": True},
          {"loginProfile": {"userName": "incident-responder", "createDate": s.now(), "passwordResetRequired": True}})
    s.after(30)
    s.add("cloudtrail.amazonaws.com", "UpdateTrail", bg, ip, UA_FIREFOX,
          {"name": "management-events", "isMultiRegionTrail": True, "includeGlobalServiceEvents": True})
    expected = {
        "story": "During an incident, inside Tuesday's change window, the break-glass user signs in with MFA, "
                 "deactivates ops-admin's key and password, creates incident-responder with AdministratorAccess "
                 "and a console password, and re-widens the trail. Break-glass use should still alert, but "
                 "nothing may ask to quarantine the break-glass user.",
        "must_fire": [
            {"rule_id": "iam-admin-granted", "actor": arn_user("breakglass"), "why": "admin is still admin"},
            {"rule_id": "signin-break-glass-used", "actor": arn_user("breakglass"), "event_id": s.ids["login"],
             "why": "any break-glass sign-in reaches a person"},
        ],
        "must_not_fire": [
            {"rule_id": "signin-console-login-without-mfa", "why": "MFA was used"},
            {"rule_id": "iam-user-created-outside-window", "why": "inside the change window"},
            {"rule_id": "corr-login-then-takeover", "why": "MFA login from a company address"},
            {"rule_id": "logging-cloudtrail-tampered", "why": "the trail was widened, not narrowed"},
        ],
        "never_quarantine": True,
    }
    return s, CONFIG_STANDARD, expected


def terraform_window_benign():
    """Trusted automation inside the change window: roles, policy versions, keys (S3 log-file format)."""
    s = Story("terraform-window-benign", None)
    s.fmt = "s3"
    s.at("2026-11-19T23:05:00")
    tf = role("terraform-deploy", "terraform-run-8812", "2026-11-19T23:04:30Z")
    ip, ua = "198.51.100.60", UA_TF
    role_created(s, tf, ip, ua, "partner-ingest", trust({"AWS": f"arn:aws:iam::{TRUSTED}:root"},
                                                      {"StringEquals": {"sts:ExternalId": "ingest-7731"}}))
    s.after(4)
    pol = f"arn:aws:iam::{ACCT}:policy/app-deployer"
    s.add("iam.amazonaws.com", "CreatePolicyVersion", tf, ip, ua,
          {"policyArn": pol, "setAsDefault": True, "policyDocument": policy([
              {"Effect": "Allow", "Action": "*", "Resource": "*"}])},
          {"policyVersion": {"versionId": "v7", "isDefaultVersion": True, "createDate": s.now()}})
    s.after(6)
    iam_user_created(s, tf, ip, ua, "svc-reporting")
    s.after(3)
    access_key_created(s, tf, ip, ua, "svc-reporting")
    s.after(3)
    s.add("iam.amazonaws.com", "AttachRolePolicy", tf, ip, ua, {"roleName": "partner-ingest", "policyArn": ADMIN})
    s.after(5)
    s.add("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", tf, ip, ua,
          {"groupId": "sg-0a1b2c3d4e5f60718", "ipPermissions": {"items": [
              {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
               "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}},
          {"requestId": str(uuid.uuid5(NS, "tfw-sg")), "_return": True})
    expected = {
        "story": "Delivered as a CloudTrail S3 log file: the trusted terraform-deploy role, inside Thursday's change "
                 "window, creates a partner role trusting the trusted account, makes an allow-all policy version "
                 "default, creates a service user with a key, attaches admin to the partner role and opens 443.",
        "must_fire": [],
        "must_not_fire": [
            {"rule_id": "corr-policy-version-escalation", "why": "trusted automation in a change window"},
            {"rule_id": "corr-backdoor-admin", "why": "trusted automation in a change window"},
        ],
        "no_findings_at_or_above": "medium",
    }
    return s, CONFIG_STANDARD, expected


def aws_service_benign():
    """AWS services working on their own or on a user's behalf."""
    s = Story("aws-service-benign", None)
    s.fmt = "eventbridge"
    s.at("2026-11-20T08:00:00")
    s.add("sts.amazonaws.com", "AssumeRole", service("lambda.amazonaws.com"), "lambda.amazonaws.com",
          "lambda.amazonaws.com", {"roleArn": arn_role("billing-export-fn"), "roleSessionName": "billing-export"},
          {"credentials": {"accessKeyId": pid("ASIA", "billing"), "expiration": "Nov 20, 2026, 8:00:00 PM"}},
          extra={"sharedEventID": str(uuid.uuid5(NS, "svc-shared"))})
    s.records[-1]["readOnly"] = True
    s.after(60)
    cfg = service_linked("AWSServiceRoleForConfig", "AWSConfig-Describe", "config.amazonaws.com",
                         "2026-11-20T07:59:00Z")
    s.read("iam.amazonaws.com", "GetAccountAuthorizationDetails", cfg, "config.amazonaws.com", "config.amazonaws.com")
    s.after(30)
    ops = user("ops-admin", mfa=True, console_since="2026-11-20T07:50:00Z")
    s.add("iam.amazonaws.com", "CreateServiceLinkedRole", ops, "198.51.100.14", UA_CHROME,
          {"aWSServiceName": "guardduty.amazonaws.com"},
          {"role": {"path": "/aws-service-role/guardduty.amazonaws.com/",
                    "roleName": "AWSServiceRoleForAmazonGuardDuty",
                    "arn": f"arn:aws:iam::{ACCT}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty",
                    "assumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7D"}})
    s.after(30)
    cfn = dict(role("cfn-exec", "AWSCloudFormation", "2026-11-20T08:01:00Z"))
    cfn["invokedBy"] = "cloudformation.amazonaws.com"
    role_created(s, cfn, "cloudformation.amazonaws.com", "cloudformation.amazonaws.com", "app-task-role",
                 trust({"Service": "ecs-tasks.amazonaws.com"}))
    s.after(5)
    s.add("iam.amazonaws.com", "PutRolePolicy", cfn, "cloudformation.amazonaws.com", "cloudformation.amazonaws.com",
          {"roleName": "app-task-role", "policyName": "s3-read",
           "policyDocument": policy([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::app-assets/*"}])})
    s.after(40)
    s.add("cloudtrail.amazonaws.com", "PutEventSelectors", service("cloudtrail.amazonaws.com"),
          "cloudtrail.amazonaws.com", "cloudtrail.amazonaws.com",
          {"trailName": "aws-controltower-BaselineCloudTrail", "eventSelectors": [
              {"readWriteType": "All", "includeManagementEvents": True, "dataResources": []}]})
    expected = {
        "story": "Delivered as EventBridge events: Lambda assumes its role, AWS Config's service-linked role reads "
                 "IAM, ops-admin (console, MFA) creates GuardDuty's service-linked role, CloudFormation creates a "
                 "task role with an S3 read policy, and CloudTrail itself updates event selectors.",
        "must_fire": [],
        "must_not_fire": [],
        "no_findings_at_or_above": "medium",
    }
    return s, CONFIG_STANDARD, expected


def mfa_login_iam_benign():
    """Console sign-ins with MFA from a known address, followed by IAM changes."""
    s = Story("mfa-login-iam-benign", None)
    ip = "198.51.100.12"
    for day in ("2026-11-10", "2026-11-11", "2026-11-12"):
        s.at(f"{day}T09:01:00")
        s.login(user("alice"), ip, UA_FIREFOX, mfa=True)
        s.after(30)
        s.read("iam.amazonaws.com", "ListRoles", user("alice", mfa=True, console_since=s.now()), ip, UA_FIREFOX)
    s.at("2026-11-13T09:02:00")
    s.login(user("alice"), ip, UA_FIREFOX, mfa=True, label="login")
    alice = user("alice", mfa=True, console_since=s.now())
    s.after(120)
    role_created(s, alice, ip, UA_FIREFOX, "analytics-glue", trust({"Service": "glue.amazonaws.com"}))
    s.after(40)
    s.add("iam.amazonaws.com", "PutRolePolicy", alice, ip, UA_FIREFOX,
          {"roleName": "analytics-glue", "policyName": "glue-s3",
           "policyDocument": policy([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                      "Resource": "arn:aws:s3:::analytics-lake/*"}])})
    s.after(30)
    access_key_created(s, alice, ip, UA_FIREFOX)
    s.after(30)
    s.add("iam.amazonaws.com", "DeleteAccessKey", alice, ip, UA_FIREFOX, {"accessKeyId": pid("AKIA", "alice")})
    expected = {
        "story": "alice signs in with MFA from her usual address every morning; on Friday she creates a Glue role "
                 "with an S3 policy and rotates her own access key.",
        "must_fire": [],
        "must_not_fire": [
            {"rule_id": "corr-login-then-takeover", "why": "MFA, known address"},
            {"rule_id": "iam-access-key-for-other-user", "why": "alice rotated her own key"},
        ],
        "no_findings_at_or_above": "medium",
    }
    return s, CONFIG_STANDARD, expected


REVIEW_STORIES = [ci_role_backdoor, sso_defense_evasion, federation_token_console, key_for_other_user_region,
                  trust_star, mass_termination_regions, breakglass_incident, terraform_window_benign,
                  aws_service_benign, mfa_login_iam_benign]
