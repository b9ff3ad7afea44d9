#!/usr/bin/env python3
"""Checks of the Terraform module in terraform/ (scripts/test.sh runs it):

- the resources exist with their security settings (encryption, PITR, TTL,
  redrive to the dead-letter queue, log retention, alarms, partial batch failures);
- every variable has a description, the risky ones a validation;
- the EventBridge rules, rendered by terraform from events.json, deliver every
  event the rules read, and not routine automation; a change to any of the
  module's rules (DisableRule, DeleteRule, ...) is delivered by another rule;
- ssm parameter reads (events.json read_filters) are delivered only with
  withDecryption true and no userIdentity.invokedBy, ssm writes always;
- reserved_concurrency leaves one execution beside the SQS pollers (values
  evaluated by terraform console), and the config_toml/break_glass check block
  warns when it should;
- the forwarding submodule alarms on its dead-letter queue;
- the role allows exactly the AWS calls of lambda/aws-actions.txt, plus the
  platform's (iam.tf), with no wildcard action and "*" resources only where an
  action has no resource type, and neither holds instance isolation or
  LookupEvents (NOT_FOR_THE_FUNCTION);
- README.md documents every input and output (the submodule's too), and its SCP
  example is valid JSON;
- terraform fmt, terraform validate (offline, with a local provider mirror:
  TRAILGUARD_TF_PLUGIN_DIR or /opt/tf-plugins) and checkov pass.

Exits 1 when a check fails; prints every check. Steps needing a tool that is
absent (terraform, the provider mirror) are skipped with a NOTICE line.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import eventpattern as ep  # noqa: E402
import tfmodule as tm  # noqa: E402
from tfmodule import v  # noqa: E402

TF = HERE.parent
ROOT = TF.parent
ACTIONS_FILE = ROOT / "lambda" / "aws-actions.txt"
FORWARDING = "modules/forwarding"
MODULE_DIRS = ["", FORWARDING, "examples/basic", "examples/guard", "examples/forwarding"]
# Action groups whose actions have no resource type (Resource "*").
STAR_GROUPS = {"whoami", "scan_account", "read_ec2"}
# Never the function's: it quarantines IAM principals and access keys only (an
# instance-role session as its role), never an EC2 instance, and never looks
# CloudTrail back (LookupEvents). Those are the CLI's, run with the operator's rights.
NOT_FOR_THE_FUNCTION = {
    "cloudtrail:LookupEvents",
    "ec2:CreateSecurityGroup", "ec2:CreateSnapshot", "ec2:CreateTags", "ec2:DescribeInstanceAttribute",
    "ec2:DescribeSecurityGroups", "ec2:DescribeSnapshots", "ec2:DescribeVpcs", "ec2:ModifyInstanceAttribute",
    "ec2:ModifyNetworkInterfaceAttribute", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
}
# The only EC2 calls the function makes: the posture scan's inventory.
FUNCTION_EC2 = {"ec2:DescribeInstances", "ec2:DescribeKeyPairs", "ec2:DescribeRegions"}
# Variables a typo in would silently weaken the guard: they must validate.
VALIDATED = [
    "name", "mode", "lambda_zip", "architecture", "timeout", "reserved_concurrency",
    "log_retention_days", "event_scope", "max_receive_count", "batch_size", "posture_schedule",
    "cloudtrail_kms_key_arn", "alert_emails", "change_windows", "break_glass",
    "trusted_automation", "trusted_accounts", "protected",
]
BREAK_GLASS_USER = "arn:aws:iam::111122223333:user/breakglass"
BREAK_GLASS_ROLE = "arn:aws:iam::111122223333:role/BreakGlass*"
ACTION_RE = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")


class Report:
    def __init__(self):
        self.failures = 0
        self.passed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok    {what}")
        else:
            self.failures += 1
            print(f"  FAIL  {what}" + (f": {detail}" if detail else ""))
        return ok

    def notice(self, text):
        print(f"  NOTICE {text}")

    def section(self, title):
        print(f"\n== {title}")


# ---------------------------------------------------------------- resources


def res(mod, rtype, name):
    return mod["resource"].get(rtype, {}).get(name)


def nested(body, block, attr):
    inner = tm.blocks(body or {}, block)
    return v(inner[0].get(attr)) if inner else None


def check_files(r):
    r.section("files")
    for f in ["versions.tf", "variables.tf", "outputs.tf", "main.tf", "iam.tf", "README.md", "events.json",
              "examples/basic/main.tf", "examples/guard/main.tf", "examples/forwarding/main.tf",
              "modules/forwarding/main.tf"]:
        r.check((TF / f).is_file(), f"terraform/{f} exists")
    r.check(ACTIONS_FILE.is_file(), "lambda/aws-actions.txt exists")


def check_function(r, m):
    fn = res(m, "aws_lambda_function", "this") or {}
    r.check(v(fn.get("runtime")) == "provided.al2023", "function: runtime provided.al2023")
    r.check(v(fn.get("handler")) == "bootstrap", "function: handler bootstrap")
    r.check(v(fn.get("filename")) == "${var.lambda_zip}", "function: code from var.lambda_zip")
    r.check("var.architecture" in str(fn.get("architectures")), "function: architectures from var.architecture")
    r.check(v(fn.get("reserved_concurrent_executions")) == "${var.reserved_concurrency}",
            "function: reserved concurrency from var.reserved_concurrency")
    r.check(nested(fn, "dead_letter_config", "target_arn") == "${aws_sqs_queue.dead_letters.arn}",
            "function: asynchronous failures go to the dead-letter queue")
    r.check(v(fn.get("kms_key_arn")) == "${local.kms_key_arn}", "function: environment encrypted with the module key")
    r.check(nested(fn, "logging_config", "log_format") == "JSON", "function: JSON log format")
    env = str(nested(fn, "environment", "variables"))
    for name in ["TRAILGUARD_MODE", "TRAILGUARD_CONFIG", "TRAILGUARD_CONFIG_SSM", "TRAILGUARD_TABLE",
                 "TRAILGUARD_TOPIC_ARN", "TRAILGUARD_SELF", "TRAILGUARD_DLQ_URL", "RUST_LOG"]:
        r.check(re.search(rf"\b{name}\b", env) is not None, f"function: environment sets {name}")
    esm = res(m, "aws_lambda_event_source_mapping", "events") or {}
    r.check("local.sqs_max_concurrency" in str(esm.get("dynamic")),
            "event source mapping: maximum concurrency from local.sqs_max_concurrency (checked below)")
    r.check(v(esm.get("event_source_arn")) == "${aws_sqs_queue.events.arn}", "event source mapping: the SQS buffer")
    r.check(v(esm.get("function_response_types")) == ["ReportBatchItemFailures"],
            "event source mapping: partial batch failures (ReportBatchItemFailures)")
    log = res(m, "aws_cloudwatch_log_group", "function") or {}
    r.check(v(log.get("retention_in_days")) == "${var.log_retention_days}", "log group: retention from var.log_retention_days")
    r.check(v(log.get("kms_key_id")) == "${local.kms_key_arn}", "log group: KMS-encrypted")


def check_storage(r, m):
    t = res(m, "aws_dynamodb_table", "state") or {}
    attrs = {(v(a.get("name")), v(a.get("type"))) for a in tm.blocks(t, "attribute")}
    r.check(v(t.get("hash_key")) == "pk" and v(t.get("range_key")) == "sk" and attrs == {("pk", "S"), ("sk", "S")},
            "table: keys pk (S), sk (S)")
    r.check(nested(t, "ttl", "attribute_name") == "expires_at" and nested(t, "ttl", "enabled") is True,
            "table: TTL on expires_at")
    r.check(nested(t, "point_in_time_recovery", "enabled") is True, "table: point-in-time recovery")
    r.check(nested(t, "server_side_encryption", "enabled") is True
            and nested(t, "server_side_encryption", "kms_key_arn") == "${local.kms_key_arn}",
            "table: encrypted with the module key")
    r.check(v(t.get("billing_mode")) == "PAY_PER_REQUEST", "table: on-demand billing")
    r.check(v(t.get("deletion_protection_enabled")) == "${var.table_deletion_protection}",
            "table: deletion protection from var.table_deletion_protection")
    q = res(m, "aws_sqs_queue", "events") or {}
    redrive = str(v(q.get("redrive_policy")))
    r.check("aws_sqs_queue.dead_letters.arn" in redrive and "var.max_receive_count" in redrive,
            "queue: redrive to the dead-letter queue after var.max_receive_count receives")
    for name in ("events", "dead_letters"):
        q = res(m, "aws_sqs_queue", name) or {}
        r.check(v(q.get("kms_master_key_id")) == "${local.kms_key_arn}", f"queue {name}: KMS-encrypted")
    topic = res(m, "aws_sns_topic", "alerts") or {}
    r.check(v(topic.get("kms_master_key_id")) == "${local.kms_key_arn}", "topic: KMS-encrypted")
    sub = res(m, "aws_sns_topic_subscription", "email") or {}
    r.check(v(sub.get("protocol")) == "email" and "var.alert_emails" in str(sub.get("for_each")),
            "topic: optional e-mail subscriptions (var.alert_emails)")
    key = res(m, "aws_kms_key", "this") or {}
    r.check(v(key.get("enable_key_rotation")) is True, "key: rotation on")
    p = res(m, "aws_ssm_parameter", "config") or {}
    r.check(v(p.get("type")) == "SecureString" and v(p.get("key_id")) == "${local.kms_key_arn}",
            "configuration parameter: SecureString with the module key")


def check_alarms(r, m):
    alarms = m["resource"].get("aws_cloudwatch_metric_alarm", {})

    def alarm(ns, metric, dim):
        return [a for a in alarms.values() if v(a.get("namespace")) == ns and v(a.get("metric_name")) == metric
                and dim in str(a.get("dimensions")) and v(a.get("threshold")) == 0
                and v(a.get("comparison_operator")) == "GreaterThanThreshold"]

    r.check(alarm("AWS/Lambda", "Errors", "aws_lambda_function.this"), "alarm: function Errors > 0")
    r.check(alarm("AWS/SQS", "ApproximateNumberOfMessagesVisible", "aws_sqs_queue.dead_letters"),
            "alarm: dead-letter queue depth > 0")
    r.check(all("local.alarm_topic" in str(a.get("alarm_actions")) for a in alarms.values()),
            "alarms notify var.alarm_topic_arn (default: the alert topic)")


def check_forwarding(r):
    r.section("modules/forwarding")
    m = tm.load(TF / FORWARDING)
    alarms = m["resource"].get("aws_cloudwatch_metric_alarm", {})
    dlq = [a for a in alarms.values() if v(a.get("namespace")) == "AWS/SQS"
           and v(a.get("metric_name")) == "ApproximateNumberOfMessagesVisible"
           and "aws_sqs_queue.dead_letters" in str(a.get("dimensions")) and v(a.get("threshold")) == 0
           and v(a.get("comparison_operator")) == "GreaterThanThreshold"]
    r.check(len(dlq) == 1, "alarm: forwarding dead-letter queue depth > 0")
    r.check(bool(dlq) and all("var.alarm_topic_arn" in str(a.get(k)) for a in dlq for k in ("alarm_actions", "ok_actions")),
            "the forwarding alarm notifies var.alarm_topic_arn")
    r.check("alarm_topic_arn" in m["variable"] and m["variable"]["alarm_topic_arn"].get("validation"),
            "forwarding: variable alarm_topic_arn exists and is validated")
    target = res(m, "aws_cloudwatch_event_target", "forward") or {}
    r.check(nested(target, "dead_letter_config", "arn") == "${aws_sqs_queue.dead_letters.arn}",
            "forwarding targets have the dead-letter queue the alarm watches")
    return m


def check_wiring(r, m):
    tgt = res(m, "aws_cloudwatch_event_target", "cloudtrail") or {}
    r.check(v(tgt.get("arn")) == "${aws_sqs_queue.events.arn}", "EventBridge rules target the SQS buffer")
    r.check(nested(tgt, "dead_letter_config", "arn") == "${aws_sqs_queue.dead_letters.arn}",
            "EventBridge targets have the dead-letter queue")
    sched = res(m, "aws_cloudwatch_event_rule", "posture") or {}
    r.check("var.posture_schedule" in str(sched.get("count")) and
            v(sched.get("schedule_expression")) == "${var.posture_schedule}",
            "posture scan schedule: optional (var.posture_schedule)")
    s3n = res(m, "aws_s3_bucket_notification", "trail_bucket") or {}
    r.check("local.trail_bucket" in str(s3n.get("count")), "S3 notification of the trail bucket: optional")
    perm = res(m, "aws_cloudwatch_event_permission", "forwarding") or {}
    r.check("var.accept_forwarded_events" in str(perm.get("count")), "forwarded events from other regions: optional")


def check_variables(r):
    r.section("variables")
    for rel in MODULE_DIRS:
        m = tm.load(TF / rel)
        for name, body in m["variable"].items():
            r.check(bool(str(v(body.get("description")) or "").strip()),
                    f"{rel or '.'}: variable {name} has a description")
        for name, body in m["output"].items():
            r.check(bool(str(v(body.get("description")) or "").strip()),
                    f"{rel or '.'}: output {name} has a description")
    root = tm.load(TF)
    for name in VALIDATED:
        body = root["variable"].get(name, {})
        r.check(bool(body.get("validation")), f"variable {name} is validated")
    mode = str(root["variable"].get("mode", {}).get("validation"))
    r.check(re.search(r"contains\(\[\W*detect\W+guard\W*\],\s*var\.mode\)", mode) is not None,
            "variable mode accepts detect and guard only")
    return root


# ---------------------------------------------------------------- events


def required_events(events):
    """(owner, source, name) of every event a rule or self-protection names."""
    out = []
    for rule_id, spec in sorted(events["rules"].items()):
        for source, names in spec.get("events", {}).items():
            out += [(rule_id, source, n) for n in names]
    for source, names in events["self_protection"]["events"].items():
        out += [("self-protection", source, n) for n in names]
    return out


def check_events_file(r, events):
    r.section("events.json")
    classes = set(events.get("classes", {}))
    r.check(set(events.get("detail_types", {})) == {"api_call", "sign_in", "service_event"}, "detail types named")
    for rule_id, spec in sorted(events["rules"].items()):
        ok = bool(spec.get("events") or spec.get("every_record"))
        ok = ok and set(spec) <= {"events", "every_record"} and set(spec.get("every_record", [])) <= classes
        names = [n for ns in spec.get("events", {}).values() for n in ns]
        ok = ok and all(s.endswith(".amazonaws.com") for s in spec.get("events", {}))
        ok = ok and len(names) == len(set(names)) and all(re.fullmatch(r"[A-Za-z0-9]+", n) for n in names)
        r.check(ok, f"rule {rule_id}: {len(names)} event name(s), classes {spec.get('every_record', [])}")
    used = {c for s in events["rules"].values() for c in s.get("every_record", [])}
    r.check(used == classes, "every class is used by a rule", f"unused: {sorted(classes - used)}")
    named = {(s, n) for _, s, n in required_events(events)}
    for source, spec in sorted(events.get("read_filters", {}).items()):
        names = spec.get("events", []) if isinstance(spec, dict) else []
        ok = set(spec) == {"events", "detail"} and isinstance(spec["detail"], dict) and bool(spec["detail"])
        ok = ok and source.endswith(".amazonaws.com") and source not in events["sign_in_sources"]
        ok = ok and source != "iam.amazonaws.com" and bool(names)
        ok = ok and all((source, n) in named and ep.read_only(n) for n in names)
        r.check(ok, f"read_filters {source}: {len(names)} read call(s) a rule names, a detail pattern",
                "keys events and detail; names must be read-only calls some rule names (not IAM or sign-in)")
    r.section("eventpattern.py (the matcher these checks use)")
    for what, ok in ep.self_test():
        r.check(ok, f"matcher: {what}")


def render_rules(scratch, variables):
    rules = scratch.evaluate("local.event_rules", variables)
    return {k: {"state": x["state"], "pattern": json.loads(x["pattern"]), "text": x["pattern"]} for k, x in rules.items()}


def delivering(rules, event):
    return sorted(k for k, rule in rules.items() if ep.delivered(rule, event))


def required_event(events, source, name, ro):
    """The event `name` of `source`; for a read_filters read, with the detail its filter asks."""
    event = ep.event(events["detail_types"], source, name, ro=ro)
    spec = events.get("read_filters", {}).get(source, {})
    return ep.with_detail(event, ep.sample(spec["detail"])) if name in spec.get("events", []) else event


def check_read_filters(r, rules, events):
    """ssm reads reach the function only when secrets-harvesting counts them (withDecryption
    true, not invokedBy a service: detector/src/rules/secrets/reads.rs, harvesting.rs)."""
    dt = events["detail_types"]
    ssm = "ssm.amazonaws.com"
    if not r.check(ssm in events.get("read_filters", {}), "events.json read_filters has ssm.amazonaws.com"):
        return
    service = dict(ep.AUTOMATION, invokedBy="ecs.amazonaws.com")
    get = lambda name, req, who=ep.AUTOMATION: ep.event(dt, ssm, name, who=who, request=req)  # noqa: E731
    cases = [
        ("GetParameter without withDecryption (an /aws/service/ AMI look-up)",
         get("GetParameter", {"name": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"}), False),
        ("GetParameter withDecryption false", get("GetParameter", {"name": "/app/db", "withDecryption": False}), False),
        ("GetParameters withDecryption \"false\"", get("GetParameters", {"names": ["/app/db"], "withDecryption": "false"}),
         False),
        ("GetParametersByPath without withDecryption", get("GetParametersByPath", {"path": "/app/"}), False),
        ("GetParameter withDecryption true, invokedBy ecs.amazonaws.com",
         get("GetParameter", {"name": "/app/db", "withDecryption": True}, service), False),
        ("GetParametersByPath withDecryption \"true\", invokedBy ecs.amazonaws.com",
         get("GetParametersByPath", {"path": "/app/", "withDecryption": "true"}, service), False),
        ("GetParameter withDecryption true", get("GetParameter", {"name": "/app/db", "withDecryption": True}), True),
        ("GetParameters withDecryption \"TRUE\"", get("GetParameters", {"names": ["/a"], "withDecryption": "TRUE"}), True),
        ("GetParametersByPath withDecryption \"True\"",
         get("GetParametersByPath", {"path": "/app/", "withDecryption": "True"}), True),
        ("PutParameter (self-protection)", get("PutParameter", {"name": "/trailguard/config"}), True),
        ("PutParameter invokedBy a service (self-protection)",
         get("PutParameter", {"name": "/trailguard/config"}, service), True),
        ("DeleteParameters (self-protection)", get("DeleteParameters", {"names": ["/trailguard/config"]}), True),
    ]
    for what, event, want in cases:
        got = delivering(rules, event)
        r.check(bool(got) == want, f"ssm: {what}: {'delivered' if want else 'not delivered'}",
                f"delivered by {got}" if got else "not delivered")


def check_patterns(r, scratch, events):
    r.section("EventBridge patterns (rendered by terraform console from events.json)")
    dt = events["detail_types"]
    rules = render_rules(scratch, {"break_glass": [BREAK_GLASS_USER, BREAK_GLASS_ROLE]})
    for key, rule in sorted(rules.items()):
        r.check(len(rule["text"]) <= 2048, f"rule {key}: pattern of {len(rule['text'])} characters (limit 2048)")
        r.check(len(f"trailguard-{key}") <= 64, f"rule {key}: name fits 64 characters")
    r.check(sum("wildcard" in x["text"] for x in rules.values()) <= 5, "at most 5 rules use wildcards (quota 30 a bus)")
    missed = []
    for owner, source, name in required_events(events):
        for ro in sorted({ep.read_only(name), False}):
            if not delivering(rules, required_event(events, source, name, ro)):
                missed.append(f"{owner}: {source} {name} (readOnly {ro})")
    r.check(not missed, f"every named event of every rule is delivered ({len(required_events(events))} events; "
                        "read_filters reads as their filter asks)", "; ".join(missed))
    check_read_filters(r, rules, events)
    for cls, what, event in ep.class_samples(dt, BREAK_GLASS_USER, BREAK_GLASS_ROLE.replace("*", "Admin")):
        got = delivering(rules, event)
        r.check(bool(got), f"class {cls}: {what} -> {', '.join(got) or 'NOT DELIVERED'}")
    for what, event in ep.negative_samples(dt):
        got = delivering(rules, event)
        r.check(not got, f"not delivered: {what}", f"delivered by {got}")
    quiet = render_rules(scratch, {"address_history": "false"})
    r.check("people" not in quiet and "break-glass" not in quiet,
            "address_history = false and no break_glass: no people or break-glass rule")
    everything = render_rules(scratch, {"event_scope": "all"})
    samples = [e for _, _, e in ep.class_samples(dt, BREAK_GLASS_USER, BREAK_GLASS_ROLE)]
    samples += [e for _, e in ep.negative_samples(dt)]
    r.check(sorted(everything) == ["all", "own-rules"] and all(delivering(everything, e) for e in samples),
            "event_scope = all: one rule delivering every management event (and own-rules)")
    check_rules_watched(r, dt, {"rules": rules, "all": everything})


def check_rules_watched(r, dt, scopes):
    """No rule of the module is watched only by itself: a change to rule R (DisableRule,
    DeleteRule, PutRule, PutTargets, RemoveTargets naming it) is delivered by a rule
    other than R, else disabling R would also stop the event reporting it."""
    for scope, rules in scopes.items():
        for key in sorted(set(rules) | {"posture-scan"}):
            alone = []
            for call in ep.RULE_CALLS:
                others = [k for k in delivering(rules, ep.rule_change(dt, call, f"trailguard-{key}")) if k != key]
                if not others:
                    alone.append(call)
            r.check(not alone, f"event_scope = {scope}: changes to rule {key} are delivered by another rule",
                    f"{', '.join(alone)} on trailguard-{key} only delivered by itself, or not at all")
        foreign = [c for c in ep.RULE_CALLS if "own-rules" in delivering(rules, ep.rule_change(dt, c, "app-nightly"))]
        r.check(not foreign, f"event_scope = {scope}: own-rules leaves other rules' changes alone", f"{foreign}")


def console_error(scratch, expression, variables):
    """The error of evaluating `expression` with `variables`, or "" when it evaluates."""
    try:
        scratch.evaluate(expression, variables)
    except RuntimeError as e:
        return str(e)
    return ""


def check_concurrency(r, scratch):
    r.section("reserved concurrency and the SQS event source mapping")
    for bad in (0, 1, 2, 3.5):
        err = console_error(scratch, "local.sqs_max_concurrency", {"reserved_concurrency": bad})
        r.check("reserved_concurrency" in err, f"reserved_concurrency = {bad} is refused", err or "accepted")
    for reserved in (3, 4, 10, 1000, 1001, 5000):
        got = scratch.evaluate("local.sqs_max_concurrency", {"reserved_concurrency": reserved})
        ok = isinstance(got, int) and 2 <= got <= min(1000, reserved - 1)
        r.check(ok, f"reserved_concurrency = {reserved}: SQS pollers get {got}, "
                    f"{reserved - got if isinstance(got, int) else '?'} left for the posture scan and S3")
    got = scratch.evaluate("local.sqs_max_concurrency", {"reserved_concurrency": -1})
    r.check(got is None, "reserved_concurrency = -1: no maximum concurrency", f"got {got}")


def check_config_check_block(r, scratch):
    """config.tf's check block warns when config_toml is given and break_glass is empty."""
    text = (TF / "config.tf").read_text()
    m = re.search(r'check\s+"break_glass_with_config_toml"\s*\{\s*assert\s*\{\s*condition\s*=\s*(.+?)\n', text)
    if not r.check(m is not None, "config.tf: check block break_glass_with_config_toml (a warning, not an error)"):
        return
    condition = m.group(1)
    toml = "[principals]\nbreak_glass = [\"arn:aws:iam::111122223333:user/breakglass\"]\n"
    cases = [
        ({"config_toml": toml}, False, "config_toml set, break_glass empty: warns"),
        ({"config_toml": toml, "break_glass": [BREAK_GLASS_USER]}, True, "config_toml set, break_glass set: quiet"),
        ({"break_glass": []}, True, "config_toml null: quiet"),
    ]
    for variables, want, what in cases:
        got = scratch.evaluate(condition, variables)
        r.check(got is want, f"check break_glass_with_config_toml: {what}", f"condition {condition} gave {got}")


