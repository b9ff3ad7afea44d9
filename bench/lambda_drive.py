#!/usr/bin/env python3
"""Drives the trailguard-lambda process for bench/lambda.sh (loopback only).

  lambda_drive.py setup ENDPOINT
      creates the DynamoDB table and SNS topic "bench" in the emulator (boto3,
      from the moto venv) and prints the topic ARN.
  lambda_drive.py drive RUNTIME_PORT FUNCTION_LOG PID N
      sends N invocations of each kind to the Lambda runtime emulator
      (`cargo lambda watch --only-lambda-apis`), one at a time, then prints
      the function's own per-invocation handling time (`handle_ms` of its
      "invocation done" log lines) as p50/p99 per kind, the invocation round
      trip through the emulator, the function's init time and its peak RSS
      (VmHWM of PID).
"""
import json
import sys
import time
import urllib.request

ACCOUNT = "123456789012"


def setup(endpoint):
    import boto3

    kw = dict(endpoint_url=endpoint, region_name="us-east-1")
    boto3.client("dynamodb", **kw).create_table(
        TableName="bench",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    print(boto3.client("sns", **kw).create_topic(Name="bench")["TopicArn"])


def event(i, name, params, session):
    """An IAM event by the user `bench`, or (session) by a role session."""
    ident = {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
             "arn": f"arn:aws:iam::{ACCOUNT}:user/bench", "accountId": ACCOUNT,
             "accessKeyId": "AKIAEXAMPLEBENCH0001", "userName": "bench"}
    if session:
        ident = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:i-0abc",
                 "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/i-0abc",
                 "accountId": ACCOUNT, "accessKeyId": "ASIAEXAMPLEBENCH0001",
                 "sessionContext": {"sessionIssuer": {
                     "type": "Role", "principalId": "AROAEXAMPLE",
                     "arn": f"arn:aws:iam::{ACCOUNT}:role/app", "accountId": ACCOUNT,
                     "userName": "app"},
                     "attributes": {"creationDate": "2026-11-12T03:00:00Z",
                                    "mfaAuthenticated": "false"}}}
    detail = {
        "eventVersion": "1.09", "userIdentity": ident,
        "eventTime": "2026-11-12T03:13:10Z", "eventSource": "iam.amazonaws.com",
        "eventName": name, "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.9",
        "userAgent": "aws-cli/2.15.0", "requestParameters": params,
        "responseElements": None, "requestID": f"r-{name}-{i}",
        "eventID": f"bench-{name}-{i:06d}",
        "readOnly": name.startswith(("List", "Get", "Describe")),
        "eventType": "AwsApiCall", "managementEvent": True,
        "recipientAccountId": ACCOUNT, "eventCategory": "Management",
    }
    return {"version": "0", "id": f"eb-{name}-{i}",
            "detail-type": "AWS API Call via CloudTrail", "source": "aws.iam",
            "account": ACCOUNT, "time": "2026-11-12T03:13:10Z",
            "region": "us-east-1", "resources": [], "detail": detail}


KINDS = [
    ("non-matching (a role session's ListUsers)", "ListUsers", lambda i: None, True),
    ("non-matching (an IAM user's ListUsers: one address fact per day)",
     "ListUsers", lambda i: None, False),
    ("non-matching write (an IAM user's TagUser: kept as the actor's activity)",
     "TagUser", lambda i: {"userName": f"user{i}", "tags": [{"key": "team", "value": "a"}]}, False),
    ("matching (AttachUserPolicy admin: claim + SNS alert)", "AttachUserPolicy",
     lambda i: {"userName": f"user{i}",
                "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, False),
]


def pct(values, p):
    v = sorted(values)
    return v[round((len(v) - 1) * p)] if v else float("nan")


def log_lines(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def done_times(path):
    return [l["fields"]["handle_ms"] for l in log_lines(path)
            if l.get("fields", {}).get("message") in ("invocation done", "invocation failed")
            and "handle_ms" in l.get("fields", {})]


def drive(port, log, pid, n):
    url = f"http://127.0.0.1:{port}/2015-03-31/functions/_/invocations"
    for label, name, params, session in KINDS:
        before = len(done_times(log))
        trips = []
        for i in range(n):
            body = json.dumps(event(i, name, params(i), session)).encode()
            t = time.perf_counter()
            with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=60) as r:
                reply = json.loads(r.read() or b"null")
            trips.append((time.perf_counter() - t) * 1000)
            if i == 0 and not isinstance(reply, dict):
                sys.exit(f"unexpected reply: {reply!r}")
        time.sleep(0.2)
        handle = done_times(log)[before:]
        print(f"{label}: n={len(handle)} handle p50 {pct(handle, .5):.3f} ms, "
              f"p99 {pct(handle, .99):.3f} ms "
              f"(round trip via the emulator p50 {pct(trips, .5):.2f} ms)")
    init = [l["fields"]["init_ms"] for l in log_lines(log)
            if "init_ms" in l.get("fields", {})]
    print(f"function init (cold start: env, SDK config, clients, configuration, "
          f"engine): {init[0]:.1f} ms" if init else "function init: not logged")
    with open(f"/proc/{pid}/status") as f:
        hwm = next((l.split()[1] for l in f if l.startswith("VmHWM:")), "0")
    print(f"function peak RSS after {len(KINDS) * n} invocations: {int(hwm) / 1024:.1f} MB")


if __name__ == "__main__":
    if sys.argv[1:2] == ["setup"]:
        setup(sys.argv[2])
    elif sys.argv[1:2] == ["drive"]:
        drive(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)
