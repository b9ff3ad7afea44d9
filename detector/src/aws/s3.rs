//! CloudTrail log objects under an `s3://bucket/prefix`, streamed into the
//! hunt loop with bounded memory.
//!
//! [`list`] pages through `ListObjectsV2` under the prefix (following the
//! bucket to its region when S3 answers with a redirect) and keeps the log
//! objects the way a directory walk keeps files: no `CloudTrail-Digest/`, only
//! `.json`/`.jsonl`/`.ndjson`, plain or gzip; a [`DayFilter`] drops the days of
//! the key's date path (`.../CloudTrail/<region>/YYYY/MM/DD/...`) outside
//! `--since`/`--until`. Objects come in delivery order
//! ([`hunt::processing_order_by`]). A listing failure is an error.
//!
//! [`stream_into`] downloads one window ([`hunt::WINDOW`] objects) with
//! bounded concurrency while the hunter scans the previous one, never more
//! than one window ahead: at most two windows of objects are in memory. An
//! object that cannot be read (`NoSuchKey`, `AccessDenied`, a broken
//! connection) is reported like an unreadable file and the rest go on.

use super::{Aws, AwsError};
use crate::hunt::{self, Hunter};
use crate::record::input::{is_digest_key, wanted_file_name, Report, Source, SourceKind};
use crate::record::time::date_of;
use crate::record::Timestamp;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error;
use aws_sdk_s3::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use chrono::NaiveDate;
use tokio::runtime::Handle;
use tokio::sync::mpsc;

/// `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    /// Key prefix, possibly empty.
    pub prefix: String,
}

