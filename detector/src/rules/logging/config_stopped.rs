//! AWS Config recording stopped or its delivery removed: the account's
//! configuration history (who changed which security group, bucket policy,
//! role) stops being kept, which hides the persistence an intruder sets up.
//!
//! Catches `StopConfigurationRecorder`, `DeleteConfigurationRecorder` and
//! `DeleteDeliveryChannel`. Starting a recorder, or a call that failed, is not
//! reported (the engine drops failed calls).
//!
//! Fixtures: `fixtures/rules/logging-config-stopped/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Text};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "logging-config-stopped",
    title: "AWS Config recording stopped or deleted",
    severity: Severity::High,
    mitre: &["T1562.008"],
    description: "An AWS Config configuration recorder was stopped or deleted, or its delivery \
                  channel deleted. Resource configuration history and Config rules stop working \
                  for the region, hiding later changes.",
    remediation: "Restart or recreate the recorder and delivery channel (aws configservice \
                  start-configuration-recorder), confirm the change with the actor's owner, and \
                  review what the actor changed afterwards in CloudTrail.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[
        "StopConfigurationRecorder",
        "DeleteConfigurationRecorder",
        "DeleteDeliveryChannel",
    ],
    about_failures: false,
};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default, alias = "ConfigurationRecorderName")]
    configuration_recorder_name: Option<Text<'a>>,
    #[serde(borrow, default, alias = "DeliveryChannelName")]
    delivery_channel_name: Option<Text<'a>>,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != "config.amazonaws.com" {
            return;
        }
        let req: Req = r.request().unwrap_or_default();
        let name = [&req.configuration_recorder_name, &req.delivery_channel_name]
            .into_iter()
            .flatten()
            .find(|t| !t.is_empty())
            .map(|t| t.as_str().to_owned())
            .unwrap_or_else(|| "default".to_owned());
        let (did, next) = match r.name() {
            "StopConfigurationRecorder" => (
                format!("stopped AWS Config recorder {name}"),
                format!("restart it (aws configservice start-configuration-recorder --configuration-recorder-name {name})"),
            ),
            "DeleteConfigurationRecorder" => (
                format!("deleted AWS Config recorder {name}"),
                "recreate the recorder and delivery channel, then start recording".to_owned(),
            ),
            _ => (
                format!("deleted AWS Config delivery channel {name}"),
                "recreate the delivery channel to the central Config bucket".to_owned(),
            ),
        };
        let summary = format!(
            "{} {did} (account {}, {}); {next} and confirm the change with the actor's owner",
            ev.actor().key(),
            r.account(),
            r.region()
        );
        out.push(Finding::for_event(&META, ev, vec![name], summary));
    }
}
