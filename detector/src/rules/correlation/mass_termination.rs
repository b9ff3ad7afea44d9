//! One actor terminating many EC2 instances in a short time: destruction after a
//! takeover (or ransom). Counts distinct instance ids across any number of
//! `TerminateInstances` calls and regions, against the `mass_termination`
//! threshold (default 10 instances in 10 minutes).
//!
//! Fires once per actor per window: a spree longer than the window may raise one
//! finding per window it spans.
//!
//! Fixtures: `fixtures/rules/corr-mass-termination/` (positive: 10 instances in
//! four calls within 6 minutes; negative: 9 instances in 10 minutes, and 10
//! spread over hours).

use super::common;
use crate::config::Config;
use crate::engine::Fact;
use crate::finding::{Response, Severity};
use crate::record::Event;
use crate::rules::util::{contain, instance_ids};
use crate::rules::{Correlated, CorrelationRule, RuleKind, RuleMeta};

pub struct Rule;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "corr-mass-termination",
    title: "Mass termination of EC2 instances by one actor",
    severity: Severity::Critical,
    mitre: &["T1485", "T1489"],
    description: "One actor terminated at least mass_termination.count EC2 instances within \
                  mass_termination.window, across one or more TerminateInstances calls. Attackers \
                  destroy workloads after a takeover, to extort or to cover their tracks.",
    remediation: "Quarantine the actor now, before more is destroyed. Check that the terminated \
                  instances' volumes, snapshots and AMIs still exist, enable termination protection \
                  on what remains, and review what else the actor did.",
    response: Response::Quarantine,
    kind: RuleKind::Correlation,
    events: &["TerminateInstances"],
    about_failures: false,
};

const TERMINATE: &str = "terminate";

fn instances(f: &Fact) -> &[String] {
    &f.resources
}

fn report(found: &[&Fact], w: i64, cfg: &Config) -> Correlated {
    let lead = found[0];
    let last = found.iter().map(|f| f.time).max().unwrap_or(lead.time);
    let mut ids: Vec<String> = found
        .iter()
        .flat_map(|f| f.resources.iter().cloned())
        .collect();
    ids.sort();
    ids.dedup();
    let regions = common::unique(found.iter().map(|f| f.region.clone()));
    let who = lead.actor.key();
    let summary = format!(
        "{who} terminated {} EC2 instances ({}) in {} {}; {} now, then check that their \
         volumes, snapshots and AMIs still exist",
        ids.len(),
        common::list(&ids, 5),
        common::list(&regions, 3),
        common::span_text(lead.time, last),
        contain(cfg, &lead.actor, &who),
    );
    let finding = common::finding(&META, lead, found, ids, summary);
    let claim = common::claim_key(&META, &[&lead.group]);
    common::correlated(finding, found, claim, w)
}

impl CorrelationRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn facts(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Fact>) {
        if ev.record.source() != "ec2.amazonaws.com" {
            return;
        }
        let ids = instance_ids(ev);
        let (Some(first), Some(actor)) = (ids.first().cloned(), common::principal(ev)) else {
            return;
        };
        let mut f = common::fact(&META, actor, TERMINATE, ev, first, Vec::new());
        f.count = u32::try_from(ids.len()).unwrap_or(u32::MAX);
        f.resources = ids;
        out.push(f);
    }

    fn window(&self, cfg: &Config) -> i64 {
        cfg.threshold("mass_termination").window
    }

    fn check(&self, new: &Fact, group: &[Fact], cfg: &Config) -> Option<Correlated> {
        let t = cfg.threshold("mass_termination");
        let found = common::burst(new, group, TERMINATE, t.window, t.min_len(), instances)?;
        Some(report(&found, t.window, cfg))
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::correlation::tests::{findings, iam_user, record};
    use serde_json::json;

    const ID: &str = "corr-mass-termination";

    fn terminate(n: u32, t: &str, who: &str, ids: &[String]) -> String {
        let items: Vec<_> = ids.iter().map(|i| json!({"instanceId": i})).collect();
        record(
            n,
            t,
            "ec2.amazonaws.com",
            "TerminateInstances",
            &iam_user(who),
            json!({"requestParameters": {"instancesSet": {"items": items}}}),
        )
    }

    fn at(minute: u32, second: u32) -> String {
        format!("2026-11-16T03:{minute:02}:{second:02}Z")
    }

    #[test]
    fn the_same_instance_again_and_two_actors_do_not_add_up() {
        let one = vec!["i-0aaaaaaaaaaaaaaa1".to_owned()];
        let repeats: Vec<String> = (0..12)
            .map(|n| terminate(n, &at(10, n * 3), "ops", &one))
            .collect();
        assert!(findings(ID, &repeats).is_empty());
        let ids: Vec<String> = (0..10).map(|i| format!("i-0bbbbbbbbbbbbbbb{i}")).collect();
        let split = vec![
            terminate(1, &at(10, 0), "ops", &ids[..5]),
            terminate(2, &at(11, 0), "dev", &ids[5..]),
        ];
        assert!(findings(ID, &split).is_empty());
        let joint = vec![
            terminate(1, &at(10, 0), "ops", &ids[..5]),
            terminate(2, &at(11, 0), "ops", &ids[5..]),
        ];
        let f = findings(ID, &joint);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resources, ids);
    }

    #[test]
    fn a_long_spree_fires_once_per_window_at_most() {
        // 40 instances, one every 30 seconds, over 20 minutes.
        let lines: Vec<String> = (0..40u32)
            .map(|i| {
                terminate(
                    i,
                    &at(10 + i / 2, (i % 2) * 30),
                    "ops",
                    &[format!("i-0ccccccccccccc{i:03}")],
                )
            })
            .collect();
        assert_eq!(findings(ID, &lines).len(), 2, "20 minutes: two windows");
        let reversed: Vec<String> = lines.iter().rev().cloned().collect();
        let n = findings(ID, &reversed).len();
        assert!((1..=2).contains(&n), "{n}");
    }
}