impl S3Url {
    /// Parses `s3://bucket[/prefix]`; `None` when it is not one.
    pub fn parse(url: &str) -> Option<S3Url> {
        let rest = url.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| S3Url {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

impl std::fmt::Display for S3Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// The `--since`/`--until` filter on the date path of CloudTrail keys: a day
/// is kept when it overlaps `[since, until]`; keys without a date path are
/// always kept. It selects objects, not records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayFilter {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

impl DayFilter {
    pub fn keeps(&self, key: &str) -> bool {
        let Some(day) = key_day(key) else {
            return true;
        };
        let after = self.since.and_then(date_of).is_none_or(|s| day >= s);
        let before = self.until.and_then(date_of).is_none_or(|u| day <= u);
        after && before
    }
}

/// The `YYYY/MM/DD` after `CloudTrail/<region>/` in a key, if there is one.
fn key_day(key: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = key.split('/').collect();
    let at = parts.iter().position(|p| *p == "CloudTrail")?;
    let [_region, y, m, d, _file, ..] = parts.get(at + 1..)? else {
        return None;
    };
    let num = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let year = i32::try_from(num(y, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, num(m, 2)?, num(d, 2)?)
}

/// A listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub key: String,
    /// Stored (compressed) size.
    pub size: u64,
}

/// The log objects to read under one URL, in processing order.
#[derive(Debug, Clone)]
pub struct Listing {
    pub url: S3Url,
    pub objects: Vec<Object>,
    /// Log objects left out by the [`DayFilter`].
    pub outside_days: usize,
    /// Objects that are not log files (digests, other names, folder markers).
    pub not_logs: usize,
    client: Client,
}

impl Listing {
    /// Stored bytes of the objects to read (for progress).
    pub fn bytes(&self) -> u64 {
        self.objects.iter().map(|o| o.size).sum()
    }
}

/// Lists the CloudTrail log objects under `url` that `filter` keeps.
pub async fn list(aws: &Aws, url: &S3Url, filter: &DayFilter) -> Result<Listing, AwsError> {
    let mut client = aws.s3(None);
    let all = match list_all(&client, url).await {
        Ok(all) => all,
        Err(e) => match bucket_region(&e) {
            Some(region) if region != aws.region() => {
                tracing::debug!(bucket = %url.bucket, %region, "bucket is in another region");
                client = aws.s3(Some(&region));
                list_all(&client, url)
                    .await
                    .map_err(|e| list_error(url, &e))?
            }
            _ => return Err(list_error(url, &e)),
        },
    };
    let (objects, outside_days, not_logs) = select(all, filter);
    Ok(Listing {
        url: url.clone(),
        objects,
        outside_days,
        not_logs,
        client,
    })
}

type ListError = SdkError<ListObjectsV2Error, HttpResponse>;

fn list_error(url: &S3Url, e: &ListError) -> AwsError {
    AwsError::call("s3:ListObjectsV2", &url.to_string(), e)
}

/// The region S3 names in a redirect (`x-amz-bucket-region`).
fn bucket_region(e: &ListError) -> Option<String> {
    let header = e.raw_response()?.headers().get("x-amz-bucket-region")?;
    Some(header.to_owned())
}

async fn list_all(client: &Client, url: &S3Url) -> Result<Vec<Object>, ListError> {
    let prefix = (!url.prefix.is_empty()).then(|| url.prefix.clone());
    let mut pages = client
        .list_objects_v2()
        .bucket(&url.bucket)
        .set_prefix(prefix)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.extend(page?.contents().iter().filter_map(|o| {
            Some(Object {
                key: o.key()?.to_owned(),
                size: u64::try_from(o.size().unwrap_or(0)).unwrap_or(0),
            })
        }));
    }
    Ok(out)
}

/// The log objects `filter` keeps, in processing order, and the counts of
/// those left out by date and of those that are not logs.
fn select(all: Vec<Object>, filter: &DayFilter) -> (Vec<Object>, usize, usize) {
    let total = all.len();
    let logs: Vec<Object> = all
        .into_iter()
        .filter(|o| {
            !is_digest_key(&o.key) && wanted_file_name(o.key.rsplit('/').next().unwrap_or(""))
        })
        .collect();
    let not_logs = total - logs.len();
    let kept: Vec<Object> = logs.into_iter().filter(|o| filter.keeps(&o.key)).collect();
    let outside_days = total - not_logs - kept.len();
    let ordered = hunt::processing_order_by(&kept, |o| o.key.as_str());
    (
        ordered.into_iter().cloned().collect(),
        outside_days,
        not_logs,
    )
}

/// Why an object could not be read.
#[derive(Debug)]
struct Unread {
    name: String,
    error: String,
    size: u64,
}

/// A downloaded object, or why not.
type Fetched = Result<Source, Unread>;

/// Feeds the listed objects to `hunter`, window by window, downloading the
/// next window on `rt` while this thread scans the current one. Must be
/// called outside the runtime (it blocks on it).
pub fn stream_into(
    rt: &Handle,
    aws: &Aws,
    listing: Listing,
    hunter: &mut Hunter<'_>,
    on_source: &mut dyn FnMut(&Report, u64),
) {
    // Capacity 1 and a permit reserved before each download: one window
    // waiting at most, the next one not started until it is taken.
    let (tx, mut rx) = mpsc::channel::<Vec<Fetched>>(1);
    let task = rt.spawn(download_windows(aws.clone(), listing, tx));
    while let Some(window) = rx.blocking_recv() {
        let mut sources = Vec::with_capacity(window.len());
        for fetched in window {
            match fetched {
                Ok(src) => sources.push(src),
                Err(u) => hunter.unreadable(&u.name, &u.error, u.size, on_source),
            }
        }
        hunter.feed(&sources, on_source);
    }
    if let Err(e) = rt.block_on(task) {
        tracing::error!("S3 download task failed: {e}");
    }
}

async fn download_windows(aws: Aws, listing: Listing, tx: mpsc::Sender<Vec<Fetched>>) {
    let Listing {
        url,
        objects,
        client,
        ..
    } = listing;
    let (client, bucket) = (&client, url.bucket.as_str());
    for window in objects.chunks(hunt::WINDOW) {
        let Ok(permit) = tx.reserve().await else {
            return; // the reader stopped
        };
        let fetched = aws
            .bounded(window.to_vec(), |o| fetch(client, bucket, o))
            .await;
        permit.send(fetched);
    }
}

async fn fetch(client: &Client, bucket: &str, obj: Object) -> Fetched {
    let name = format!("s3://{bucket}/{}", obj.key);
    let resp = client
        .get_object()
        .bucket(bucket)
        .key(&obj.key)
        .send()
        .await;
    let body = match resp {
        Ok(out) => out
            .body
            .collect()
            .await
            .map_err(|e| format!("s3:GetObject: {e}")),
        Err(e) => Err(AwsError::call("s3:GetObject", "", &e).to_string()),
    };
    match body {
        Ok(bytes) => Ok(Source {
            name,
            kind: SourceKind::Bytes(bytes.to_vec()),
            size: obj.size,
        }),
        Err(error) => Err(Unread {
            name,
            error,
            size: obj.size,
        }),
    }
}

#[cfg(test)]
#[path = "s3_tests.rs"]
mod tests;
