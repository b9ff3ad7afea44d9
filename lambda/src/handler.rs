//! The handler, built once per cold start: the engine, the mode and the
//! backend. Every invocation shape ends in [`Handler::document`] (records to
//! findings) and [`Handler::act`] (one finding: claim, quarantine, alert).
//! A failure on one event or message never stops the others: SQS messages
//! that failed are reported in `batchItemFailures` (SQS retries them); on its
//! last delivery a failing message is sent to the dead-letter queue with the
//! reason as message attributes (else SQS's redrive moves it there without
//! one); other shapes return an error after doing the rest.

use crate::activity::{self, Activity};
use crate::alert::{self, Action};
use crate::backend::{Backend, BackendError, Claim, Lease};
use crate::settings::Mode;
use crate::target_lock;
use crate::trigger::{self, S3Object, Trigger};
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};
use trailguard::finding::{Response, TimelineEntry};
use trailguard::record::input::read_bytes;
use trailguard::{Engine, Finding};

/// Alert claims live this long after the finding's time (seconds): a
/// redelivery inside it never alerts twice, and a posture problem that stands
/// is alerted again after it.
pub const ALERT_CLAIM_SECS: i64 = 14 * 24 * 3600;

/// Why an invocation (or one SQS message) failed; the reason is logged and
/// ends in the DLQ with the message.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error("{0}")]
    Backend(#[from] BackendError),
    #[error("state store: {0}")]
    Store(String),
    #[error("{0}")]
    Bad(String),
    #[error("{} of {} item(s) failed: {}", .failed, .total, .first)]
    Partial {
        failed: usize,
        total: usize,
        first: String,
    },
}

/// What one invocation did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub records: usize,
    pub findings: usize,
    pub alerts: usize,
    pub quarantines: usize,
    /// Findings already alerted (redeliveries).
    pub repeats: usize,
    /// Records the reader could not parse.
    pub issues: Vec<String>,
}

impl Report {
    fn add(&mut self, o: Report) {
        self.records += o.records;
        self.findings += o.findings;
        self.alerts += o.alerts;
        self.quarantines += o.quarantines;
        self.repeats += o.repeats;
        self.issues.extend(o.issues);
    }
}

pub struct Handler<B> {
    pub engine: Engine,
    pub mode: Mode,
    pub backend: B,
    /// The source queue's `maxReceiveCount` when the backend has a DLQ.
    pub max_receive: Option<u32>,
}

impl<B: Backend> Handler<B> {
    pub fn new(engine: Engine, mode: Mode, backend: B) -> Handler<B> {
        Handler {
            engine,
            mode,
            backend,
            max_receive: None,
        }
    }

    /// A message failing on delivery `max_receive` goes to the backend's DLQ
    /// with its reason.
    pub fn with_dead_letters(mut self, max_receive: u32) -> Handler<B> {
        self.max_receive = Some(max_receive);
        self
    }

    /// One Lambda invocation (the runtime's entry point).
    pub async fn invoke(&self, ev: LambdaEvent<Value>) -> Result<Value, HandlerError> {
        let started = std::time::Instant::now();
        let lease = Lease::to_deadline_ms(ev.context.deadline);
        let out = self.handle_leased(&ev.payload, lease).await;
        let handle_ms = started.elapsed().as_secs_f64() * 1000.0;
        let id = &ev.context.request_id;
        match &out {
            Ok(_) => tracing::info!(request_id = %id, handle_ms, "invocation done"),
            Err(e) => {
                tracing::error!(request_id = %id, handle_ms, reason = %e, "invocation failed")
            }
        }
        out
    }

    /// One invocation: returns the response JSON (SQS: `batchItemFailures`).
    /// Claims it takes are leased for the longest invocation.
    pub async fn handle(&self, payload: &Value) -> Result<Value, HandlerError> {
        self.handle_leased(payload, Lease::longest()).await
    }

