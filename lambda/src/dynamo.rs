//! DynamoDB behind the engine's [`StateStore`], the once-only claims and the
//! guard's [`JournalStore`]. One table: partition key `pk` (S), sort key `sk`
//! (S), TTL attribute `expires_at` (epoch seconds) on every item.
//!
//! Items:
//! - facts: `pk = fact#<rule>#<group>`, `sk = <time, 12 digits>#<event id>#<kind>#<target>`,
//!   `fact` (JSON); written with `attribute_not_exists(pk)` so a redelivered
//!   event's fact is not stored twice; an exact redelivery is still reported
//!   as new to the engine, whose claim then decides (so a finding whose
//!   invocation died before alerting is found again); expires at time + the
//!   rule's window + a day.
//! - claims: `pk = claim#<key>`, `sk = claim`, `until` (N), `lease` (N, while
//!   pending); a claim is taken when none exists, the existing one ended, or
//!   it is pending under a lease that is over (conditional put); settling
//!   rewrites it without `lease`.
//! - journal entries: `pk = journal#<target>`, `sk = <entry id>`, `entry` (JSON).
//! - activity: `pk = activity#<actor>`, `sk = <time, 12 digits>#<event id>`,
//!   `entry` (JSON timeline entry); kept a day for the alerts' timelines.
//!
//! The engine is synchronous: [`DynamoState`] runs each call to completion
//! with `block_in_place` on the multi-thread runtime (the Lambda's), and
//! fails (never panics) elsewhere.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use trailguard::engine::{Fact, StateStore, StoreError};
use trailguard::guard::journal::{Entry, JournalError, JournalStore};
use trailguard::record::Timestamp;

use crate::activity::{Activity, ACTIVITY_SECS, ACTIVITY_SHOWN};
use crate::backend::{Claim, Lease};
use trailguard::finding::TimelineEntry;

/// Extra life of every item past what it is needed for (clock skew, late events).
pub const TTL_SLACK: i64 = 24 * 3600;
/// Journal entries are kept a year.
pub const JOURNAL_TTL: i64 = 365 * 24 * 3600;

/// The table and its client.
#[derive(Debug, Clone)]
pub struct Table {
    pub client: Client,
    pub name: String,
    /// Each correlation rule's window (seconds), for the facts' TTL.
    pub windows: HashMap<String, i64>,
    /// Facts known to be stored (identity -> sort key; this container put
    /// them or was told they exist): a repeat costs no call. Bounded by [`SEEN_MAX`].
    pub seen: Arc<Mutex<HashMap<String, String>>>,
}

/// Fact identities remembered per container before the memory is reset.
pub const SEEN_MAX: usize = 100_000;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn err(op: &str, e: impl std::fmt::Display) -> String {
    format!("dynamodb:{op} failed: {e}")
}

/// A fact's sort key: time first, so a time range is a key range.
pub fn fact_sk(f: &Fact) -> String {
    format!(
        "{:012}#{}#{}#{}",
        f.time.max(0),
        f.event_id,
        f.kind,
        f.target
    )
}

impl Table {
    /// A table handle with no remembered facts.
    pub fn new(client: Client, name: String, windows: HashMap<String, i64>) -> Table {
        Table {
            client,
            name,
            windows,
            seen: Arc::default(),
        }
    }