def check_config(r, scratch):
    r.section("configuration rendered from the variables")
    variables = {
        "change_windows": [{"days": ["Tue", "Thu"], "start": "22:00", "end": "02:00"}],
        "break_glass": [BREAK_GLASS_USER, BREAK_GLASS_ROLE],
        "trusted_automation": ["arn:aws:iam::111122223333:role/terraform-deploy"],
        "trusted_accounts": ["444455556666"],
        "protected": ["arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"],
    }
    text = scratch.evaluate("local.config_toml", variables)
    try:
        cfg = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        r.check(False, "rendered configuration is TOML", str(e))
        return
    want = {k: variables[k] for k in ("break_glass", "trusted_automation", "trusted_accounts", "protected")}
    r.check(cfg.get("principals") == want, "[principals] carries the lists (identity_providers only when set)")
    r.check(cfg.get("change_window") == [{"days": ["Tue", "Thu"], "start": "22:00", "end": "02:00", "timezone": "UTC"}],
            "[[change_window]] carries the windows (timezone UTC by default)")
    own = scratch.evaluate("local.config_toml", {"config_toml": "[principals]\nprotected = []\n"})
    r.check(own == "[principals]\nprotected = []\n", "config_toml, when given, is used as is")
    binary = os.environ.get("TRAILGUARD_BIN", "")
    if binary and pathlib.Path(binary).is_file():
        path = scratch.root / "rendered.toml"
        path.write_text(text)
        res = subprocess.run([binary, "config", "check", str(path)], capture_output=True, text=True)
        r.check(res.returncode == 0, f"{binary} config check accepts it", res.stderr.strip())
    else:
        r.notice("TRAILGUARD_BIN not set: the rendered configuration is not run through `trailguard config check`")