    /// One invocation whose claims stay pending at most until `lease.until`.
    pub async fn handle_leased(
        &self,
        payload: &Value,
        lease: Lease,
    ) -> Result<Value, HandlerError> {
        match trigger::classify(payload) {
            Trigger::CloudTrail => {
                let bytes =
                    serde_json::to_vec(payload).map_err(|e| HandlerError::Bad(e.to_string()))?;
                let r = self.document("event", &bytes, lease).await?;
                Ok(json!(r))
            }
            Trigger::Sqs(messages) => Ok(self.sqs(&messages, lease).await),
            Trigger::S3(objects) => Ok(json!(self.s3(&objects, lease).await?)),
            Trigger::Scheduled => Ok(json!(self.posture(lease).await?)),
            Trigger::Unknown(what) => {
                tracing::warn!(what = %what, "ignored an invocation of unknown shape");
                Ok(json!({"ignored": what}))
            }
        }
    }

    /// An SQS batch: each message on its own; the failed ones are reported,
    /// except those handed to the DLQ on their last delivery.
    async fn sqs(&self, messages: &[trigger::SqsMessage], lease: Lease) -> Value {
        let mut failures = Vec::new();
        let mut total = Report::default();
        let mut dead = 0;
        for m in messages {
            match self.message(&m.body, lease).await {
                Ok(r) => total.add(r),
                Err(e) => {
                    let reason = e.to_string();
                    // A message that can never be read goes at once.
                    let hopeless = matches!(e, HandlerError::Bad(_)) && self.max_receive.is_some();
                    if (hopeless || self.last_delivery(m)) && self.dead_letter(m, &reason).await {
                        dead += 1;
                        continue;
                    }
                    tracing::error!(message_id = %m.id, receive_count = m.receive_count, reason = %reason, "SQS message failed; SQS delivers it again");
                    failures.push(json!({"itemIdentifier": m.id}));
                }
            }
        }
        tracing::info!(
            messages = messages.len(),
            failed = failures.len(),
            dead_lettered = dead,
            findings = total.findings,
            alerts = total.alerts,
            "SQS batch done"
        );
        json!({"batchItemFailures": failures})
    }

    fn last_delivery(&self, m: &trigger::SqsMessage) -> bool {
        self.max_receive.is_some_and(|max| m.receive_count >= max)
    }

    /// Hands a message to the DLQ with its reason: true when it is there (the
    /// batch then reports it done, so SQS deletes it from the source queue).
    async fn dead_letter(&self, m: &trigger::SqsMessage, reason: &str) -> bool {
        match self.backend.dead_letter(m, reason).await {
            Ok(()) => {
                tracing::error!(message_id = %m.id, receive_count = m.receive_count, reason = %reason, "SQS message failed for good (its last delivery, or unreadable); sent to the DLQ with the reason");
                true
            }
            Err(e) => {
                tracing::error!(message_id = %m.id, reason = %reason, dlq_error = %e, "could not send the failed message to the DLQ; SQS's redrive moves it there");
                false
            }
        }
    }

    /// One SQS body: an EventBridge event, or an S3 notification.
    async fn message(&self, body: &str, lease: Lease) -> Result<Report, HandlerError> {
        let v: Value = serde_json::from_str(body)
            .map_err(|e| HandlerError::Bad(format!("message body is not JSON: {e}")))?;
        match trigger::classify(&v) {
            Trigger::CloudTrail => self.document("message", body.as_bytes(), lease).await,
            Trigger::S3(objects) => self.s3(&objects, lease).await,
            Trigger::Scheduled => self.posture(lease).await,
            Trigger::Sqs(_) | Trigger::Unknown(_) => Err(HandlerError::Bad(
                "message body is not a CloudTrail event or S3 notification".into(),
            )),
        }
    }

