//! An S3 bucket opened to the world or to an outside account (T1530 follows).
//!
//! - `PutBucketPolicy` (`requestParameters.bucketPolicy`, an object or JSON
//!   text) with an `Allow` statement whose principal is `*` / `{"AWS":"*"}` (or
//!   `NotPrincipal`): critical when it grants object reads (`s3:GetObject`,
//!   `s3:Get*`, `s3:*`, `*`) with no restricting Condition, high otherwise. A
//!   `*` statement narrowed by an organization, VPC, endpoint, address, account
//!   or ARN condition is not public and is not reported. An account principal
//!   outside `principals.trusted_accounts` (and not the bucket's account): high.
//! - `PutBucketAcl` granting the AllUsers or AuthenticatedUsers group (ACL
//!   grants, `x-amz-grant-*` headers, or a canned `public-read`,
//!   `public-read-write` or `authenticated-read` ACL): high.
//! - `DeleteBucketPublicAccessBlock`, or `PutBucketPublicAccessBlock` with all
//!   four flags false (the same at account level): medium, the bucket is one
//!   policy away from public.
//!
//! Fixtures: `fixtures/rules/s3-bucket-made-public/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::Event;
use crate::rules::json::{field, items, path, text};
use crate::rules::policy::{parse_document, statements, strings};
use crate::rules::util::contain;
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "s3-bucket-made-public",
    title: "S3 bucket made public or shared with an outside account",
    severity: Severity::High,
    mitre: &["T1530", "T1537"],
    description: "A bucket policy or ACL now lets everyone (or an untrusted outside account) \
                  reach an S3 bucket, or its public access block was removed. Attackers open a \
                  bucket to copy its data out without further API calls in this account.",
    remediation: "Restore the previous bucket policy or ACL and the public access block, find \
                  out what the bucket holds, check S3 server access logs or data events for \
                  reads since, and quarantine the actor if the change is unexplained.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[
        "PutBucketPolicy",
        "PutBucketAcl",
        "DeleteBucketPublicAccessBlock",
        "PutBucketPublicAccessBlock",
        "DeleteAccountPublicAccessBlock",
        "PutAccountPublicAccessBlock",
    ],
    about_failures: false,
};

const S3: &str = "s3.amazonaws.com";
const ALL_USERS: &str = "acs.amazonaws.com/groups/global/allusers";
const AUTH_USERS: &str = "acs.amazonaws.com/groups/global/authenticatedusers";

/// Condition keys that narrow a `*` principal to known callers.
const NARROWING: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:userid",
    "aws:username",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
];

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != S3 {
            return;
        }
        let req: Value = r.request().unwrap_or(Value::Null);
        let own = r.account();
        let found = match r.name() {
            "PutBucketPolicy" => policy_exposure(&req, cfg, own),
            "PutBucketAcl" => acl_exposure(&req),
            name => block_removed(name, &req),
        };
        let Some((severity, what, undo)) = found else {
            return;
        };
        let bucket = text(field(&req, "bucketName"));
        let (target, arn) = match &bucket {
            Some(b) => (format!("bucket {b}"), format!("arn:aws:s3:::{b}")),
            None => (format!("the S3 buckets of account {own}"), own.to_owned()),
        };
        let who = ev
            .actor()
            .session_arn
            .clone()
            .unwrap_or_else(|| ev.actor().key());
        let summary = format!(
            "{who} {what} on {target} (account {own}); {undo}, find out what it holds and who read it since, and {} if unexplained",
            contain(cfg, ev.actor(), "the actor"),
        );
        out.push(Finding::for_event(&META, ev, vec![arn], summary).with_severity(severity));
    }
}

type Exposure = (Severity, String, &'static str);

/// `pattern` (IAM action syntax, `*` wildcards, any case) matches `action`.
fn glob(pattern: &str, action: &str) -> bool {
    let (p, a) = (
        pattern.trim().to_ascii_lowercase(),
        action.to_ascii_lowercase(),
    );
    match p.split_once('*') {
        None => p == a,
        Some((head, rest)) => {
            let Some(tail) = a.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len()).any(|i| tail.is_char_boundary(i) && glob(rest, &tail[i..]))
        }
    }
}

fn reads_objects(st: &Value) -> bool {
    let acts = strings(st.get("Action"));
    if !acts.is_empty() {
        return acts.iter().any(|a| glob(a, "s3:GetObject"));
    }
    let not = strings(st.get("NotAction"));
    !not.is_empty() && !not.iter().any(|a| glob(a, "s3:GetObject"))
}

/// A Condition with at least one key that narrows who the caller can be.
fn narrowed(st: &Value) -> bool {
    let Some(Value::Object(ops)) = st.get("Condition") else {
        return false;
    };
    ops.values()
        .filter_map(Value::as_object)
        .flat_map(|m| m.keys())
        .any(|k| NARROWING.contains(&k.to_ascii_lowercase().as_str()))
}