# ---------------------------------------------------------------- IAM


def read_actions_file():
    lines = ACTIONS_FILE.read_text().splitlines()
    entries = [x.strip() for x in lines if x.strip() and not x.strip().startswith("#")]
    return lines, entries


def check_action_lists(r, locals_):
    r.section("IAM actions: terraform/iam.tf locals vs lambda/aws-actions.txt")
    code = {g: list(a) for g, a in v(locals_.get("lambda_actions", {})).items()}
    platform = {g: list(a) for g, a in v(locals_.get("platform_actions", {})).items()}
    every = [a for groups in (code, platform) for acts in groups.values() for a in acts]
    bad = [a for a in every if not ACTION_RE.fullmatch(a)]
    r.check(bool(code) and bool(platform), "locals lambda_actions and platform_actions exist")
    r.check(not bad, "every action is an exact service:Action (no wildcard)", f"bad: {bad}")
    lines, listed = read_actions_file()
    r.check(bool(lines) and lines[0].startswith("#"), "aws-actions.txt starts with a header comment")
    r.check(listed == sorted(set(listed)), "aws-actions.txt is sorted, one action per line, no duplicates")
    allowed = {a for acts in code.values() for a in acts}
    extra, missing = sorted(allowed - set(listed)), sorted(set(listed) - allowed)
    r.check(not extra and not missing, f"role's code actions == aws-actions.txt ({len(allowed)} actions)",
            f"allowed by iam.tf but not in aws-actions.txt: {extra}; in aws-actions.txt but not allowed: {missing}")
    everything = set(every) | set(listed)
    banned = sorted(everything & NOT_FOR_THE_FUNCTION)
    r.check(not banned, "no instance isolation and no LookupEvents for the function (role and aws-actions.txt)",
            f"found: {banned}")
    ec2 = sorted(a for a in everything if a.startswith("ec2:"))
    r.check(set(ec2) <= FUNCTION_EC2, f"EC2: the posture scan's inventory reads only ({', '.join(ec2)})",
            f"beyond {sorted(FUNCTION_EC2)}: {sorted(set(ec2) - FUNCTION_EC2)}")
    return code, platform