    /// S3 notifications: reads and evaluates every log file, then reports the failures.
    async fn s3(&self, objects: &[S3Object], lease: Lease) -> Result<Report, HandlerError> {
        let mut total = Report::default();
        let mut errors = Vec::new();
        for o in objects {
            let r = match self.backend.fetch(o).await {
                Ok(bytes) => self.document(&o.key, &bytes, lease).await,
                Err(e) => Err(e.into()),
            };
            match r {
                Ok(r) => total.add(r),
                Err(e) => {
                    tracing::error!(bucket = %o.bucket, key = %o.key, reason = %e, "log file failed");
                    errors.push(e.to_string());
                }
            }
        }
        partial(total, errors, objects.len())
    }

    /// The scheduled posture scan: one alert per finding, repeated while the
    /// problem stands once its claim ([`ALERT_CLAIM_SECS`]) has ended.
    async fn posture(&self, lease: Lease) -> Result<Report, HandlerError> {
        let findings = self.backend.posture().await?;
        let mut r = Report::default();
        let mut errors = Vec::new();
        let n = findings.len();
        for f in findings {
            r.findings += 1;
            if let Err(e) = self.act(&f, &mut r, lease, &[]).await {
                errors.push(e.to_string());
            }
        }
        partial(r, errors, n)
    }

    /// Evaluates every record of a document, then acts on the findings. A
    /// store failure on one record does not stop the others. The correlation
    /// claims taken are settled once every finding is acted on; after a
    /// failure they stay pending, so the retry finds the findings again.
    pub async fn document(
        &self,
        name: &str,
        bytes: &[u8],
        lease: Lease,
    ) -> Result<Report, HandlerError> {
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        let mut records = 0;
        let mut acts = Vec::new();
        let (rep, taken) = self.backend.with_state(lease, |store| {
            read_bytes(name, bytes, &mut |rec, t, _| {
                records += 1;
                acts.extend(activity::of_record(rec, t));
                match self.engine.evaluate(rec, t, store) {
                    Ok(f) => findings.extend(f),
                    Err(e) => errors.push(format!("event {}: {e}", rec.id())),
                }
            })
        });
        let issues = rep.issue_lines();
        for i in &issues {
            tracing::warn!(source = name, issue = %i, "unreadable input");
        }
        if records == 0 && !issues.is_empty() {
            return Err(HandlerError::Bad(format!(
                "{name}: no readable CloudTrail record: {}",
                issues[0]
            )));
        }
        let mut r = Report {
            records,
            findings: findings.len(),
            issues,
            ..Report::default()
        };
        self.keep_activity(name, &acts).await;
        let before = errors.len();
        for f in &findings {
            if let Err(e) = self.act(f, &mut r, lease, &acts).await {
                errors.push(e.to_string());
            }
        }
        if errors.len() == before {
            self.settle(&taken).await;
        }
        tracing::info!(
            source = name,
            records,
            findings = r.findings,
            alerts = r.alerts,
            "evaluated"
        );
        partial(r, errors, records.max(1))
    }

    /// Keeps the document's activity for later alerts (best effort: a
    /// failure only costs those alerts some context).
    async fn keep_activity(&self, name: &str, acts: &[Activity]) {
        let keep = &acts[..acts.len().min(activity::STORE_MAX)];
        if let Err(e) = self.backend.record_activity(keep).await {
            tracing::warn!(source = name, reason = %e, "could not keep the activity");
        }
    }