fn account_of(principal: &str) -> Option<String> {
    let p = principal.trim();
    let acct = if p.starts_with("arn:") {
        p.split(':').nth(4)?
    } else {
        p
    };
    (acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())).then(|| acct.to_owned())
}

/// Whether a statement's principal is everyone, and the accounts it names.
fn principals(st: &Value) -> (bool, Vec<String>) {
    if st.get("NotPrincipal").is_some() {
        return (true, vec![]);
    }
    let aws = match st.get("Principal") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Object(m)) => strings(m.get("AWS")),
        _ => vec![],
    };
    let star = aws.iter().any(|p| p.trim() == "*");
    (star, aws.iter().filter_map(|p| account_of(p)).collect())
}

fn policy_exposure(req: &Value, cfg: &Config, own: &str) -> Option<Exposure> {
    let raw = field(req, "bucketPolicy")?;
    let doc = match raw {
        Value::String(s) => parse_document(s)?,
        v => v.clone(),
    };
    let (mut public, mut data, mut outside) = (false, false, Vec::<String>::new());
    for st in statements(&doc) {
        let allow = st
            .get("Effect")
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case("allow"));
        if !allow {
            continue;
        }
        let (star, accounts) = principals(st);
        if star && !narrowed(st) {
            public = true;
            data |= reads_objects(st) && st.get("Condition").is_none();
        }
        for a in accounts {
            if !cfg.is_trusted_account(&a, own) && !outside.contains(&a) {
                outside.push(a);
            }
        }
    }
    let undo = "restore the previous bucket policy";
    if public {
        let (sev, what) = if data {
            (
                Severity::Critical,
                "set a bucket policy letting everyone read the objects",
            )
        } else {
            (Severity::High, "set a bucket policy open to everyone")
        };
        return Some((sev, format!("{what} (principal *)"), undo));
    }
    if outside.is_empty() {
        return None;
    }
    let what = format!(
        "set a bucket policy granting outside account(s) {} access",
        outside.join(", ")
    );
    Some((Severity::High, what, undo))
}

fn acl_exposure(req: &Value) -> Option<Exposure> {
    let mut groups: Vec<String> = Vec::new();
    let mut note = |uri: &str, perm: &str| {
        let u = uri.to_ascii_lowercase();
        let who = if u.contains(ALL_USERS) {
            "everyone (AllUsers)"
        } else if u.contains(AUTH_USERS) {
            "every AWS account (AuthenticatedUsers)"
        } else {
            return;
        };
        let g = format!("{perm} to {who}");
        if !groups.contains(&g) {
            groups.push(g);
        }
    };
    let grants = path(req, &["AccessControlPolicy", "AccessControlList", "Grant"]);
    for g in items(grants) {
        let uri = text(path(g, &["Grantee", "URI"])).unwrap_or_default();
        note(&uri, &text(field(g, "Permission")).unwrap_or_default());
    }
    if let Some(obj) = req.as_object() {
        for (k, v) in obj {
            let Some(perm) = k
                .to_ascii_lowercase()
                .strip_prefix("x-amz-grant-")
                .map(str::to_ascii_uppercase)
            else {
                continue;
            };
            for s in strings(Some(v)) {
                note(s, &perm.replace('-', "_"));
            }
        }
    }
    for canned in strings(field(req, "x-amz-acl")) {
        match canned.trim() {
            "public-read" => note(ALL_USERS, "READ"),
            "public-read-write" => note(ALL_USERS, "READ and WRITE"),
            "authenticated-read" => note(AUTH_USERS, "READ"),
            _ => {}
        }
    }
    if groups.is_empty() {
        return None;
    }
    let what = format!("set a bucket ACL granting {}", groups.join(", "));
    Some((Severity::High, what, "set the ACL back to private"))
}

