//! One quarantine per target at a time, across concurrent invocations.
//!
//! The guard reads a target's state and its journal before it acts, and
//! journals that state as the state a release restores. Two findings about
//! the same actor handled at once (say `iam-admin-granted` and
//! `corr-backdoor-admin` from two SQS batches) would otherwise quarantine it
//! twice at the same moment, the second run journalling the first's
//! half-done quarantine as the state to restore. A lock claim
//! (`lock#quarantine#<target>`, pending under the invocation's lease, lapsing
//! after [`LOCK_SECS`] in any case) serialises them: the second waits, then
//! finds the quarantine in effect and has nothing to do.

use crate::backend::{self, Backend, Lease};
use std::time::Duration;
use trailguard::Finding;

/// A lock lapses this long after it was taken, even if its holder never
/// dropped it (an invocation killed mid-quarantine).
pub const LOCK_SECS: i64 = 120;

/// How long a second quarantine of the same target waits for the first.
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

const POLL: Duration = Duration::from_millis(100);

/// The lock's claim key for `target`.
pub fn lock_key(target: &str) -> String {
    format!("lock#quarantine#{target}")
}

/// Time kept back from the invocation's deadline when waiting for a lock:
/// the quarantine and the alert still need it.
const DEADLINE_MARGIN: i64 = 15;

/// Quarantines `target` under its lock. `lease` is the invocation's: the
/// lock is pending under it. When another invocation keeps the lock past
/// [`LOCK_WAIT`] (or until [`DEADLINE_MARGIN`] before this invocation's
/// deadline), the target is left to it (that invocation's alert says how its
/// quarantine went). When the lock cannot be read at all, the quarantine
/// goes ahead unlocked: stopping an attacker matters more than a tidy journal.
pub async fn quarantine<B: Backend>(
    backend: &B,
    target: &str,
    f: &Finding,
    lease: Lease,
) -> Result<String, String> {
    let left = lease.until - backend::now() - DEADLINE_MARGIN;
    let wait = LOCK_WAIT.min(Duration::from_secs(u64::try_from(left).unwrap_or(0)));
    quarantine_waiting(backend, target, f, lease, wait).await
}

