//! A Lambda function or layer opened to everyone or to an outside account
//! through its resource-based policy.
//!
//! Why it is here: a function policy granting `lambda:InvokeFunction` to `*`
//! (or to the attacker's account) is a persistent backdoor that survives key
//! rotation and user deletion: the Stratus `lambda-backdoor-function`
//! technique. Compute sits with EC2 in this area.
//!
//! Catches `AddPermission*` (CloudTrail names it `AddPermission20150331v2`)
//! whose `principal` is `*` (without a `principalOrgID` restriction) or an
//! account (id or `arn:aws:iam::ACCT:...`) that is neither the event's account
//! nor trusted: high. `AddLayerVersionPermission*` to `*` (without
//! `organizationId`) or an untrusted account: medium, since a shared layer
//! exposes code rather than execution. Service principals
//! (`s3.amazonaws.com`, ...) are not reported.
//!
//! Fixtures: `fixtures/rules/lambda-function-exposed/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Record};
use crate::rules::json::{arn_or, field, is_account_id, text};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "lambda-function-exposed",
    title: "Lambda function or layer exposed to everyone or an outside account",
    severity: Severity::High,
    mitre: &["T1546"],
    description: "A Lambda function's resource policy now lets anyone, or an untrusted account, \
                  invoke it; or a layer version was shared likewise. An attacker keeps a way to run \
                  code with the function's role after their credentials are revoked.",
    remediation: "Remove the statement (aws lambda remove-permission / \
                  remove-layer-version-permission), review the function's code, role and recent \
                  invocations, and confirm the change with the actor's owner.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[
        "AddPermission",
        "AddPermission20150331",
        "AddPermission20150331v2",
        "AddLayerVersionPermission",
        "AddLayerVersionPermission20181031",
    ],
    about_failures: false,
};

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != "lambda.amazonaws.com" {
            return;
        }
        let req: Value = r.request().unwrap_or(Value::Null);
        let layer = r.name().starts_with("AddLayerVersionPermission");
        let org_key = if layer {
            "organizationId"
        } else {
            "principalOrgID"
        };
        let Some(whom) = grantee(&req, org_key, cfg, r.account()) else {
            return;
        };
        let sid = text(field(&req, "statementId")).unwrap_or_else(|| "(unnamed)".to_owned());
        let (arn, what, undo, severity, check) = if layer {
            layer_target(r, &req, &sid)
        } else {
            function_target(r, &req, &sid)
        };
        let summary = format!(
            "{} let {whom} {what} (account {}, {}) through policy statement {sid}; remove it ({undo}) and {check}",
            ev.actor().key(),
            r.account(),
            r.region()
        );
        out.push(Finding::for_event(&META, ev, vec![arn], summary).with_severity(severity));
    }
}

/// "anyone (principal *)" or "outside account X", or `None` when the grant stays inside.
fn grantee(req: &Value, org_key: &str, cfg: &Config, own: &str) -> Option<String> {
    let principal = text(field(req, "principal"))?;
    if principal == "*" {
        return text(field(req, org_key))
            .is_none()
            .then(|| "anyone (principal *)".to_owned());
    }
    let acct = if is_account_id(&principal) {
        principal.clone()
    } else if let Some(rest) = principal.strip_prefix("arn:") {
        rest.split(':').nth(3).unwrap_or("").to_owned()
    } else {
        return None;
    };
    (is_account_id(&acct) && !cfg.is_trusted_account(&acct, own))
        .then(|| format!("outside account {acct}"))
}

/// Resource ARN, what was opened, the undo command, severity, what to check next.
type Target = (String, String, String, Severity, &'static str);

fn function_target(r: &Record, req: &Value, sid: &str) -> Target {
    let name = text(field(req, "functionName")).unwrap_or_else(|| "(unknown)".to_owned());
    let arn = arn_or(&name, |n| {
        format!("arn:aws:lambda:{}:{}:function:{n}", r.region(), r.account())
    });
    let action = text(field(req, "action")).unwrap_or_else(|| "lambda:InvokeFunction".to_owned());
    let url =
        text(field(req, "functionUrlAuthType")).is_some_and(|t| t.eq_ignore_ascii_case("NONE"));
    let short = arn.rsplit(":function:").next().unwrap_or(&name).to_owned();
    let what = if url {
        format!("call Lambda function {short} through an unauthenticated function URL ({action})")
    } else {
        format!("use {action} on Lambda function {short}")
    };
    let undo = format!("aws lambda remove-permission --function-name {name} --statement-id {sid}");
    (
        arn,
        what,
        undo,
        Severity::High,
        "review the function's code, role and recent invocations",
    )
}

fn layer_target(r: &Record, req: &Value, sid: &str) -> Target {
    let name = text(field(req, "layerName")).unwrap_or_else(|| "(unknown)".to_owned());
    let version = text(field(req, "versionNumber")).unwrap_or_else(|| "?".to_owned());
    let base = arn_or(&name, |n| {
        format!("arn:aws:lambda:{}:{}:layer:{n}", r.region(), r.account())
    });
    let arn = format!("{base}:{version}");
    let what = format!("download Lambda layer {name} version {version}");
    let undo = format!("aws lambda remove-layer-version-permission --layer-name {name} --version-number {version} --statement-id {sid}");
    (
        arn,
        what,
        undo,
        Severity::Medium,
        "check the layer's code for embedded secrets",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grantees() {
        let cfg = Config::parse("[principals]\ntrusted_accounts=[\"444455556666\"]").unwrap();
        let g = |v: Value| grantee(&v, "principalOrgID", &cfg, "111122223333");
        assert_eq!(
            g(json!({"principal":"*"})).as_deref(),
            Some("anyone (principal *)")
        );
        assert_eq!(g(json!({"principal":"*","principalOrgID":"o-abc"})), None);
        assert_eq!(
            g(json!({"principal":"999988887777"})).as_deref(),
            Some("outside account 999988887777")
        );
        assert_eq!(
            g(json!({"principal":"arn:aws:iam::999988887777:root"})).as_deref(),
            Some("outside account 999988887777")
        );
        assert_eq!(g(json!({"principal":"444455556666"})), None);
        assert_eq!(g(json!({"principal":"111122223333"})), None);
        assert_eq!(
            g(json!({"principal":"s3.amazonaws.com","sourceAccount":"999988887777"})),
            None
        );
        assert_eq!(g(json!({})), None);
    }
}