def statement_groups(r, sid, st):
    """The action groups an IAM statement's actions refer to (only references allowed)."""
    expr = json.dumps(st.get("actions"))
    code = tm.references(expr, "lambda_actions")
    platform = tm.references(expr, "platform_actions")
    literal = re.sub(r"local\.(lambda|platform)_actions\.[A-Za-z0-9_]+|concat|[\s,()\[\]\"${}\\]", "", expr)
    r.check(not literal and (code or platform), f"statement {sid}: actions only from the action groups",
            f"literal part: {literal!r}")
    return code, platform


def check_policy(r, m, code, platform):
    r.section("IAM role policy (terraform/iam.tf)")
    doc = m["data"].get("aws_iam_policy_document", {}).get("function", {})
    granted = {"lambda_actions": set(), "platform_actions": set()}
    for cond, st in tm.statements(doc):
        sid = v(st.get("sid"))
        c, p = statement_groups(r, sid, st)
        if (v(st.get("effect")) or "Allow") != "Allow":
            r.check(cond != "static" and "local.guard" in str(cond), f"statement {sid}: Deny applies in guard mode")
            continue
        granted["lambda_actions"].update(c)
        granted["platform_actions"].update(p)
        star = '"*"' in json.dumps(st.get("resources"))
        r.check(not star or set(c + p) <= STAR_GROUPS,
                f"statement {sid}: resources {'*' if star else 'scoped'}" + (" (no resource type)" if star else ""),
                f"groups {sorted(set(c + p) - STAR_GROUPS)} can be scoped")
        if any(g.startswith("guard_") for g in c):
            r.check("local.guard" in str(cond), f"statement {sid}: guard permissions only in guard mode")
    r.check(granted["lambda_actions"] == set(code), "every lambda_actions group is granted",
            f"not granted: {sorted(set(code) - granted['lambda_actions'])}")
    r.check(granted["platform_actions"] == set(platform), "every platform_actions group is granted",
            f"not granted: {sorted(set(platform) - granted['platform_actions'])}")
    attachments = m["resource"].get("aws_iam_role_policy_attachment", {})
    policies = m["resource"].get("aws_iam_role_policy", {})
    r.check(not attachments and list(policies) == ["function"]
            and v(policies["function"].get("policy")) == "${data.aws_iam_policy_document.function.json}",
            "the role has this one policy and no managed policy")


