//! Security Hub disabled or narrowed: the account's aggregated findings view.
//!
//! High: `DisableSecurityHub`, `BatchDisableStandards`, and a member leaving its
//! Security Hub administrator (`DisassociateFromAdministratorAccount`,
//! `DisassociateFromMasterAccount`). Medium: `DisableImportFindingsForProduct`
//! (e.g. GuardDuty or Inspector findings no longer flow in).
//! `DeleteInsight` is deliberately not reported: an insight is a saved view;
//! deleting it hides no finding (Panther's and Sigma's rules flag it).
//!
//! Fixtures: `fixtures/rules/logging-securityhub-disabled/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Record};
use crate::rules::json::{field, list_some, text, texts};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "logging-securityhub-disabled",
    title: "Security Hub disabled or narrowed",
    severity: Severity::High,
    mitre: &["T1562.001"],
    description: "Security Hub was disabled, security standards were disabled, a product \
                  integration stopped importing findings, or the account left its Security Hub \
                  administrator. Findings stop reaching the people who watch them.",
    remediation: "Re-enable what was changed (enable-security-hub, batch-enable-standards, \
                  enable-import-findings-for-product, re-accept the administrator invitation) and \
                  confirm the change with the actor's owner.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[
        "DisableSecurityHub",
        "BatchDisableStandards",
        "DisableImportFindingsForProduct",
        "DisassociateFromAdministratorAccount",
        "DisassociateFromMasterAccount",
    ],
    about_failures: false,
};

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != "securityhub.amazonaws.com" {
            return;
        }
        let hub = format!(
            "arn:aws:securityhub:{}:{}:hub/default",
            r.region(),
            r.account()
        );
        let (severity, resources, did, next) = describe(r, hub);
        let summary = format!(
            "{} {did} (account {}, {}); {next} and confirm the change with the actor's owner",
            ev.actor().key(),
            r.account(),
            r.region()
        );
        out.push(Finding::for_event(&META, ev, resources, summary).with_severity(severity));
    }
}

fn describe(r: &Record, hub: String) -> (Severity, Vec<String>, String, String) {
    let req: Value = r.request().unwrap_or(Value::Null);
    match r.name() {
        "DisableSecurityHub" => (
            Severity::High,
            vec![hub],
            "disabled Security Hub".to_owned(),
            "re-enable it and its standards (aws securityhub enable-security-hub)".to_owned(),
        ),
        "BatchDisableStandards" => {
            let subs = texts(field(&req, "StandardsSubscriptionArns"));
            let names: Vec<String> = subs
                .iter()
                .map(|a| a.rsplit(":subscription/").next().unwrap_or(a).to_owned())
                .collect();
            let shown = if names.is_empty() {
                "(unlisted)".to_owned()
            } else {
                list_some(&names, 3)
            };
            (
                Severity::High,
                if subs.is_empty() { vec![hub] } else { subs },
                format!("disabled Security Hub standard(s) {shown}"),
                "re-enable them (aws securityhub batch-enable-standards)".to_owned(),
            )
        }
        "DisableImportFindingsForProduct" => {
            let sub = text(field(&req, "ProductSubscriptionArn")).unwrap_or_else(|| hub.clone());
            let product = sub
                .rsplit('/')
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("/");
            (
                Severity::Medium,
                vec![sub.clone()],
                format!("stopped Security Hub importing findings from {product}"),
                "re-enable the integration (aws securityhub enable-import-findings-for-product)"
                    .to_owned(),
            )
        }
        _ => (
            Severity::High,
            vec![hub],
            "detached this account from its Security Hub administrator".to_owned(),
            "re-accept the administrator's invitation from this account".to_owned(),
        ),
    }
}
