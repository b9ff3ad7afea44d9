"""CloudTrail record builders for the story fixtures: identities, a Story that
numbers its records (event ids are uuid5 of story and step), and common calls."""

import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone

ACCT = "111122223333"
OUTSIDE = "999988887777"
TRUSTED = "444455556666"
REGION = "us-east-1"
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