# ---------------------------------------------------------------- README


def check_readme(r, m, forwarding):
    r.section("README.md")
    text = (TF / "README.md").read_text() if (TF / "README.md").is_file() else ""
    for kind in ("variable", "output"):
        missing = [n for n in m[kind] if f"`{n}`" not in text]
        r.check(not missing, f"README documents every {kind}", f"missing: {missing}")
    section = text.split("## `modules/forwarding`", 1)[1].split("\n## ", 1)[0] if "## `modules/forwarding`" in text else ""
    for kind in ("variable", "output"):
        missing = [n for n in forwarding[kind] if f"| `{n}` |" not in section]
        r.check(bool(section) and not missing, f"README documents every {kind} of modules/forwarding",
                f"missing: {missing}")
    blocks = re.findall(r"```json\n(.*?)```", text, re.S)
    scps = [b for b in blocks if "aws:PrincipalArn" in b]
    ok = False
    if scps:
        try:
            scp = json.loads(scps[0])
            ok = scp.get("Version") == "2012-10-17" and any(s.get("Effect") == "Deny" for s in scp["Statement"])
        except (ValueError, KeyError, TypeError, AttributeError):
            ok = False
    r.check(ok, "README has an SCP example (JSON, Deny, aws:PrincipalArn condition)")


