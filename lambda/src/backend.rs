//! What the handler needs from the outside world, as one trait: correlation
//! state, once-only claims, alerts, the guard's quarantine, S3 objects and
//! the posture scan. [`crate::aws_backend::AwsBackend`] is the real one
//! (DynamoDB, SNS, S3, IAM/EC2); [`MemoryBackend`] serves the in-process tests.
//!
//! Claims are leased: a claim is *pending* until the work it guards is done
//! and it is [settled](Backend::settle); a pending claim whose lease (the
//! invocation's deadline) has passed can be taken again, so an invocation
//! that crashed or timed out between claiming a finding and alerting it does
//! not lose the finding: the redelivery re-claims it.

use crate::activity::Activity;
use crate::trigger::{S3Object, SqsMessage};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use trailguard::engine::{Fact, MemoryStore, StateStore, StoreError};
use trailguard::finding::TimelineEntry;
use trailguard::record::Timestamp;
use trailguard::Finding;

/// Now, in Unix seconds (wall clock: leases only, never rule time).
pub fn now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as Timestamp)
}

/// How long a claim taken by this invocation stays pending at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// Wall-clock time the claim is taken at.
    pub now: Timestamp,
    /// After this, a pending claim can be taken again (the invocation's deadline).
    pub until: Timestamp,
}

/// Longest Lambda invocation (seconds): the lease when no deadline is known.
pub const MAX_INVOCATION_SECS: i64 = 900;

impl Lease {
    /// A lease ending at the invocation's deadline (milliseconds since the epoch).
    pub fn to_deadline_ms(deadline_ms: u64) -> Lease {
        let now = now();
        let until = i64::try_from(deadline_ms / 1000).unwrap_or(i64::MAX);
        Lease {
            now,
            until: until.clamp(now, now + MAX_INVOCATION_SECS) + 1,
        }
    }

    /// The longest lease, from now.
    pub fn longest() -> Lease {
        let now = now();
        Lease {
            now,
            until: now + MAX_INVOCATION_SECS,
        }
    }
}

/// A claim taken, to settle once its work is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The claim's full key (`corr#...` or `alert#...`).
    pub key: String,
    pub until: Timestamp,
}

/// A failed call to the outside world: the event is retried.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(pub String);