    fn remember(&self, identity: String, sk: String) {
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() >= SEEN_MAX {
                seen.clear();
            }
            seen.insert(identity, sk);
        }
    }

    /// Stores a fact unless already stored. False on a repeat of its
    /// identity at another time or of a derived fact (e.g. a daily one); true
    /// when stored now or when this exact fact of an event was stored before
    /// (a redelivery: the claim decides).
    pub async fn put_fact(&self, f: &Fact) -> Result<bool, String> {
        let identity = f.identity();
        let sk = fact_sk(f);
        if let Some(known) = self
            .seen
            .lock()
            .ok()
            .and_then(|s| s.get(&identity).cloned())
        {
            return Ok(known == sk && !f.is_derived());
        }
        let json = serde_json::to_string(f).map_err(|e| err("PutItem", e))?;
        let window = self.windows.get(&f.rule).copied().unwrap_or(0);
        let r = self
            .client
            .put_item()
            .table_name(&self.name)
            .item("pk", s(format!("fact#{}#{}", f.rule, f.group)))
            .item("sk", s(sk.clone()))
            .item("fact", s(json))
            .item("expires_at", n(f.time + window + TTL_SLACK))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        let fresh = match r {
            Ok(_) => true,
            // The condition fails only on this very item: a redelivery.
            Err(e) if is_condition_failed(&e) => !f.is_derived(),
            Err(e) => {
                return Err(err(
                    "PutItem",
                    aws_sdk_dynamodb::error::DisplayErrorContext(e),
                ))
            }
        };
        self.remember(identity, sk);
        Ok(fresh)
    }

    /// The facts of a group in `[from, to]`, oldest first.
    pub async fn facts(
        &self,
        rule: &str,
        group: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Fact>, String> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.name)
                .key_condition_expression("pk = :pk AND sk BETWEEN :a AND :b")
                .expression_attribute_values(":pk", s(format!("fact#{rule}#{group}")))
                .expression_attribute_values(":a", s(format!("{:012}#", from.max(0))))
                .expression_attribute_values(":b", s(format!("{:012}$", to.max(0))))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| err("Query", aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
            for item in page.items() {
                if let Some(Ok(f)) = item
                    .get("fact")
                    .and_then(|v| v.as_s().ok())
                    .map(|j| serde_json::from_str::<Fact>(j))
                {
                    out.push(f);
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        out.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
        Ok(out)
    }

    /// Takes `key` when no live claim holds it at `at` (or only a pending one
    /// whose lease is over); the claim lives until `until`, pending until `lease.until`.
    pub async fn claim(
        &self,
        key: &str,
        at: Timestamp,
        until: Timestamp,
        lease: Lease,
    ) -> Result<bool, String> {
        let r = self
            .client
            .put_item()
            .table_name(&self.name)
            .item("pk", s(format!("claim#{key}")))
            .item("sk", s("claim"))
            .item("until", n(until))
            .item("lease", n(lease.until))
            .item("expires_at", n(until.max(lease.until) + TTL_SLACK))
            .condition_expression("attribute_not_exists(pk) OR #u < :at OR #l < :now")
            .expression_attribute_names("#u", "until")
            .expression_attribute_names("#l", "lease")
            .expression_attribute_values(":at", n(at))
            .expression_attribute_values(":now", n(lease.now))
            .send()
            .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(err(
                "PutItem",
                aws_sdk_dynamodb::error::DisplayErrorContext(e),
            )),
        }
    }

    /// Marks a claim done: it holds until its `until`, whatever happens.
    pub async fn settle(&self, c: &Claim) -> Result<(), String> {
        self.client
            .put_item()
            .table_name(&self.name)
            .item("pk", s(format!("claim#{}", c.key)))
            .item("sk", s("claim"))
            .item("until", n(c.until))
            .item("expires_at", n(c.until + TTL_SLACK))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err("PutItem", aws_sdk_dynamodb::error::DisplayErrorContext(e)))
    }

    /// Keeps one event of an actor's activity.
    pub async fn put_activity(&self, a: &Activity) -> Result<(), String> {
        let json = serde_json::to_string(&a.entry).map_err(|e| err("PutItem", e))?;
        let e = &a.entry;
        self.client
            .put_item()
            .table_name(&self.name)
            .item("pk", s(format!("activity#{}", a.actor)))
            .item("sk", s(format!("{:012}#{}", e.time.max(0), e.event_id)))
            .item("entry", s(json))
            .item("expires_at", n(e.time + ACTIVITY_SECS + TTL_SLACK))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err("PutItem", aws_sdk_dynamodb::error::DisplayErrorContext(e)))
    }

    /// The latest kept activity of `actor` in `[from, to]`, oldest first.
    pub async fn activity(
        &self,
        actor: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<TimelineEntry>, String> {
        let out = self
            .client
            .query()
            .table_name(&self.name)
            .key_condition_expression("pk = :pk AND sk BETWEEN :a AND :b")
            .expression_attribute_values(":pk", s(format!("activity#{actor}")))
            .expression_attribute_values(":a", s(format!("{:012}", from.max(0))))
            .expression_attribute_values(":b", s(format!("{:012}~", to.max(0))))
            .scan_index_forward(false)
            .limit(ACTIVITY_SHOWN as i32)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| err("Query", aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        let mut v: Vec<TimelineEntry> = out
            .items()
            .iter()
            .filter_map(|i| i.get("entry")?.as_s().ok())
            .filter_map(|j| serde_json::from_str(j).ok())
            .collect();
        v.reverse();
        Ok(v)
    }

    /// Drops a claim.
    pub async fn unclaim(&self, key: &str) -> Result<(), String> {
        self.client
            .delete_item()
            .table_name(&self.name)
            .key("pk", s(format!("claim#{key}")))
            .key("sk", s("claim"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                err(
                    "DeleteItem",
                    aws_sdk_dynamodb::error::DisplayErrorContext(e),
                )
            })
    }
}

fn is_condition_failed(
    e: &aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::put_item::PutItemError>,
) -> bool {
    e.as_service_error()
        .is_some_and(|s| s.is_conditional_check_failed_exception())
}

/// Runs a future to completion from synchronous code inside the runtime.
fn block_on<F: Future>(f: F) -> Result<F::Output, StoreError> {
    let h =
        tokio::runtime::Handle::try_current().map_err(|_| StoreError("no async runtime".into()))?;
    if h.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread {
        return Err(StoreError(
            "the DynamoDB store needs the multi-thread runtime".into(),
        ));
    }
    Ok(tokio::task::block_in_place(|| h.block_on(f)))
}

/// The engine's state store over a [`Table`] (one per document): the
/// correlation claims it takes are pending under `lease` and listed in `taken`.
pub struct DynamoState<'t> {
    pub table: &'t Table,
    page: Vec<Fact>,
    lease: Lease,
    pub taken: Vec<Claim>,
}