# ---------------------------------------------------------------- tools


def run_tool(r, what, cmd, cwd=ROOT):
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=tm.terraform_env())
    out = (res.stdout + res.stderr).strip()
    r.check(res.returncode == 0, what, "\n" + out[-6000:])
    return res


def check_terraform(r, events):
    r.section("terraform")
    if not shutil.which("terraform"):
        r.notice("terraform not found: fmt, validate and the rendered patterns are NOT checked")
        return
    run_tool(r, "terraform fmt -check -recursive terraform", ["terraform", "fmt", "-check", "-recursive", "terraform"])
    plugins = tm.plugin_dir()
    if not plugins:
        r.notice("no local hashicorp/aws provider mirror (TRAILGUARD_TF_PLUGIN_DIR or /opt/tf-plugins): "
                 "terraform validate and the rendered EventBridge patterns are NOT checked")
        return
    scratch = tm.Scratch(TF, plugins)
    try:
        for rel in MODULE_DIRS:
            init = scratch.init(rel or ".")
            if r.check(init.returncode == 0, f"terraform init {rel or '.'} (offline, {plugins})", init.stderr[-3000:]):
                val = scratch.validate(rel or ".")
                r.check(val.returncode == 0, f"terraform validate {rel or '.'}", (val.stdout + val.stderr)[-3000:])
        check_patterns(r, scratch, events)
        check_config(r, scratch)
        check_config_check_block(r, scratch)
        check_concurrency(r, scratch)
    finally:
        scratch.close()


