//! Correlation state: facts grouped by rule and key, and once-only claims.
//!
//! [`StateStore`] is the only thing correlation touches between records. The
//! in-memory [`MemoryStore`] serves `hunt`; the Lambda implements the same
//! semantics on DynamoDB (conditional writes, TTL).

use crate::record::{Actor, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One thing a record contributed to a correlation rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// The correlation rule's id.
    pub rule: String,
    /// What the facts are grouped by: usually the actor's principal ARN.
    pub group: String,
    /// The rule's own label, e.g. `create`, `admin`, `key`, `terminate`.
    pub kind: String,
    pub time: Timestamp,
    pub event_id: String,
    pub event_name: String,
    /// What the event acted on (user name, instance id, IP, ...).
    pub target: String,
    /// How many things one event counts for (instances in one call).
    pub count: u32,
    pub actor: Actor,
    pub account: String,
    pub region: String,
    /// ARNs or ids for the finding's `resources`.
    pub resources: Vec<String>,
}

impl Fact {
    /// Prefix of the stand-in event id of a derived fact (one per actor and
    /// day, say): its identity repeats across events by design, so a repeat
    /// of it is never a redelivery.
    pub const DERIVED: &'static str = "derived:";

    /// True for a derived fact (see [`Fact::DERIVED`]).
    pub fn is_derived(&self) -> bool {
        self.event_id.starts_with(Self::DERIVED)
    }

    /// Identity of a fact: a redelivered event gives the same identity.
    pub fn identity(&self) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.rule, self.group, self.kind, self.target, self.event_id
        )
    }
}

/// A state store failure (network, throttling, ...).
#[derive(Debug, thiserror::Error)]
#[error("state store: {0}")]
pub struct StoreError(pub String);

/// Where correlation rules keep facts between records.
pub trait StateStore {
    /// Stores a fact. Returns false when a fact with the same identity is
    /// already stored (a redelivery or repeat): the caller then does nothing more.
    /// A repeat with an earlier time moves the stored fact to that time.
    fn put_fact(&mut self, fact: &Fact) -> Result<bool, StoreError>;
    /// The facts of `rule` and `group` with `from <= time <= to`, oldest first
    /// (ties by event id). The slice lives until the next call on the store
    /// (a remote store keeps the page it fetched).
    fn facts(
        &mut self,
        rule: &str,
        group: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<&[Fact], StoreError>;
    /// Claims a finding key: true when no claim on it is live at `at`; the new
    /// claim lives until `until`.
    fn claim(&mut self, key: &str, at: Timestamp, until: Timestamp) -> Result<bool, StoreError>;
}

/// In-memory store with pruning by event time. Each group is kept sorted by
/// (time, event id), so a time range is a slice: no copies per lookup.
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// rule id -> group key -> facts, sorted.
    groups: HashMap<String, HashMap<String, Vec<Fact>>>,
    seen: HashMap<String, Timestamp>,
    claims: HashMap<String, Timestamp>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Forgets each rule's facts older than its own cutoff (`cutoff(rule id)`),
    /// and claims that ended before the earliest cutoff `floor`.
    pub fn prune_each(&mut self, cutoff: impl Fn(&str) -> Timestamp, floor: Timestamp) {
        self.groups.retain(|rule, groups| {
            let before = cutoff(rule);
            groups.retain(|_, v| {
                v.retain(|f| f.time >= before);
                !v.is_empty()
            });
            !groups.is_empty()
        });
        self.seen.retain(|id, t| {
            let rule = id.split('\u{1f}').next().unwrap_or("");
            *t >= cutoff(rule)
        });
        self.claims.retain(|_, t| *t >= floor);
    }

    /// Number of facts held.
    pub fn len(&self) -> usize {
        self.groups
            .values()
            .flat_map(|g| g.values())
            .map(Vec::len)
            .sum()
    }

    /// True when no fact is held.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

fn order(f: &Fact) -> (Timestamp, &str) {
    (f.time, f.event_id.as_str())
}

impl StateStore for MemoryStore {
    fn put_fact(&mut self, fact: &Fact) -> Result<bool, StoreError> {
        let id = fact.identity();
        if let Some(t) = self.seen.get_mut(&id) {
            if fact.time < *t {
                *t = fact.time;
                let v = self
                    .groups
                    .get_mut(&fact.rule)
                    .and_then(|g| g.get_mut(&fact.group));
                if let Some(v) = v {
                    if let Some(f) = v.iter_mut().find(|f| f.identity() == id) {
                        f.time = fact.time;
                    }
                    v.sort_by(|a, b| order(a).cmp(&order(b)));
                }
            }
            return Ok(false);
        }
        self.seen.insert(id, fact.time);
        let v = self
            .groups
            .entry(fact.rule.clone())
            .or_default()
            .entry(fact.group.clone())
            .or_default();
        // Facts mostly arrive in time order: the insertion point is usually the end.
        let at = v.partition_point(|f| order(f) <= order(fact));
        v.insert(at, fact.clone());
        Ok(true)
    }

    fn facts(
        &mut self,
        rule: &str,
        group: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<&[Fact], StoreError> {
        let Some(v) = self.groups.get(rule).and_then(|g| g.get(group)) else {
            return Ok(&[]);
        };
        let a = v.partition_point(|f| f.time < from);
        let b = v.partition_point(|f| f.time <= to).max(a);
        Ok(&v[a..b])
    }

    fn claim(&mut self, key: &str, at: Timestamp, until: Timestamp) -> Result<bool, StoreError> {
        match self.claims.get(key) {
            Some(&u) if u >= at => Ok(false),
            _ => {
                self.claims.insert(key.to_owned(), until);
                Ok(true)
            }
        }
    }
}
