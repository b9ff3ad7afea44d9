//! CloudTrail look-back: the management events of the last days from
//! `LookupEvents` (the 90-day event history every account has, trail or not),
//! as raw CloudTrail records for the event and correlation rules.
//!
//! [`lookup`] pages through each region with the SDK paginator, one call in
//! flight per region (the API allows 2 calls/s per region; the adaptive retry
//! configuration of [`Aws`] absorbs throttling), all regions at once, and
//! keeps each event once (by `eventID`: global-service events show up in
//! several regions). A region that fails becomes a [`Gap`]; the pages it gave
//! before failing are kept. [`evaluate`] runs the records through the same
//! path as `hunt`, so correlation rules see them in time order.

use super::{opt_secs, Aws, AwsError, Gap};
use crate::engine::Engine;
use crate::hunt::{self, Outcome};
use crate::record::input::{Source, SourceKind};
use crate::record::{format_time, parse_time, Timestamp};
use aws_sdk_cloudtrail::Client;
use aws_smithy_types::DateTime;
use std::borrow::Cow;
use std::collections::HashSet;

/// Events per `LookupEvents` page (the API's maximum).
pub const PAGE_SIZE: i32 = 50;
/// Records per in-memory source handed to the hunt loop (sources are scanned
/// in parallel).
const RECORDS_PER_SOURCE: usize = 5_000;

/// One region's events: `(eventID, record JSON)` in the order received.
type RegionEvents = (Vec<(Option<String>, String)>, Option<Gap>);

/// The CloudTrail records (the `CloudTrailEvent` JSON of each event) of
/// `regions` between `start` and `end` (Unix seconds), each event once, and a
/// gap per region that failed.
pub async fn lookup(
    aws: &Aws,
    regions: &[String],
    start: i64,
    end: i64,
) -> (Vec<String>, Vec<Gap>) {
    lookup_with(|r| aws.cloudtrail(r), regions, start, end).await
}

/// [`lookup`] with the CloudTrail client of each region supplied by the
/// caller (tests: mocked clients).
pub async fn lookup_with(
    client_for_region: impl Fn(&str) -> Client,
    regions: &[String],
    start: i64,
    end: i64,
) -> (Vec<String>, Vec<Gap>) {
    let mut unique: Vec<&String> = regions.iter().collect();
    unique.sort();
    unique.dedup();
    let fetches = unique.into_iter().map(|region| {
        let client = client_for_region(region);
        async move { region_events(&client, region, start, end).await }
    });
    let per_region = futures_util::future::join_all(fetches).await;
    let mut seen: HashSet<String> = HashSet::new();
    let (mut records, mut gaps) = (Vec::new(), Vec::new());
    for (events, gap) in per_region {
        for (id, text) in events {
            if id.is_none_or(|id| seen.insert(id)) {
                records.push(text);
            }
        }
        gaps.extend(gap);
    }
    (records, gaps)
}

/// Pages through one region (newest events first); on a failed page, the
/// events before it and a gap saying which part of the window is missing.
async fn region_events(client: &Client, region: &str, start: i64, end: i64) -> RegionEvents {
    let mut out = Vec::new();
    let mut oldest: Option<i64> = None;
    let mut pages = client
        .lookup_events()
        .start_time(DateTime::from_secs(start))
        .end_time(DateTime::from_secs(end))
        .into_paginator()
        .page_size(PAGE_SIZE)
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                for ev in page.events() {
                    if let Some(t) = opt_secs(ev.event_time()) {
                        oldest = Some(oldest.map_or(t, |o| o.min(t)));
                    }
                    if let Some(text) = ev.cloud_trail_event() {
                        out.push((ev.event_id().map(str::to_owned), text.to_owned()));
                    }
                }
            }
            Err(e) => {
                let err = AwsError::call("cloudtrail:LookupEvents", region, &e);
                tracing::warn!(%err, "CloudTrail look-back of {region} incomplete");
                return (
                    out,
                    Some(Gap::from_error(err, missing(region, start, oldest))),
                );
            }
        }
    }
    (out, None)
}

/// What a failed look-back lacks: events come newest first, so everything
/// from `start` up to the oldest event received.
fn missing(region: &str, start: i64, oldest: Option<i64>) -> String {
    let mut m = format!(
        "CloudTrail look-back for {region} from {}",
        format_time(start)
    );
    if let Some(t) = oldest {
        m.push_str(&format!(" to {}", format_time(t)));
    }
    m
}

/// Runs `records` (CloudTrail record JSON, any order) through the engine the
/// way `hunt` reads a JSON Lines file, so the correlation rules work. Records
/// it has to skip are logged (`tracing`) and counted in the outcome's stats.
pub fn evaluate(engine: &Engine, records: &[String], source_name: &str) -> Outcome {
    let sources = as_sources(records, source_name);
    hunt::hunt(engine, &sources, |report, _| {
        for line in report.issue_lines() {
            tracing::warn!("{line}");
        }
    })
}

/// The records sorted by `eventTime` (unreadable times first, as they came),
/// as JSON Lines sources of [`RECORDS_PER_SOURCE`] records each.
fn as_sources(records: &[String], name: &str) -> Vec<Source> {
    let mut timed: Vec<(Option<Timestamp>, &str)> = records
        .iter()
        .map(|r| (event_time(r), r.as_str()))
        .collect();
    timed.sort_by_key(|(t, _)| *t);
    let parts = timed.len().div_ceil(RECORDS_PER_SOURCE);
    timed
        .chunks(RECORDS_PER_SOURCE)
        .enumerate()
        .map(|(i, chunk)| {
            let mut bytes = Vec::new();
            for (_, text) in chunk {
                // A raw line break can only be whitespace in JSON: one record per line.
                bytes.extend(
                    text.bytes()
                        .map(|b| if b == b'\n' || b == b'\r' { b' ' } else { b }),
                );
                bytes.push(b'\n');
            }
            Source {
                name: if parts > 1 {
                    format!("{name} (part {} of {parts})", i + 1)
                } else {
                    name.to_owned()
                },
                size: bytes.len() as u64,
                kind: SourceKind::Bytes(bytes),
            }
        })
        .collect()
}

/// A record's `eventTime`, if it has a readable one.
fn event_time(text: &str) -> Option<Timestamp> {
    #[derive(serde::Deserialize)]
    struct Time<'a> {
        #[serde(rename = "eventTime", borrow)]
        event_time: Option<Cow<'a, str>>,
    }
    let t: Time = serde_json::from_str(text).ok()?;
    parse_time(&t.event_time?)
}

#[cfg(test)]
#[path = "lookback_tests.rs"]
mod tests;
