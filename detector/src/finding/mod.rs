//! Findings: what a rule reports, in the public JSON schema, plus the OCSF mapping.

pub mod ocsf;

use crate::record::{format_time, parse_time, Actor, ActorKind, Event, Timestamp};
use crate::rules::RuleMeta;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is; ordered from `Info` to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity {s:?} (use info, low, medium, high or critical)")
            })
    }
}

/// What the rule's policy calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    Alert,
    Quarantine,
}

impl Response {
    pub fn as_str(self) -> &'static str {
        match self {
            Response::Alert => "alert",
            Response::Quarantine => "quarantine",
        }
    }
}

/// One event in a finding's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    #[serde(with = "rfc3339")]
    pub time: Timestamp,
    pub event_name: String,
    pub event_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
}

/// A finding, as printed by `--format json` (one per line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    #[serde(with = "rfc3339")]
    pub time: Timestamp,
    pub account: String,
    pub region: String,
    pub actor: Actor,
    pub resources: Vec<String>,
    pub event_ids: Vec<String>,
    pub mitre: Vec<String>,
    pub summary: String,
    pub response: Response,
    /// The events behind the finding, oldest first (an extension of the contract).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
}

impl Finding {
    /// A finding about one event, with the rule's metadata filled in.
    pub fn for_event(
        meta: &RuleMeta,
        ev: &Event,
        resources: Vec<String>,
        summary: String,
    ) -> Finding {
        let r = ev.record;
        Finding {
            rule_id: meta.id.to_owned(),
            title: meta.title.to_owned(),
            severity: meta.severity,
            time: ev.time,
            account: r.account().to_owned(),
            region: r.region().to_owned(),
            actor: ev.actor().clone(),
            resources: resources.clone(),
            event_ids: if r.id().is_empty() {
                vec![]
            } else {
                vec![r.id().to_owned()]
            },
            mitre: meta.mitre.iter().map(|s| s.to_string()).collect(),
            summary,
            response: meta.response,
            timeline: vec![TimelineEntry {
                time: ev.time,
                event_name: r.name().to_owned(),
                event_id: r.id().to_owned(),
                target: resources
                    .first()
                    .map(|a| short_name(a).to_owned())
                    .unwrap_or_default(),
            }],
        }
    }

    /// Same finding at another severity.
    pub fn with_severity(mut self, s: Severity) -> Finding {
        self.severity = s;
        self
    }

    /// A stable identifier: the rule and the first event (or resource).
    pub fn uid(&self) -> String {
        let anchor = self
            .event_ids
            .first()
            .or(self.resources.first())
            .map(String::as_str)
            .unwrap_or("");
        format!("{}:{}", self.rule_id, anchor)
    }

    /// The actor's display key.
    pub fn actor_key(&self) -> String {
        self.actor.key()
    }

    /// Deterministic order: time, rule, first event id, resources.
    pub fn sort_key(&self) -> (Timestamp, &str, Option<&String>, &[String]) {
        (
            self.time,
            &self.rule_id,
            self.event_ids.first(),
            &self.resources,
        )
    }
}

/// The last path element of an ARN (`user/ops/alice` gives `alice`), or the whole string.
pub fn short_name(arn: &str) -> &str {
    let tail = arn.rsplit_once(':').map(|x| x.1).unwrap_or(arn);
    tail.rsplit('/').next().unwrap_or(tail)
}

/// An actor value for posture findings (no event behind them).
pub fn principal_actor(arn: &str, kind: ActorKind) -> Actor {
    Actor {
        arn: Some(arn.to_owned()),
        kind,
        session_arn: None,
        access_key_id: None,
        source_ip: None,
        user_agent: None,
        account: None,
        mfa: false,
        invoked_by: None,
        principal_id: None,
    }
}

/// `Timestamp` as `2026-11-12T03:12:44Z` in JSON.
pub mod rfc3339 {
    use super::*;
    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_time(*t))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        parse_time(&s).ok_or_else(|| serde::de::Error::custom(format!("bad time {s:?}")))
    }
}
