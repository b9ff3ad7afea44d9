//! Many instances terminated in one `TerminateInstances` call: destruction or
//! ransom, not routine scaling (Auto Scaling acts through its service-linked
//! role, which the engine mutes).
//!
//! Fires when one call names at least `thresholds.terminate_call.count`
//! instances (default 5). Spreading terminations over many calls is the
//! correlation rule's job (`mass_termination`).
//!
//! Fixtures: `fixtures/rules/ec2-terminate-many/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::Event;
use crate::rules::json::list_some;
use crate::rules::util::{contain, instance_ids};
use crate::rules::{EventRule, RuleKind, RuleMeta};

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "ec2-terminate-many",
    title: "Many EC2 instances terminated in one call",
    severity: Severity::High,
    mitre: &["T1485"],
    description:
        "A single TerminateInstances call named many instances (thresholds.terminate_call). \
                  Outside planned teardown this is destruction: the instances and their \
                  delete-on-termination volumes are gone.",
    remediation: "Confirm with the instances' owners at once. If unplanned, quarantine the actor, \
                  enable termination protection on the remaining instances and restore from AMIs \
                  and snapshots.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["TerminateInstances"],
    about_failures: false,
};

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != "ec2.amazonaws.com" {
            return;
        }
        let ids = instance_ids(ev);
        let min = cfg.threshold("terminate_call").count as usize;
        if ids.is_empty() || ids.len() < min {
            return;
        }
        let summary = format!(
            "{} terminated {} EC2 instances in one call ({}) in account {}, {}; confirm with their owners, and if unplanned {} and restore from AMIs and snapshots",
            ev.actor().key(),
            ids.len(),
            list_some(&ids, 5),
            r.account(),
            r.region(),
            contain(cfg, ev.actor(), "the actor")
        );
        out.push(Finding::for_event(&META, ev, ids, summary));
    }
}