/// [`quarantine`], waiting at most `wait` for the lock.
pub async fn quarantine_waiting<B: Backend>(
    backend: &B,
    target: &str,
    f: &Finding,
    lease: Lease,
    wait: Duration,
) -> Result<String, String> {
    let key = lock_key(target);
    let started = tokio::time::Instant::now();
    let locked = loop {
        let now = backend::now();
        let held = Lease {
            now,
            until: lease.until.max(now + 1),
        };
        match backend.claim(&key, now, now + LOCK_SECS, held).await {
            Ok(true) => break true,
            Ok(false) if started.elapsed() < wait => tokio::time::sleep(POLL).await,
            Ok(false) => {
                tracing::warn!(target = %target, "another invocation is still quarantining the target");
                return Ok(format!(
                    "{target}: left to the invocation already quarantining it (waited {} s)",
                    wait.as_secs()
                ));
            }
            Err(e) => {
                tracing::warn!(target = %target, reason = %e, "quarantine lock unavailable: going ahead without it");
                break false;
            }
        }
    };
    let out = backend.quarantine(target, f).await;
    if locked {
        if let Err(e) = backend.unclaim(&key).await {
            tracing::warn!(target = %target, reason = %e, "could not drop the quarantine lock (it lapses)");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::MemoryBackend;

    fn finding() -> Finding {
        serde_json::from_value(serde_json::json!({
            "rule_id": "corr-backdoor-admin", "title": "Backdoor admin", "severity": "critical",
            "time": "2026-11-20T10:00:00Z", "account": "111122223333", "region": "us-east-1",
            "actor": {"arn": "arn:aws:iam::111122223333:user/mallory", "type": "IAMUser"},
            "resources": [], "event_ids": ["e1"], "mitre": [], "summary": "s", "response": "quarantine"
        }))
        .expect("finding")
    }

    fn slow_backend() -> MemoryBackend {
        let b = MemoryBackend::default();
        *b.quarantine_delay.lock().unwrap() = Some(Duration::from_millis(300));
        b
    }

    const MALLORY: &str = "arn:aws:iam::111122223333:user/mallory";
    const EVE: &str = "arn:aws:iam::111122223333:user/eve";

    #[tokio::test]
    async fn two_quarantines_of_one_target_run_one_after_the_other() {
        let (b, f) = (slow_backend(), finding());
        let (x, y) = tokio::join!(
            quarantine(&b, MALLORY, &f, Lease::longest()),
            quarantine(&b, MALLORY, &f, Lease::longest())
        );
        assert!(x.is_ok() && y.is_ok(), "{x:?} {y:?}");
        let log = b.quarantine_log.lock().unwrap().clone();
        let start = format!("start {MALLORY}");
        let end = format!("end {MALLORY}");
        assert_eq!(
            log,
            [&start, &end, &start, &end].map(|s| s.as_str()),
            "interleaved: {log:?}"
        );
        assert!(b.claims.lock().unwrap().is_empty(), "lock left behind");
    }

    #[tokio::test]
    async fn different_targets_do_not_wait_for_each_other() {
        let (b, f) = (slow_backend(), finding());
        let _ = tokio::join!(
            quarantine(&b, MALLORY, &f, Lease::longest()),
            quarantine(&b, EVE, &f, Lease::longest())
        );
        let log = b.quarantine_log.lock().unwrap().clone();
        assert!(
            log[0].starts_with("start") && log[1].starts_with("start"),
            "{log:?}"
        );
    }

    /// Another invocation, ten minutes from its deadline, holds `target`'s lock.
    async fn held_by_another_invocation(b: &MemoryBackend, target: &str) -> i64 {
        let now = backend::now();
        let holder = Lease {
            now,
            until: now + 600,
        };
        let key = lock_key(target);
        assert!(b.claim(&key, now, now + LOCK_SECS, holder).await.unwrap());
        now
    }

    #[tokio::test]
    async fn a_lock_held_too_long_leaves_the_target_to_its_holder() {
        let (b, f) = (MemoryBackend::default(), finding());
        held_by_another_invocation(&b, MALLORY).await;
        let out = quarantine_waiting(
            &b,
            MALLORY,
            &f,
            Lease::longest(),
            Duration::from_millis(300),
        )
        .await
        .unwrap();
        assert!(
            out.contains("left to the invocation already quarantining it"),
            "{out}"
        );
        assert!(b.quarantined.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn no_waiting_for_a_lock_past_the_invocations_deadline() {
        let (b, f) = (MemoryBackend::default(), finding());
        let now = held_by_another_invocation(&b, MALLORY).await;
        let ending = Lease {
            now,
            until: now + 5,
        };
        let started = std::time::Instant::now();
        let out = quarantine(&b, MALLORY, &f, ending).await.unwrap();
        assert!(out.contains("(waited 0 s)"), "{out}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_lock_whose_holder_died_is_taken_over() {
        let (b, f) = (MemoryBackend::default(), finding());
        let now = backend::now();
        // Taken by an invocation whose deadline passed without dropping it.
        let dead = Lease {
            now: now - 1000,
            until: now - 100,
        };
        assert!(b
            .claim(&lock_key(MALLORY), now - 1000, now + LOCK_SECS, dead)
            .await
            .unwrap());
        let out = quarantine_waiting(&b, MALLORY, &f, Lease::longest(), Duration::ZERO).await;
        assert_eq!(
            out.as_deref(),
            Ok(format!("{MALLORY} quarantined").as_str())
        );
        assert_eq!(b.quarantined.lock().unwrap().clone(), [MALLORY]);
    }
}
