//! trailguard: an AWS account-takeover detector and guard.
//!
//! Layout of this crate (the `trailguard` binary in `main.rs` and `cli/` is a
//! thin layer over it):
//! - [`record`]: CloudTrail records (lenient, borrowed), actor normalisation,
//!   input formats (S3 log files, JSON Lines, EventBridge, gzip, directories).
//! - [`config`]: the TOML configuration, change windows, thresholds.
//! - [`rules`]: the rule library (event and correlation rules, metadata as data).
//! - [`engine`]: evaluation, policy, the correlation [`engine::StateStore`].
//! - [`finding`]: the Finding schema and its OCSF mapping.
//! - [`hunt`]: many sources in parallel, deterministic output.
//! - [`inventory`]: the account inventory model (`snapshot`) and its diff (`sweep`).
//! - [`posture`]: posture rules over an inventory (`scan`).
//! - [`aws`]: the only module that talks to AWS (SDK clients, inventory fetch,
//!   CloudTrail look-back, S3 objects); everything else is pure.
//!
//! The rule path is pure: `Engine::evaluate(record, time, store) -> findings`,
//! with no SDK, no async and no clock; time comes from the events.

pub mod audit;
pub mod aws;
pub mod config;
pub mod engine;
pub mod finding;
pub mod hunt;
pub mod inventory;
pub mod posture;
pub mod record;
pub mod rules;

pub use config::Config;
pub use engine::Engine;
pub use finding::{Finding, Response, Severity};