    /// The finding's actor's activity around it: kept and in this document.
    async fn recent(&self, f: &Finding, acts: &[Activity]) -> Vec<TimelineEntry> {
        let actor = f.actor.key();
        let (from, to) = activity::window(f.time);
        let stored = match self.backend.recent_activity(&actor, from, to).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(actor = %actor, reason = %e, "could not read the actor's activity");
                Vec::new()
            }
        };
        activity::around(&actor, f.time, acts, stored)
    }

    /// Settles claims whose work is done; a failure only logs (the claims
    /// then lapse with their lease, and the alert claims still dedupe).
    async fn settle(&self, claims: &[Claim]) {
        if claims.is_empty() {
            return;
        }
        if let Err(e) = self.backend.settle(claims).await {
            tracing::warn!(reason = %e, claims = claims.len(), "could not settle claims");
        }
    }

    /// One finding: claimed once (a redelivery stops here), quarantined in
    /// guard mode when its response says so, then alerted. A failed alert
    /// drops the claim so the retry alerts.
    async fn act(
        &self,
        f: &Finding,
        r: &mut Report,
        lease: Lease,
        acts: &[Activity],
    ) -> Result<(), HandlerError> {
        let key = format!("alert#{}", f.uid());
        let until = f.time + ALERT_CLAIM_SECS;
        if !self.backend.claim(&key, f.time, until, lease).await? {
            r.repeats += 1;
            tracing::info!(finding = %f.uid(), "already alerted (redelivery)");
            return Ok(());
        }
        let action = self.respond(f, lease).await;
        if matches!(action, Action::Quarantined(_)) {
            r.quarantines += 1;
        }
        let subject = alert::subject(f);
        let sent = self
            .backend
            .publish(
                &subject,
                &alert::body(f, &action, &self.recent(f, acts).await),
            )
            .await;
        if let Err(e) = sent {
            if let Err(u) = self.backend.unclaim(&key).await {
                tracing::error!(finding = %f.uid(), reason = %u, "could not drop the alert claim");
            }
            tracing::error!(finding = %f.uid(), reason = %e, finding_json = %serde_json::to_string(f).unwrap_or_default(), "alert failed");
            return Err(e.into());
        }
        r.alerts += 1;
        self.settle(&[Claim { key, until }]).await;
        tracing::warn!(finding = %f.uid(), rule = %f.rule_id, severity = f.severity.as_str(), action = ?action, "alert sent");
        Ok(())
    }

    /// Guard mode and a `quarantine` response: quarantines the actor (and,
    /// for a backdoor, the principal it made), one invocation per target at
    /// a time.
    async fn respond(&self, f: &Finding, lease: Lease) -> Action {
        if self.mode != Mode::Guard || f.response != Response::Quarantine {
            return Action::AlertOnly;
        }
        let targets = quarantine_targets(f);
        if targets.is_empty() {
            return Action::QuarantineFailed(
                "the actor has no ARN or access key to quarantine".into(),
            );
        }
        let (mut done, mut failed) = (Vec::new(), Vec::new());
        for t in &targets {
            match target_lock::quarantine(&self.backend, t, f, lease).await {
                Ok(s) => done.push(s),
                Err(e) => {
                    tracing::error!(target = %t, reason = %e, "quarantine failed");
                    failed.push(format!("{t}: {e}"));
                }
            }
        }
        if failed.is_empty() {
            Action::Quarantined(done.join("; "))
        } else {
            Action::QuarantineFailed(
                failed
                    .into_iter()
                    .chain(done)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        }
    }
}

/// Rules whose resources are principals the attacker made: quarantined too.
const QUARANTINE_RESOURCES_OF: [&str; 1] = ["corr-backdoor-admin"];

/// What to quarantine: the actor's IAM principal (else its key), and for a
/// backdoor the IAM users and roles it created.
pub fn quarantine_targets(f: &Finding) -> Vec<String> {
    let actor = f
        .actor
        .arn
        .clone()
        .filter(|a| !a.ends_with(":root"))
        .or_else(|| f.actor.access_key_id.clone());
    let mut out: Vec<String> = actor.into_iter().collect();
    if QUARANTINE_RESOURCES_OF.contains(&f.rule_id.as_str()) {
        for r in &f.resources {
            let principal =
                r.starts_with("arn:aws:iam::") && (r.contains(":user/") || r.contains(":role/"));
            if principal && !out.contains(r) {
                out.push(r.clone());
            }
        }
    }
    out
}

fn partial(r: Report, errors: Vec<String>, total: usize) -> Result<Report, HandlerError> {
    match errors.first() {
        None => Ok(r),
        Some(first) => Err(HandlerError::Partial {
            failed: errors.len(),
            total,
            first: first.clone(),
        }),
    }
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