impl<'t> DynamoState<'t> {
    pub fn new(table: &'t Table, lease: Lease) -> DynamoState<'t> {
        DynamoState {
            table,
            page: Vec::new(),
            lease,
            taken: Vec::new(),
        }
    }
}

impl StateStore for DynamoState<'_> {
    fn put_fact(&mut self, fact: &Fact) -> Result<bool, StoreError> {
        block_on(self.table.put_fact(fact))?.map_err(StoreError)
    }

    fn facts(
        &mut self,
        rule: &str,
        group: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<&[Fact], StoreError> {
        self.page = block_on(self.table.facts(rule, group, from, to))?.map_err(StoreError)?;
        Ok(&self.page)
    }

    fn claim(&mut self, key: &str, at: Timestamp, until: Timestamp) -> Result<bool, StoreError> {
        let key = format!("corr#{key}");
        let ok = block_on(self.table.claim(&key, at, until, self.lease))?.map_err(StoreError)?;
        if ok {
            self.taken.push(Claim { key, until });
        }
        Ok(ok)
    }
}

/// The guard's journal in the same table.
impl JournalStore for Table {
    async fn load(&self, target: &str) -> Result<Option<Entry>, JournalError> {
        let out = self
            .client
            .query()
            .table_name(&self.name)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(format!("journal#{target}")))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                JournalError::Store(err(
                    "Query",
                    aws_sdk_dynamodb::error::DisplayErrorContext(e),
                ))
            })?;
        let Some(item) = out.items().first() else {
            return Ok(None);
        };
        let json = item
            .get("entry")
            .and_then(|v| v.as_s().ok())
            .ok_or_else(|| JournalError::Store("journal item without an entry".into()))?;
        serde_json::from_str(json)
            .map(Some)
            .map_err(|e| JournalError::Store(format!("journal entry: {e}")))
    }

    async fn save(&self, entry: &Entry) -> Result<(), JournalError> {
        let json = serde_json::to_string(entry).map_err(|e| JournalError::Store(e.to_string()))?;
        let now = crate::backend::now();
        self.client
            .put_item()
            .table_name(&self.name)
            .item("pk", s(format!("journal#{}", entry.target)))
            .item("sk", s(&entry.id))
            .item("entry", s(json))
            .item("expires_at", n(now + JOURNAL_TTL))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                JournalError::Store(err(
                    "PutItem",
                    aws_sdk_dynamodb::error::DisplayErrorContext(e),
                ))
            })
    }
}