/// The handler's outside world. Futures are `Send` (the Lambda runtime needs it).
pub trait Backend: Send + Sync {
    /// Runs `f` with the correlation store (synchronous, for the engine);
    /// also returns the correlation claims it took (pending under `lease`).
    fn with_state<R>(
        &self,
        lease: Lease,
        f: impl FnOnce(&mut dyn StateStore) -> R,
    ) -> (R, Vec<Claim>);
    /// Claims `key` (pending under `lease`): false when a live claim holds it
    /// (settled, or pending under a lease not yet over: a redelivery).
    /// A claim that ended before `at` (event time) is free again.
    fn claim(
        &self,
        key: &str,
        at: Timestamp,
        until: Timestamp,
        lease: Lease,
    ) -> impl Future<Output = Result<bool, BackendError>> + Send;
    /// Marks claims done: they hold until their `until`, whatever the lease.
    fn settle(&self, claims: &[Claim]) -> impl Future<Output = Result<(), BackendError>> + Send;
    /// Drops a claim (the work it guarded failed and will be retried).
    fn unclaim(&self, key: &str) -> impl Future<Output = Result<(), BackendError>> + Send;
    /// Sends an alert.
    fn publish(
        &self,
        subject: &str,
        body: &str,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
    /// Quarantines `target` for `finding`: what was done, or why not.
    fn quarantine(
        &self,
        target: &str,
        finding: &Finding,
    ) -> impl Future<Output = Result<String, String>> + Send;
    /// Reads an S3 object (a CloudTrail log file).
    fn fetch(&self, obj: &S3Object) -> impl Future<Output = Result<Vec<u8>, BackendError>> + Send;
    /// Runs the posture scan.
    fn posture(&self) -> impl Future<Output = Result<Vec<Finding>, BackendError>> + Send;
    /// Keeps actors' write calls and sign-ins for the alerts' timelines.
    fn record_activity(
        &self,
        items: &[Activity],
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
    /// An actor's kept activity in `[from, to]`.
    fn recent_activity(
        &self,
        actor: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> impl Future<Output = Result<Vec<TimelineEntry>, BackendError>> + Send;
    /// Sends a message that failed on its last delivery to the dead-letter
    /// queue, its reason as message attributes.
    fn dead_letter(
        &self,
        msg: &SqsMessage,
        reason: &str,
    ) -> impl Future<Output = Result<(), BackendError>> + Send;
}

/// Everything in memory; records what the handler did.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    pub state: Mutex<MemoryStore>,
    /// Every claim: key -> (until, pending lease end or `None` when settled).
    pub claims: Mutex<ClaimBook>,
    /// Exact facts stored (identity -> time), to tell a redelivery.
    pub stored: Mutex<HashMap<String, Timestamp>>,
    /// (subject, body) per alert.
    pub published: Mutex<Vec<(String, String)>>,
    pub quarantined: Mutex<Vec<String>>,
    /// `start <target>` / `end <target>` per quarantine, in order.
    pub quarantine_log: Mutex<Vec<String>>,
    /// Each quarantine takes this long (concurrency tests).
    pub quarantine_delay: Mutex<Option<std::time::Duration>>,
    pub objects: Mutex<Vec<(S3Object, Vec<u8>)>>,
    pub posture_findings: Mutex<Vec<Finding>>,
    /// Subjects containing this fail to publish (error tests).
    pub fail_publish_containing: Mutex<Option<String>>,
    /// (message id, body, reason) per dead letter.
    pub dead_letters: Mutex<Vec<(String, String, String)>>,
    /// The DLQ refuses messages (error tests).
    pub fail_dead_letter: Mutex<bool>,
    /// Kept activity, as stored.
    pub activity: Mutex<Vec<Activity>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Claims by key: (until, lease end while pending).
pub type ClaimBook = HashMap<String, (Timestamp, Option<Timestamp>)>;

/// Takes `key` in `book` with DynamoDB's condition: absent, ended (`until <
/// at`) or pending under a lease that is over.
pub fn take_claim(
    book: &mut ClaimBook,
    key: &str,
    at: Timestamp,
    until: Timestamp,
    lease: Lease,
) -> bool {
    let free = match book.get(key) {
        None => true,
        Some(&(u, pending)) => u < at || pending.is_some_and(|l| l < lease.now),
    };
    if free {
        book.insert(key.to_owned(), (until, Some(lease.until)));
    }
    free
}

/// The memory backend's correlation store: facts in a [`MemoryStore`],
/// claims in the shared book, and (like the DynamoDB store) an exact
/// redelivery of a stored fact is reported as new so its claim decides.
struct LeasedMemory<'a> {
    facts: &'a mut MemoryStore,
    stored: &'a mut HashMap<String, Timestamp>,
    book: &'a mut ClaimBook,
    lease: Lease,
    taken: Vec<Claim>,
}

impl StateStore for LeasedMemory<'_> {
    fn put_fact(&mut self, fact: &Fact) -> Result<bool, StoreError> {
        let fresh = self.facts.put_fact(fact)?;
        let id = fact.identity();
        let redelivery = !fresh && !fact.is_derived() && self.stored.get(&id) == Some(&fact.time);
        if fresh {
            self.stored.insert(id, fact.time);
        }
        Ok(fresh || redelivery)
    }

    fn facts(
        &mut self,
        rule: &str,
        group: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<&[Fact], StoreError> {
        self.facts.facts(rule, group, from, to)
    }

    fn claim(&mut self, key: &str, at: Timestamp, until: Timestamp) -> Result<bool, StoreError> {
        let key = format!("corr#{key}");
        let ok = take_claim(self.book, &key, at, until, self.lease);
        if ok {
            self.taken.push(Claim { key, until });
        }
        Ok(ok)
    }
}

impl Backend for MemoryBackend {
    fn with_state<R>(
        &self,
        lease: Lease,
        f: impl FnOnce(&mut dyn StateStore) -> R,
    ) -> (R, Vec<Claim>) {
        let (mut facts, mut stored, mut book) =
            (lock(&self.state), lock(&self.stored), lock(&self.claims));
        let mut store = LeasedMemory {
            facts: &mut facts,
            stored: &mut stored,
            book: &mut book,
            lease,
            taken: Vec::new(),
        };
        let r = f(&mut store);
        (r, store.taken)
    }

    async fn claim(
        &self,
        key: &str,
        at: Timestamp,
        until: Timestamp,
        lease: Lease,
    ) -> Result<bool, BackendError> {
        Ok(take_claim(&mut lock(&self.claims), key, at, until, lease))
    }

    async fn settle(&self, claims: &[Claim]) -> Result<(), BackendError> {
        let mut book = lock(&self.claims);
        for c in claims {
            book.insert(c.key.clone(), (c.until, None));
        }
        Ok(())
    }

    async fn unclaim(&self, key: &str) -> Result<(), BackendError> {
        lock(&self.claims).remove(key);
        Ok(())
    }

    async fn publish(&self, subject: &str, body: &str) -> Result<(), BackendError> {
        if let Some(bad) = lock(&self.fail_publish_containing).as_deref() {
            if subject.contains(bad) {
                return Err(BackendError(format!("sns:Publish failed for {subject:?}")));
            }
        }
        lock(&self.published).push((subject.to_owned(), body.to_owned()));
        Ok(())
    }

    async fn quarantine(&self, target: &str, _finding: &Finding) -> Result<String, String> {
        lock(&self.quarantine_log).push(format!("start {target}"));
        let delay = *lock(&self.quarantine_delay);
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        lock(&self.quarantine_log).push(format!("end {target}"));
        lock(&self.quarantined).push(target.to_owned());
        Ok(format!("{target} quarantined"))
    }

    async fn fetch(&self, obj: &S3Object) -> Result<Vec<u8>, BackendError> {
        lock(&self.objects)
            .iter()
            .find(|(o, _)| o == obj)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| BackendError(format!("s3://{}/{}: NoSuchKey", obj.bucket, obj.key)))
    }

    async fn posture(&self) -> Result<Vec<Finding>, BackendError> {
        Ok(lock(&self.posture_findings).clone())
    }

    async fn record_activity(&self, items: &[Activity]) -> Result<(), BackendError> {
        let mut kept = lock(&self.activity);
        for a in items {
            if !kept.contains(a) {
                kept.push(a.clone());
            }
        }
        Ok(())
    }

    async fn recent_activity(
        &self,
        actor: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<TimelineEntry>, BackendError> {
        Ok(lock(&self.activity)
            .iter()
            .filter(|a| a.actor == actor && a.entry.time >= from && a.entry.time <= to)
            .map(|a| a.entry.clone())
            .collect())
    }

    async fn dead_letter(&self, msg: &SqsMessage, reason: &str) -> Result<(), BackendError> {
        if *lock(&self.fail_dead_letter) {
            return Err(BackendError("sqs:SendMessage to the DLQ failed".into()));
        }
        lock(&self.dead_letters).push((msg.id.clone(), msg.body.clone(), reason.to_owned()));
        Ok(())
    }
}
