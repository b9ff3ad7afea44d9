//! What the handler needs from the outside world, as one trait: correlation
//! state, once-only claims, alerts, the guard's quarantine, S3 objects and
//! the posture scan. [`crate::aws_backend::AwsBackend`] is the real one
//! (DynamoDB, SNS, S3, IAM/EC2); [`MemoryBackend`] serves the in-process tests.

use crate::trigger::{S3Object, SqsMessage};
use std::future::Future;
use std::sync::Mutex;
use trailguard::engine::{MemoryStore, StateStore};
use trailguard::record::Timestamp;
use trailguard::Finding;

/// A failed call to the outside world: the event is retried.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(pub String);

/// The handler's outside world. Futures are `Send` (the Lambda runtime needs it).
pub trait Backend: Send + Sync {
    /// Runs `f` with the correlation store (synchronous, for the engine).
    fn with_state<R>(&self, f: impl FnOnce(&mut dyn StateStore) -> R) -> R;
    /// Claims `key` once: false when it is already claimed (a redelivery).
    fn claim(
        &self,
        key: &str,
        until: Timestamp,
    ) -> impl Future<Output = Result<bool, BackendError>> + Send;
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
    pub claims: Mutex<Vec<String>>,
    /// (subject, body) per alert.
    pub published: Mutex<Vec<(String, String)>>,
    pub quarantined: Mutex<Vec<String>>,
    pub objects: Mutex<Vec<(S3Object, Vec<u8>)>>,
    pub posture_findings: Mutex<Vec<Finding>>,
    /// Subjects containing this fail to publish (error tests).
    pub fail_publish_containing: Mutex<Option<String>>,
    /// (message id, body, reason) per dead letter.
    pub dead_letters: Mutex<Vec<(String, String, String)>>,
    /// The DLQ refuses messages (error tests).
    pub fail_dead_letter: Mutex<bool>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Backend for MemoryBackend {
    fn with_state<R>(&self, f: impl FnOnce(&mut dyn StateStore) -> R) -> R {
        f(&mut *lock(&self.state))
    }

    async fn claim(&self, key: &str, _until: Timestamp) -> Result<bool, BackendError> {
        let mut c = lock(&self.claims);
        if c.iter().any(|k| k == key) {
            return Ok(false);
        }
        c.push(key.to_owned());
        Ok(true)
    }

    async fn unclaim(&self, key: &str) -> Result<(), BackendError> {
        lock(&self.claims).retain(|k| k != key);
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

    async fn dead_letter(&self, msg: &SqsMessage, reason: &str) -> Result<(), BackendError> {
        if *lock(&self.fail_dead_letter) {
            return Err(BackendError("sqs:SendMessage to the DLQ failed".into()));
        }
        lock(&self.dead_letters).push((msg.id.clone(), msg.body.clone(), reason.to_owned()));
        Ok(())
    }
}
