//! One SSH public key pushed through EC2 Instance Connect (`SendSSHPublicKey`)
//! to several instances by one actor within minutes: a script fanning out with
//! an attacker-held key (Stratus `ec2-instance-connect` pushes one key to three
//! instances in the same second).
//!
//! EC2 Instance Connect as people use it, from the console or with
//! `aws ec2-instance-connect ssh`, generates a fresh key for every connection,
//! so engineers hopping between instances never reuse one; counting distinct
//! instances per key keeps that quiet. Fires at `ssh_key_pushed.count` distinct instances
//! within `ssh_key_pushed.window`, once per actor and key per window. Single pushes are not
//! reported.
//!
//! Fixtures: `fixtures/rules/ec2-ssh-key-pushed-to-many/`.

use crate::config::Config;
use crate::engine::Fact;
use crate::finding::{Response, Severity};
use crate::record::Event;
use crate::rules::correlation::common;
use crate::rules::json::{field, text};
use crate::rules::util::contain;
use crate::rules::{Correlated, CorrelationRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "ec2-ssh-key-pushed-to-many",
    title: "One SSH key pushed to many EC2 instances",
    severity: Severity::Medium,
    mitre: &["T1021.008", "T1098.004"],
    description: "One actor pushed the same SSH public key to several EC2 instances through EC2 \
                  Instance Connect within minutes. The console and the CLI's \
                  `ec2-instance-connect ssh` make a new key for each connection; a key reused \
                  across instances is a script with a key of its own moving laterally.",
    remediation: "Ask the actor's owner whether a fleet job pushed the key. If not, quarantine the \
                  actor, look for new authorized keys, users and processes on the listed instances, \
                  and restrict ec2-instance-connect:SendSSHPublicKey to the people who need it.",
    response: Response::Alert,
    kind: RuleKind::Correlation,
    events: &["SendSSHPublicKey"],
    about_failures: false,
};

/// The `ssh_key_pushed` threshold (default 3 instances in 10 minutes).
fn threshold(cfg: &Config) -> (usize, i64) {
    let t = cfg.threshold("ssh_key_pushed");
    (t.min_len(), t.window)
}

/// A short, stable label for an OpenSSH public key: its type, the tail of its
/// body and a hash of type and body (the comment is ignored).
pub(crate) fn key_label(key: &str) -> Option<String> {
    let mut parts = key.split_whitespace();
    let (kind, body) = (parts.next()?, parts.next()?);
    let tail: String = body
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in kind.bytes().chain([b' ']).chain(body.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Some(format!("{kind} ...{tail} #{h:016x}"))
}

/// The instance an Instance Connect call pushed a key to, and the key's label
/// when the record holds the key; `None` when the call says it did not succeed.
pub(crate) fn pushed_key(ev: &Event) -> Option<(String, Option<String>)> {
    let r = ev.record;
    if r.source() != "ec2-instance-connect.amazonaws.com" {
        return None;
    }
    let resp: Value = r.response().unwrap_or(Value::Null);
    if text(field(&resp, "success")).is_some_and(|s| s.eq_ignore_ascii_case("false")) {
        return None;
    }
    let req: Value = r.request().unwrap_or(Value::Null);
    let instance = text(field(&req, "instanceId"))?;
    let label = text(field(&req, "sSHPublicKey")).and_then(|k| key_label(&k));
    Some((instance, label))
}

fn instances(f: &Fact) -> &[String] {
    &f.resources
}

impl CorrelationRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn facts(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Fact>) {
        let (Some((instance, Some(label))), Some(group)) = (pushed_key(ev), common::principal(ev))
        else {
            return;
        };
        let res = vec![instance.clone()];
        out.push(common::fact(&META, group, &label, ev, instance, res));
    }

    fn window(&self, cfg: &Config) -> i64 {
        threshold(cfg).1
    }

    fn check(&self, new: &Fact, group: &[Fact], cfg: &Config) -> Option<Correlated> {
        let (count, window) = threshold(cfg);
        let found = common::burst(new, group, &new.kind, window, count, instances)?;
        let lead = found[0];
        let last = found.iter().map(|f| f.time).max().unwrap_or(lead.time);
        let ids = common::unique(found.iter().map(|f| f.target.clone()));
        let regions = common::unique(found.iter().map(|f| f.region.clone()));
        let who = lead.actor.key();
        let summary = format!(
            "{who} pushed the same SSH public key ({}) to {} EC2 instances ({}) through EC2 Instance Connect in account {}, {} {}: people connecting get a fresh key each time, so this is a script with its own key; unless a fleet job explains it, {} and check those instances for new keys, users and processes",
            lead.kind,
            ids.len(),
            common::list(&ids, 5),
            lead.account,
            common::list(&regions, 3),
            common::span_text(lead.time, last),
            contain(cfg, &lead.actor, &who),
        );
        let finding = common::finding(&META, lead, &found, ids, summary);
        let claim = common::claim_key(&META, &[&lead.group, &lead.kind]);
        Some(common::correlated(finding, &found, claim, window))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_ignore_comments_and_tell_keys_apart() {
        let a = key_label("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu alice@laptop");
        let b = key_label(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu",
        );
        let c = key_label(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRv",
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(
            a.as_deref()
                .is_some_and(|l| l.starts_with("ssh-ed25519 ...0qH54xRu #")),
            "{a:?}"
        );
        assert_eq!(key_label("ssh-rsa"), None);
        assert_eq!(key_label(""), None);
        assert!(key_label("é ü").is_some());
    }
}
