//! The rule library: one module per rule, metadata as data, trait dispatch.
//!
//! - [`EventRule`]: looks at one record and may report findings.
//! - [`CorrelationRule`]: extracts [`Fact`]s from records (pure), and given a new
//!   fact plus the facts of its group within a window, may report a finding. The
//!   facts live in a [`crate::engine::StateStore`], so the same rule works in
//!   `hunt` (memory) and in the Lambda (DynamoDB), one event at a time, in any order.
//!
//! Areas: [`iam`], [`logging`], [`ec2`], [`signin`], [`secrets`], [`correlation`]. Each area's
//! `rules()` lists its rules; shared helpers: [`util`] (ARNs, request fields),
//! [`policy`] (IAM policy documents), `json` (lenient readers for EC2-style
//! request shapes); [`event_rules`], [`correlation_rules`] and
//! [`catalog`] list them all. A rule file holds its condition, its metadata and
//! the names of its fixtures under `fixtures/rules/<id>/`.

pub mod correlation;
pub mod ec2;
pub mod iam;
pub(crate) mod json;
pub mod logging;
pub mod policy;
pub mod secrets;
pub mod signin;
pub mod util;

use crate::config::Config;
use crate::engine::Fact;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Timestamp};
use serde::Serialize;

/// What kind of input a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// One CloudTrail record.
    Event,
    /// Several records by one actor or against one target, within a window.
    Correlation,
    /// The live account inventory (`scan`).
    Posture,
}

/// A rule's metadata, as data.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub mitre: &'static [&'static str],
    pub description: &'static str,
    pub remediation: &'static str,
    /// Default response: `alert` or `quarantine`.
    pub response: Response,
    pub kind: RuleKind,
    /// `eventName`s the rule reads; empty means every record.
    pub events: &'static [&'static str],
    /// The rule is about failed calls (others never see failed calls).
    pub about_failures: bool,
}

/// A rule over one record.
pub trait EventRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Pushes findings for `ev` onto `out`. Failed calls, AWS services acting on
    /// their own and trusted automation inside a change window never reach a rule
    /// unless its metadata says `about_failures`; the engine filters them.
    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>);
}

/// A rule over several records (see the module docs).
pub trait CorrelationRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Pure: the facts `ev` contributes (usually none).
    fn facts(&self, ev: &Event, cfg: &Config, out: &mut Vec<Fact>);
    /// How far around a new fact its group is looked at, in seconds.
    fn window(&self, cfg: &Config) -> i64;
    /// Pure: a finding, if the new fact completes the pattern within `group`
    /// (facts of the same rule and group within ±window, including `new`).
    fn check(&self, new: &Fact, group: &[Fact], cfg: &Config) -> Option<Correlated>;

    /// The part of the group that decides whether `new` can complete a pattern
    /// at all; the engine loads it first. Default: the whole ±window.
    fn trigger_range(&self, new: &Fact, cfg: &Config) -> (Timestamp, Timestamp) {
        let w = self.window(cfg);
        (new.time - w, new.time + w)
    }

    /// Pure: whether `check` can find anything, given the facts in
    /// [`CorrelationRule::trigger_range`]. When false the ±window group is never
    /// loaded, which keeps frequent, rarely-decisive facts (address history) cheap.
    fn triggered(&self, _new: &Fact, _near: &[Fact]) -> bool {
        true
    }
}

/// A correlation finding and the key that makes it fire once.
#[derive(Debug, Clone)]
pub struct Correlated {
    pub finding: Finding,
    /// Claimed in the state store; a live claim suppresses repeats.
    pub claim: String,
    /// Until when the claim holds (event time, seconds).
    pub until: i64,
}

/// Every built-in event rule.
pub fn event_rules() -> Vec<Box<dyn EventRule>> {
    let mut v = Vec::new();
    v.extend(iam::rules());
    v.extend(logging::rules());
    v.extend(ec2::rules());
    v.extend(signin::rules());
    v
}

/// Every built-in correlation rule.
pub fn correlation_rules() -> Vec<Box<dyn CorrelationRule>> {
    let mut v = correlation::rules();
    v.extend(secrets::correlation_rules());
    v.extend(ec2::correlation_rules());
    v
}

/// Metadata of every built-in rule, sorted by id.
pub fn catalog() -> Vec<&'static RuleMeta> {
    let mut v: Vec<&'static RuleMeta> = event_rules().iter().map(|r| r.meta()).collect();
    v.extend(correlation_rules().iter().map(|r| r.meta()));
    v.sort_by_key(|m| m.id);
    v
}

/// The whole shipped library: event and correlation rules ([`catalog`]) and
/// the posture rules of `scan` ([`crate::posture::catalog`]), sorted by id.
pub fn library() -> Vec<&'static RuleMeta> {
    let mut v = catalog();
    v.extend(crate::posture::catalog());
    v.sort_by_key(|m| m.id);
    v
}

/// Metadata of one rule of the [`library`].
pub fn find(id: &str) -> Option<&'static RuleMeta> {
    library().into_iter().find(|m| m.id == id)
}

#[cfg(test)]
mod tests;
