//! The engine: the rule set plus the configuration, evaluating records.
//!
//! Pure and synchronous: no clock (time is `eventTime`), no I/O, no async. It has
//! two halves so callers can parallelise the first:
//! - [`Engine::scan`] (stateless, per record): event rules, and the correlation
//!   facts the record contributes;
//! - [`Engine::correlate`] (stateful, per fact): stores the fact in a
//!   [`StateStore`] and asks its rule whether the group now forms a pattern.
//!
//! [`Engine::evaluate`] does both for one record (the Lambda's path). The engine
//! also applies policy to every finding: failed calls, AWS services on their own
//! behalf and trusted automation inside a change window are not evaluated (unless
//! a rule is about failures); configured overrides; break-glass, protected and
//! root actors get `alert`, never `quarantine`.

mod names;
mod store;

pub use store::{Fact, MemoryStore, StateStore, StoreError};

use crate::config::Config;
use crate::finding::{Finding, Response};
use crate::record::{opt_str, ActorKind, Event, Record, Timestamp};
use crate::rules::{self, CorrelationRule, EventRule, RuleMeta};
use names::NameIndex;

#[derive(Debug, Clone, Copy)]
enum Slot {
    Event(usize),
    Correlation(usize),
}

/// What the stateless half produced for some records.
#[derive(Debug, Default)]
pub struct Pass {
    pub findings: Vec<Finding>,
    pub facts: Vec<Fact>,
}

/// The rule set and the configuration.
pub struct Engine {
    cfg: Config,
    event_rules: Vec<Box<dyn EventRule>>,
    correlation_rules: Vec<Box<dyn CorrelationRule>>,
    by_name: NameIndex<Vec<Slot>>,
    every: Vec<Slot>,
}

impl Engine {
    /// Every built-in rule not disabled by the configuration.
    pub fn new(cfg: Config) -> Engine {
        let enabled = |m: &RuleMeta| !cfg.disabled.iter().any(|d| d == m.id);
        let event_rules: Vec<_> = rules::event_rules()
            .into_iter()
            .filter(|r| enabled(r.meta()))
            .collect();
        let correlation_rules: Vec<_> = rules::correlation_rules()
            .into_iter()
            .filter(|r| enabled(r.meta()))
            .collect();
        let mut e = Engine {
            cfg,
            event_rules,
            correlation_rules,
            by_name: NameIndex::default(),
            every: Vec::new(),
        };
        let slots: Vec<(Slot, &'static RuleMeta)> = (e.event_rules.iter().enumerate())
            .map(|(i, r)| (Slot::Event(i), r.meta()))
            .chain(
                e.correlation_rules
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (Slot::Correlation(i), r.meta())),
            )
            .collect();
        for (slot, meta) in slots {
            if meta.events.is_empty() {
                e.every.push(slot);
            }
            for name in meta.events {
                e.by_name.entry(name).or_default().push(slot);
            }
        }
        e
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The longest look-back any enabled correlation rule needs, in seconds:
    /// state older than the newest event time minus this can be forgotten.
    pub fn longest_window(&self) -> i64 {
        self.correlation_rules
            .iter()
            .map(|r| r.window(&self.cfg))
            .max()
            .unwrap_or(0)
    }

    /// Each enabled correlation rule's id and window, in seconds.
    pub fn windows(&self) -> Vec<(&'static str, i64)> {
        self.correlation_rules
            .iter()
            .map(|r| (r.meta().id, r.window(&self.cfg)))
            .collect()
    }

    /// Number of enabled rules.
    pub fn rule_count(&self) -> usize {
        self.event_rules.len() + self.correlation_rules.len()
    }

    fn meta(&self, slot: Slot) -> &'static RuleMeta {
        match slot {
            Slot::Event(i) => self.event_rules[i].meta(),
            Slot::Correlation(i) => self.correlation_rules[i].meta(),
        }
    }

