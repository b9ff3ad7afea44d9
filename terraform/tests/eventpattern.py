"""EventBridge event pattern matching, as much of it as trailguard's patterns use
(exact values, prefix, suffix, wildcard, anything-but, exists,
equals-ignore-case, $or; self_test() checks a few), and the sample CloudTrail events check_module.py sends through the rendered rules.

Rule states: ENABLED does not deliver read-only CloudTrail management events
(AWS delivers some, but not those named Get*, List*, Describe*; this model
assumes none), ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS delivers every one.
"""

import copy
import re

ALL_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
MISSING = object()
# Read-only by name: how CloudTrail marks these (AssumeRole too, see below).
READ_PREFIXES = ("Get", "List", "Describe", "BatchGet", "Lookup")
READ_ONLY_NAMES = {"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity"}


def wildcard(pattern, value):
    rx = ".*".join(re.escape(p) for p in pattern.split("*"))
    return re.fullmatch(rx, value, re.S) is not None


def _anything_but(arg, value):
    if value is MISSING:
        return False
    if isinstance(arg, dict):
        if "prefix" in arg:
            return not (isinstance(value, str) and value.startswith(arg["prefix"]))
        raise ValueError(f"anything-but form not modelled: {arg}")
    values = arg if isinstance(arg, list) else [arg]
    return value not in values


def _one(matcher, value):
    """One entry of a leaf list against one event value."""
    if not isinstance(matcher, dict):
        return value is not MISSING and type(matcher) is type(value) and matcher == value
    (op, arg), = matcher.items()
    if op == "exists":
        return (value is not MISSING) == arg
    if op == "anything-but":
        return _anything_but(arg, value)
    if not isinstance(value, str):
        return False
    if op == "prefix":
        return value.startswith(arg)
    if op == "suffix":
        return value.endswith(arg)
    if op == "wildcard":
        return wildcard(arg, value)
    if op == "equals-ignore-case":
        return value.lower() == arg.lower()
    raise ValueError(f"pattern operator not modelled: {op}")


def _leaf(matchers, value):
    values = value if isinstance(value, list) else [value]
    return any(_one(m, v) for m in matchers for v in values)


def matches(pattern, event):
    """Whether `event` (a dict) matches `pattern` (a dict)."""
    for key, want in pattern.items():
        if key == "$or":
            if not any(matches(p, event) for p in want):
                return False
            continue
        got = event.get(key, MISSING) if isinstance(event, dict) else MISSING
        if isinstance(want, dict):
            if not isinstance(got, dict) or not matches(want, got):
                return False
        elif not _leaf(want, got):
            return False
    return True


def delivered(rule, event):
    """Whether a rule ({"state", "pattern" (dict)}) delivers `event`."""
    if rule["state"] == "DISABLED":
        return False
    detail = event.get("detail", {})
    if rule["state"] != ALL_EVENTS and detail.get("readOnly") is True:
        return False
    return matches(rule["pattern"], event)


def sample(pattern):
    """A value matching `pattern` (a detail-level pattern of exact values,
    equals-ignore-case and exists only): its first alternative of each leaf;
    a key with exists false is left out."""
    out = {}
    for key, want in pattern.items():
        if isinstance(want, dict):
            out[key] = sample(want)
            continue
        first = want[0]
        if not isinstance(first, dict):
            out[key] = first
        elif "equals-ignore-case" in first:
            out[key] = first["equals-ignore-case"]
        elif first == {"exists": True}:
            out[key] = "present"
        elif first != {"exists": False}:
            raise ValueError(f"no sample for {first}")
    return out


def with_detail(event, extra):
    """`event` with `extra` merged (deeply) into a copy of its detail."""
    def merge(into, more):
        for k, x in more.items():
            if isinstance(x, dict) and isinstance(into.get(k), dict):
                merge(into[k], x)
            else:
                into[k] = x
    out = copy.deepcopy(event)
    merge(out["detail"], extra)
    return out


def self_test():
    """(what, ok) of small checks of this matcher."""
    ic = {"requestParameters": {"withDecryption": [True, {"equals-ignore-case": "true"}]},
          "userIdentity": {"invokedBy": [{"exists": False}]}}
    either = {"$or": [{"eventName": ["PutParameter"]}, dict(ic, eventName=["GetParameter"])]}
    get = lambda req, who=None: dict({"eventName": "GetParameter", "requestParameters": req},  # noqa: E731
                                     userIdentity=who or {"type": "IAMUser"})
    return [
        ("exact boolean true", matches(ic, get({"withDecryption": True}))),
        ("equals-ignore-case: TRUE, True, true", all(matches(ic, get({"withDecryption": t}))
                                                     for t in ("TRUE", "True", "true"))),
        ("boolean false, string false, absent: no match", not any(
            matches(ic, get(q)) for q in ({"withDecryption": False}, {"withDecryption": "false"}, {}))),
        ("exists false: a present key does not match",
         not matches(ic, get({"withDecryption": True}, {"type": "AssumedRole", "invokedBy": "ecs.amazonaws.com"}))),
        ("exists true / false on a missing key", matches({"a": [{"exists": False}]}, {})
         and not matches({"a": [{"exists": True}]}, {})),
        ("equals-ignore-case does not match a boolean", not matches({"a": [{"equals-ignore-case": "true"}]}, {"a": True})),
        ("$or: either branch", matches(either, {"eventName": "PutParameter"})
         and matches(either, get({"withDecryption": "True"}))),
        ("$or: no branch", not matches(either, get({})) and not matches(either, {"eventName": "DeleteParameter"})),
        ("sample() matches its pattern", matches(ic, sample(ic)) and "invokedBy" not in sample(ic)["userIdentity"]),
    ]


