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
    /// The facts of `rule` and `group` with `from <= time <= to`, oldest first.
    fn facts(
        &mut self,
        rule: &str,
        group: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Fact>, StoreError>;
    /// Claims a finding key: true when no claim on it is live at `at`; the new
    /// claim lives until `until`.
    fn claim(&mut self, key: &str, at: Timestamp, until: Timestamp) -> Result<bool, StoreError>;
}

/// In-memory store with pruning by event time.
#[derive(Debug, Default)]
pub struct MemoryStore {
    groups: HashMap<(String, String), Vec<Fact>>,
    seen: HashMap<String, Timestamp>,
    claims: HashMap<String, Timestamp>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Forgets facts older than `before` and claims that ended before it.
    pub fn prune(&mut self, before: Timestamp) {
        self.groups.retain(|_, v| {
            v.retain(|f| f.time >= before);
            !v.is_empty()
        });
        self.seen.retain(|_, t| *t >= before);
        self.claims.retain(|_, t| *t >= before);
    }

    /// Number of facts held.
    pub fn len(&self) -> usize {
        self.groups.values().map(Vec::len).sum()
    }

    /// True when no fact is held.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

impl StateStore for MemoryStore {
    fn put_fact(&mut self, fact: &Fact) -> Result<bool, StoreError> {
        let id = fact.identity();
        let key = (fact.rule.clone(), fact.group.clone());
        if let Some(t) = self.seen.get_mut(&id) {
            if fact.time < *t {
                *t = fact.time;
                if let Some(v) = self.groups.get_mut(&key) {
                    if let Some(f) = v.iter_mut().find(|f| f.identity() == id) {
                        f.time = fact.time;
                    }
                }
            }
            return Ok(false);
        }
        self.seen.insert(id, fact.time);
        self.groups.entry(key).or_default().push(fact.clone());
        Ok(true)
    }

    fn facts(
        &mut self,
        rule: &str,
        group: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Fact>, StoreError> {
        let mut v: Vec<Fact> = self
            .groups
            .get(&(rule.to_owned(), group.to_owned()))
            .map(|v| {
                v.iter()
                    .filter(|f| f.time >= from && f.time <= to)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        v.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
        Ok(v)
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