def check_checkov(r):
    r.section("checkov")
    beside = pathlib.Path(sys.executable).parent / "checkov"
    exe = str(beside) if beside.is_file() else shutil.which("checkov")
    if not exe:
        r.check(False, "checkov is installed (pip install -r requirements-terraform.txt into .venv-tf)")
        return
    res = run_tool(r, "checkov -d terraform: no failed check",
                   [exe, "-d", "terraform", "--skip-download", "--framework", "terraform", "--compact", "--quiet"])
    if res.returncode == 0:
        print("        " + " ".join(res.stdout.split("\n")[2:4]).strip())
    skips = []
    for path in TF.rglob("*.tf"):
        for line in path.read_text().splitlines():
            if "checkov:skip=" in line:
                skips.append(line.strip())
    reasonless = [s for s in skips if not re.search(r"checkov:skip=CKV2?_[A-Z0-9_]+:\S.{10,}", s)]
    r.check(not reasonless, f"every checkov skip carries its reason ({len(skips)} skips)", "; ".join(reasonless))


def main():
    r = Report()
    check_files(r)
    root = check_variables(r)
    r.section("resources")
    check_function(r, root)
    check_storage(r, root)
    check_alarms(r, root)
    check_wiring(r, root)
    events = json.loads((TF / "events.json").read_text())
    check_events_file(r, events)
    code, platform = check_action_lists(r, root["locals"])
    check_policy(r, root, code, platform)
    forwarding = check_forwarding(r)
    check_readme(r, root, forwarding)
    check_terraform(r, events)
    check_checkov(r)
    print(f"\nterraform: {r.passed} passed, {r.failures} failed")
    return 1 if r.failures else 0


if __name__ == "__main__":
    sys.exit(main())
