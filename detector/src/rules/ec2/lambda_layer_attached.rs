//! Layers set on an existing Lambda function (`UpdateFunctionConfiguration`
//! with `layers`).
//!
//! Why it is here: a layer can carry a Lambda *extension*, which runs inside
//! the function's execution environment beside every invocation, sees its
//! events and holds its role's credentials: the Stratus
//! `lambda-layer-extension` persistence technique (Sigma: "AWS New Lambda
//! Layer Attached"). Only the request's `layers` count: the response lists the
//! function's layers after any configuration change, so reading it would
//! report every timeout or memory tweak on a function that has layers.
//! Medium: deployment pipelines set layers too; outside a change window that
//! is worth a look. Layers published by another account are named as such.
//! An update that removes every layer (`layers: []`) is not reported.
//!
//! Fixtures: `fixtures/rules/lambda-layer-attached/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::Event;
use crate::rules::json::{arn_or, field, list_some, text, texts};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "lambda-layer-attached",
    title: "Layers attached to a Lambda function",
    severity: Severity::Medium,
    mitre: &["T1546"],
    description:
        "A function's layers were set. A layer may carry an extension that runs alongside \
                  every invocation with the function's role and sees its input: a way to persist \
                  and to harvest credentials and data.",
    remediation: "Check that each layer is one your team publishes or approved, and what it \
                  contains (aws lambda get-layer-version-by-arn); if not, remove it from the \
                  function and review the function's recent invocations and role activity.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[
        "UpdateFunctionConfiguration",
        "UpdateFunctionConfiguration20150331",
        "UpdateFunctionConfiguration20150331v2",
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
        let layers = texts(field(&req, "layers"));
        let Some(first) = layers.first().cloned() else {
            return;
        };
        let name = text(field(&req, "functionName")).unwrap_or_else(|| "(unknown)".to_owned());
        let arn = arn_or(&name, |n| {
            format!("arn:aws:lambda:{}:{}:function:{n}", r.region(), r.account())
        });
        let short = arn.rsplit(":function:").next().unwrap_or(&name).to_owned();
        let mut owners: Vec<String> = layers
            .iter()
            .filter_map(|l| l.split(':').nth(4))
            .filter(|a| !a.is_empty() && !cfg.is_trusted_account(a, r.account()))
            .map(str::to_owned)
            .collect();
        owners.dedup();
        let outside = if owners.is_empty() {
            String::new()
        } else {
            format!(", published by other account(s) {}", list_some(&owners, 3))
        };
        let summary = format!(
            "{} set layer(s) {}{outside} on Lambda function {short} (account {}, {}); confirm each layer is approved (aws lambda get-layer-version-by-arn --arn {}) or remove it from the function",
            ev.actor().key(),
            list_some(&layers, 3),
            r.account(),
            r.region(),
            first
        );
        let mut resources = vec![arn];
        resources.extend(layers);
        out.push(Finding::for_event(&META, ev, resources, summary));
    }
}