def read_only(name):
    return name.startswith(READ_PREFIXES) or name in READ_ONLY_NAMES


def identity(kind, arn=None, issuer=None):
    ident = {"type": kind, "accountId": "111122223333"}
    if arn:
        ident["arn"] = arn
    if issuer:
        ident["sessionContext"] = {"sessionIssuer": {"type": "Role", "arn": issuer}}
    return ident


AUTOMATION = identity(
    "AssumedRole",
    "arn:aws:sts::111122223333:assumed-role/app-deploy/i-0abc",
    "arn:aws:iam::111122223333:role/app-deploy",
)


def event(detail_types, source, name, who=AUTOMATION, ro=None, error=None, request=None):
    """A CloudTrail event as EventBridge delivers it (`request`: its requestParameters)."""
    sign_in = source == "signin.amazonaws.com"
    detail = {
        "eventVersion": "1.09",
        "userIdentity": who,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "readOnly": read_only(name) if ro is None else ro,
        "eventType": "AwsConsoleSignIn" if sign_in else "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": "111122223333",
    }
    if error:
        detail["errorCode"] = error
    if request is not None:
        detail["requestParameters"] = request
    service = source.split(".")[0]
    return {
        "version": "0",
        "detail-type": detail_types["sign_in" if sign_in else "api_call"],
        "source": "aws.signin" if sign_in else f"aws.{service}",
        "account": "111122223333",
        "region": "us-east-1",
        "detail": detail,
    }


def class_samples(detail_types, break_glass_user, break_glass_role):
    """(class, description, event) that a class rule must deliver."""
    e = lambda *a, **k: event(detail_types, *a, **k)  # noqa: E731
    root = identity("Root", "arn:aws:iam::111122223333:root")
    user = identity("IAMUser", "arn:aws:iam::111122223333:user/alice")
    sso = identity(
        "AssumedRole",
        "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice",
        "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef",
    )
    bg_user = identity("IAMUser", break_glass_user)
    bg_role = identity("AssumedRole", "arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/bob", break_glass_role)
    return [
        ("root", "root lists buckets (read-only)", e("s3.amazonaws.com", "ListBuckets", root)),
        ("root", "root signs in", e("signin.amazonaws.com", "ConsoleLogin", root)),
        ("break_glass", "break-glass user describes instances", e("ec2.amazonaws.com", "DescribeInstances", bg_user)),
        ("break_glass", "break-glass role session reads a bucket policy", e("s3.amazonaws.com", "GetBucketPolicy", bg_role)),
        ("break_glass", "break-glass user signs in", e("signin.amazonaws.com", "ConsoleLogin", bg_user)),
        ("people", "IAM user starts an instance", e("ec2.amazonaws.com", "RunInstances", user)),
        ("people", "Identity Center user creates a bucket", e("s3.amazonaws.com", "CreateBucket", sso)),
        ("iam_writes", "automation tags a policy", e("iam.amazonaws.com", "TagPolicy")),
        ("iam_writes", "denied IAM write", e("iam.amazonaws.com", "AttachUserPolicy", error="AccessDenied")),
        ("denied", "denied AssumeRole (read-only in CloudTrail)", e("sts.amazonaws.com", "AssumeRole", error="AccessDenied")),
        ("denied", "denied Organizations write", e("organizations.amazonaws.com", "CreateAccount", error="AccessDeniedException")),
    ]


# events.amazonaws.com calls on one rule, and the request parameter naming it.
RULE_CALLS = {"DisableRule": "name", "DeleteRule": "name", "PutRule": "name",
              "PutTargets": "rule", "RemoveTargets": "rule"}


def rule_change(detail_types, name, rule_name):
    """`name` (a key of RULE_CALLS) called on the rule `rule_name`."""
    return event(detail_types, "events.amazonaws.com", name, request={RULE_CALLS[name]: rule_name})


def negative_samples(detail_types):
    """Routine automation that rules mode must NOT deliver (volume)."""
    e = lambda *a, **k: event(detail_types, *a, **k)  # noqa: E731
    return [
        ("automation describes instances", e("ec2.amazonaws.com", "DescribeInstances")),
        ("automation starts an instance", e("ec2.amazonaws.com", "RunInstances")),
        ("automation assumes a role", e("sts.amazonaws.com", "AssumeRole")),
        ("automation reads an IAM role", e("iam.amazonaws.com", "GetRole")),
        ("denied Organizations read", e("organizations.amazonaws.com", "ListAccounts", error="AccessDenied")),
        ("automation writes a log stream", e("logs.amazonaws.com", "CreateLogStream")),
    ]
