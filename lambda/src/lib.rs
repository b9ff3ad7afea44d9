//! trailguard's Lambda: real-time detection (and, in guard mode, quarantine)
//! on CloudTrail events from EventBridge, SQS and S3, plus the scheduled
//! posture scan. The same engine as the CLI; DynamoDB keeps correlation state
//! across invocations; SNS carries the alerts.
//!
//! Layout: [`settings`] (the environment contract), [`trigger`] (payload
//! shapes), [`handler`] (the per-invocation logic over a [`backend::Backend`]),
//! [`alert`] (SNS subject and body), [`activity`] (actors' recent events), [`dynamo`] (state, claims, journal),
//! [`target_lock`] (one quarantine per target at a time),
//! [`aws_backend`] (the real clients), [`payload`] (one-off evaluation).

pub mod activity;
pub mod alert;
pub mod aws_backend;
pub mod backend;
pub mod dynamo;
pub mod handler;
pub mod payload;
pub mod settings;
pub mod target_lock;
pub mod trigger;

pub use handler::{Handler, HandlerError, Report};
pub use payload::evaluate_payload;