    /// Calls nobody should be alerted on: AWS services on their own behalf, and
    /// trusted automation inside a change window. Cheap checks first.
    fn is_quiet(&self, ev: &Event) -> bool {
        let r = ev.record;
        if r.identity_type() == "AWSService" {
            return true;
        }
        let raw_arn = r
            .user_identity
            .as_ref()
            .map(|u| opt_str(&u.arn))
            .unwrap_or("");
        if raw_arn.contains(":assumed-role/AWSServiceRoleFor")
            || raw_arn.contains(":role/aws-service-role/")
        {
            return true;
        }
        if self.cfg.principals.trusted_automation.is_empty() || !self.cfg.in_change_window(ev.time)
        {
            return false;
        }
        let a = ev.actor();
        a.arn
            .as_deref()
            .is_some_and(|arn| self.cfg.is_trusted_automation(arn))
            || a.session_arn
                .as_deref()
                .is_some_and(|arn| self.cfg.is_trusted_automation(arn))
    }

    /// Stateless half for one record: event rules and correlation facts.
    pub fn scan(&self, ev: &Event, out: &mut Pass) {
        let named = self
            .by_name
            .get(ev.name())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if named.is_empty() && self.every.is_empty() {
            return;
        }
        let failed = ev.record.failed();
        let mut quiet: Option<bool> = None;
        for &slot in named.iter().chain(self.every.iter()) {
            let meta = self.meta(slot);
            if failed && !meta.about_failures {
                continue;
            }
            if *quiet.get_or_insert_with(|| self.is_quiet(ev)) {
                return;
            }
            match slot {
                Slot::Event(i) => {
                    let start = out.findings.len();
                    self.event_rules[i].evaluate(ev, &self.cfg, &mut out.findings);
                    for f in &mut out.findings[start..] {
                        self.apply_policy(f);
                    }
                }
                Slot::Correlation(i) => {
                    self.correlation_rules[i].facts(ev, &self.cfg, &mut out.facts)
                }
            }
        }
    }

    /// Stateful half for one fact: store it, check its group, claim the finding.
    pub fn correlate(
        &self,
        fact: &Fact,
        store: &mut dyn StateStore,
    ) -> Result<Option<Finding>, StoreError> {
        let Some(rule) = self
            .correlation_rules
            .iter()
            .find(|r| r.meta().id == fact.rule)
        else {
            return Ok(None);
        };
        if !store.put_fact(fact)? {
            return Ok(None);
        }
        let w = rule.window(&self.cfg);
        let full = (fact.time - w, fact.time + w);
        let range = rule.trigger_range(fact, &self.cfg);
        if range != full {
            let near = store.facts(&fact.rule, &fact.group, range.0, range.1)?;
            if !rule.triggered(fact, near) {
                return Ok(None);
            }
        }
        let group = store.facts(&fact.rule, &fact.group, full.0, full.1)?;
        if range == full && !rule.triggered(fact, group) {
            return Ok(None);
        }
        let Some(c) = rule.check(fact, group, &self.cfg) else {
            return Ok(None);
        };
        if !store.claim(&c.claim, fact.time, c.until)? {
            return Ok(None);
        }
        let mut f = c.finding;
        self.apply_policy(&mut f);
        Ok(Some(f))
    }

    /// Both halves for one record, in order (the Lambda's path).
    pub fn evaluate(
        &self,
        record: &Record,
        time: Timestamp,
        store: &mut dyn StateStore,
    ) -> Result<Vec<Finding>, StoreError> {
        let ev = Event::new(record, time);
        let mut pass = Pass::default();
        self.scan(&ev, &mut pass);
        let mut out = pass.findings;
        for fact in &pass.facts {
            out.extend(self.correlate(fact, store)?);
        }
        Ok(out)
    }

    /// Configured overrides, and never `quarantine` for identities the guard must not touch.
    fn apply_policy(&self, f: &mut Finding) {
        if let Some(s) = self.cfg.severity.get(&f.rule_id) {
            f.severity = *s;
        }
        if let Some(r) = self.cfg.response.get(&f.rule_id) {
            f.response = *r;
        }
        let untouchable = matches!(f.actor.kind, ActorKind::Root | ActorKind::AWSService)
            || f.actor.arn.as_deref().is_none_or(|a| {
                self.cfg.is_break_glass(a) || self.cfg.is_protected(a) || a.ends_with(":root")
            });
        if untouchable {
            f.response = Response::Alert;
        }
    }
}

/// Sorts findings deterministically and drops repeats of the same rule on the
/// same events (the same record read twice, e.g. from overlapping inputs).
pub fn finalise(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| {
        a.rule_id == b.rule_id
            && a.event_ids == b.event_ids
            && a.resources == b.resources
            && !a.event_ids.is_empty()
    });
}

#[cfg(test)]
mod tests;