fn block_removed(name: &str, req: &Value) -> Option<Exposure> {
    let undo = "put the public access block back (all four settings true)";
    match name {
        "DeleteBucketPublicAccessBlock" | "DeleteAccountPublicAccessBlock" => Some((
            Severity::Medium,
            "deleted the public access block".to_owned(),
            undo,
        )),
        "PutBucketPublicAccessBlock" | "PutAccountPublicAccessBlock" => {
            let conf = field(req, "PublicAccessBlockConfiguration")?;
            let on = |k: &str| text(field(conf, k)).is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let flags = [
                "BlockPublicAcls",
                "IgnorePublicAcls",
                "BlockPublicPolicy",
                "RestrictPublicBuckets",
            ];
            if flags.iter().any(|k| on(k)) {
                return None;
            }
            Some((
                Severity::Medium,
                "turned off every public access block setting".to_owned(),
                undo,
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, MemoryStore};
    use crate::record::Record;
    use serde_json::json;

    fn exposure(req: Value) -> Option<(Severity, String)> {
        policy_exposure(&req, &Config::default(), "111122223333").map(|(s, w, _)| (s, w))
    }

    fn policy(st: Value) -> Value {
        json!({"bucketName": "b", "bucketPolicy": {"Version": "2012-10-17", "Statement": st}})
    }

    #[test]
    fn policy_shapes_and_severities() {
        let st = json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:Get*", "Resource": "*"});
        assert_eq!(
            exposure(policy(st.clone())).map(|e| e.0),
            Some(Severity::Critical)
        );
        // The same policy as JSON text.
        let text =
            json!({"bucketName": "b", "bucketPolicy": json!({"Statement": [st]}).to_string()});
        assert_eq!(exposure(text).map(|e| e.0), Some(Severity::Critical));
        // Public, but not object reads: high.
        let list = json!([{"Effect": "Allow", "Principal": "*", "Action": ["s3:ListBucket"], "Resource": "*"}]);
        assert_eq!(exposure(policy(list)).map(|e| e.0), Some(Severity::High));
        // A non-narrowing condition keeps it public, but not critical.
        let tls = json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}});
        assert_eq!(exposure(policy(tls)).map(|e| e.0), Some(Severity::High));
        // Deny statements and own-account principals are not exposure.
        let deny = json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"});
        assert!(exposure(policy(deny)).is_none());
        let own = json!({"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:*", "Resource": "*"});
        assert!(exposure(policy(own)).is_none());
        let outside = json!({"Effect": "Allow", "Principal": {"AWS": ["999988887777"]}, "Action": "s3:*", "Resource": "*"});
        assert_eq!(exposure(policy(outside)).map(|e| e.0), Some(Severity::High));
        assert!(exposure(json!({"bucketPolicy": "invalid-json-policy"})).is_none());
        assert!(exposure(json!({"bucketPolicy": 7})).is_none());
        assert!(exposure(Value::Null).is_none());
    }

    #[test]
    fn globs() {
        assert!(glob("s3:*", "s3:GetObject") && glob("*", "s3:GetObject"));
        assert!(glob("S3:getobj*", "s3:GetObject") && glob("s3:*Object", "s3:GetObject"));
        assert!(!glob("s3:Put*", "s3:GetObject") && !glob("s3:GetObjectAcl", "s3:GetObject"));
    }

    #[test]
    fn acl_headers_and_canned_acls() {
        let hdr = json!({"bucketName": "b", "x-amz-grant-read": ["uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""]});
        assert!(acl_exposure(&hdr).is_some_and(|e| e.1.contains("READ to everyone")));
        let canned = json!({"bucketName": "b", "x-amz-acl": "authenticated-read"});
        assert!(acl_exposure(&canned).is_some_and(|e| e.1.contains("AuthenticatedUsers")));
        let private = json!({"bucketName": "b", "x-amz-acl": ["private"]});
        assert!(acl_exposure(&private).is_none());
        let one = json!({"AccessControlPolicy": {"AccessControlList": {"Grant": {"Grantee":
            {"URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "WRITE"}}}});
        assert!(acl_exposure(&one).is_some());
    }

    #[test]
    fn public_access_block_needs_every_flag_off() {
        let conf = |v: Value| {
            json!({"bucketName": "b", "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": v, "IgnorePublicAcls": false, "BlockPublicPolicy": false, "RestrictPublicBuckets": false}})
        };
        assert!(block_removed("PutBucketPublicAccessBlock", &conf(json!(false))).is_some());
        assert!(block_removed("PutBucketPublicAccessBlock", &conf(json!("true"))).is_none());
        assert!(block_removed("PutBucketPublicAccessBlock", &json!({"bucketName": "b"})).is_none());
        assert!(block_removed("DeleteAccountPublicAccessBlock", &Value::Null).is_some());
    }

    /// Panther's labelled S3 tests where their rule means the same as ours.
    #[test]
    fn panther_labelled_s3_tests_agree() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/corpus/panther_cloudtrail_tests.jsonl"
        );
        let text = std::fs::read_to_string(path).expect("corpus");
        let engine = Engine::new(Config::default());
        let mut checked = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let l: Value = serde_json::from_str(line).expect("corpus line");
            let rule = l["rule_id"].as_str().unwrap_or("");
            let s3 = l["record"]["eventSource"] == "s3.amazonaws.com";
            if !(rule == "AWS.S3.DeletePublicAccessBlock"
                || rule == "AWS.CloudTrail.ResourceMadePublic" && s3)
            {
                continue;
            }
            let raw = l["record"].to_string();
            let rec: Record = serde_json::from_str(&raw).expect("record");
            let found = engine
                .evaluate(&rec, rec.time().unwrap_or(0), &mut MemoryStore::new())
                .expect("memory store");
            let fired = found.iter().any(|f| f.rule_id == META.id);
            assert_eq!(
                fired,
                l["expected"].as_bool().unwrap_or(false),
                "{}",
                l["test_name"]
            );
            checked += 1;
        }
        assert!(checked >= 9, "only {checked} checked");
    }
}
