//! Input: files, directories, stdin; plain or gzip; four document shapes.
//!
//! Every source is read by [`read_source`], which calls a sink once per usable
//! record and collects [`Issue`]s for everything it had to skip, each naming the
//! source and where in it (`Records[17]`, `line 42`, `[3]`). A bad record never
//! stops the records after it; a syntax error in a single-document file stops
//! that document at the error (records before it are kept), JSON Lines resume at
//! the next line.
//!
//! Shapes: `{"Records":[...]}` (CloudTrail S3 log file), JSON Lines or
//! concatenated JSON values (records or EventBridge events), a JSON array of
//! either, a single bare record or EventBridge event.

use super::{Record, Timestamp};
use flate2::bufread::MultiGzDecoder;
use serde::de::{DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

mod chunks;
mod hint;
use hint::{size_hint, slice_hint};
mod lines;
mod records;
mod sources;
pub use sources::{expand, is_digest_key, wanted_file_name, Source, SourceKind};

/// Records larger than this are skipped: CloudTrail caps an event at 256 KB.
pub const MAX_RECORD_BYTES: usize = 8 << 20;
/// JSON Lines input is processed in chunks of about this size.
pub const CHUNK_BYTES: usize = 64 << 20;
/// Issues kept per source; the rest are only counted.
pub const MAX_ISSUES_SHOWN: usize = 20;

/// Where in a source a record or problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    /// The source as a whole.
    Whole,
    /// `Records[i]` of a CloudTrail log file.
    Records(usize),
    /// Element `i` of a top-level JSON array.
    Element(usize),
    /// 1-based line of a JSON Lines source.
    Line(usize),
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loc::Whole => Ok(()),
            Loc::Records(i) => write!(f, "Records[{i}]"),
            Loc::Element(i) => write!(f, "[{i}]"),
            Loc::Line(i) => write!(f, "line {i}"),
        }
    }
}

/// Something skipped in a source, worth one line on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub loc: Loc,
    pub message: String,
}

/// What reading one source produced, besides the records.
#[derive(Debug, Default)]
pub struct Report {
    pub name: String,
    pub records: u64,
    /// Uncompressed bytes read.
    pub bytes: u64,
    /// Shown issues, at most [`MAX_ISSUES_SHOWN`].
    pub issues: Vec<Issue>,
    /// Issues beyond those shown.
    pub more_issues: u64,
    /// The source could not be read at all (open or read failure): an I/O error.
    pub io_error: bool,
}

impl Report {
    fn issue(&mut self, loc: Loc, message: impl Into<String>) {
        if self.issues.len() < MAX_ISSUES_SHOWN {
            self.issues.push(Issue {
                loc,
                message: message.into(),
            });
        } else {
            self.more_issues += 1;
        }
    }
    /// The stderr lines for this source's issues.
    pub fn issue_lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .issues
            .iter()
            .map(|i| match i.loc {
                Loc::Whole => format!("{}: {}", self.name, i.message),
                loc => format!("{}: {}: {}", self.name, loc, i.message),
            })
            .collect();
        if self.more_issues > 0 {
            out.push(format!(
                "{}: {} more bad records not shown",
                self.name, self.more_issues
            ));
        }
        out
    }
    /// Total issues, shown or not.
    pub fn issue_count(&self) -> u64 {
        self.issues.len() as u64 + self.more_issues
    }
}

/// Receives each usable record with its parsed time and location.
pub type Sink<'s> = dyn for<'r, 'a> FnMut(&'r Record<'a>, Timestamp, Loc) + 's;

/// Reads a source, calling `sink` per record; never panics, never stops early.
pub fn read_source(src: &Source, sink: &mut Sink<'_>) -> Report {
    let mut rep = Report {
        name: src.name.clone(),
        ..Report::default()
    };
    let reader = match &src.kind {
        SourceKind::File(path) => open(path),
        SourceKind::Stdin => sniff_gzip(Box::new(io::stdin().lock())).map(|r| (r, 0)),
        SourceKind::Bytes(b) => return read_slice(b, rep, sink),
    };
    match reader {
        Ok((r, hint)) => chunks::process_stream(r, hint, &mut rep, sink),
        Err(e) => {
            rep.io_error = true;
            rep.issue(Loc::Whole, format!("cannot read: {e}"));
        }
    }
    rep
}

/// Parses one in-memory document (any shape) into records; for callers that
/// already hold the bytes (S3 objects, Lambda payloads, tests).
pub fn read_bytes(name: &str, bytes: &[u8], sink: &mut Sink<'_>) -> Report {
    let rep = Report {
        name: name.to_owned(),
        ..Report::default()
    };
    read_slice(bytes, rep, sink)
}

/// In-memory bytes, read without copying them first (a failure is not an I/O error).
fn read_slice(bytes: &[u8], mut rep: Report, sink: &mut Sink<'_>) -> Report {
    match sniff_gzip(Box::new(bytes)) {
        Ok(r) => chunks::process_stream(r, slice_hint(bytes), &mut rep, sink),
        Err(e) => rep.issue(Loc::Whole, format!("cannot read: {e}")),
    }
    rep
}

/// Opens a file; also returns the expected decompressed size (a capacity hint).
fn open(path: &Path) -> io::Result<(Box<dyn Read>, usize)> {
    let mut f = File::open(path)?;
    let meta = f.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::other("is a directory"));
    }
    let hint = size_hint(&mut f, meta.len());
    Ok((sniff_gzip(Box::new(f))?, hint))
}

/// Wraps the reader in a gzip decoder when it starts with the gzip magic. The
/// decoder reads compressed bytes through one buffer; plain input is read
/// unbuffered (the callers read in large chunks).
fn sniff_gzip<'r>(mut r: Box<dyn Read + 'r>) -> io::Result<Box<dyn Read + 'r>> {
    let mut head = [0u8; 2];
    let mut n = 0;
    while n < 2 {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let chained: Box<dyn Read + 'r> = Box::new(io::Cursor::new(head).take(n as u64).chain(r));
    if n == 2 && head == [0x1f, 0x8b] {
        Ok(Box::new(MultiGzDecoder::new(BufReader::with_capacity(
            256 << 10,
            chained,
        ))))
    } else {
        Ok(chained)
    }
}

/// Dispatches one top-level (or nested) JSON value: a record, an EventBridge
/// event, a `{"Records":[...]}` container, or something else (an issue).
pub(crate) fn handle_value(raw: &RawValue, loc: Loc, rep: &mut Report, sink: &mut Sink<'_>) {
    let text = raw.get();
    if too_large(text, loc, rep) {
        return;
    }
    let rec: Record = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            rep.issue(loc, format!("invalid record: {e}"));
            return;
        }
    };
    dispatch_checked(&rec, text, loc, rep, sink);
}

/// [`handle_value`] for a value already parsed (in one pass) from `text`.
pub(crate) fn dispatch(
    rec: &Record<'_>,
    text: &str,
    loc: Loc,
    rep: &mut Report,
    sink: &mut Sink<'_>,
) {
    if !too_large(text, loc, rep) {
        dispatch_checked(rec, text, loc, rep, sink);
    }
}

/// Reports a value over [`MAX_RECORD_BYTES`]; true when it must be skipped.
fn too_large(text: &str, loc: Loc, rep: &mut Report) -> bool {
    if text.len() <= MAX_RECORD_BYTES {
        return false;
    }
    rep.issue(
        loc,
        format!(
            "record of {:.1} MB is over the {} MB limit (CloudTrail caps events at 256 KB); skipped",
            text.len() as f64 / 1e6,
            MAX_RECORD_BYTES >> 20
        ),
    );
    true
}

/// What a parsed value is.
enum Route<'v> {
    /// A `{"Records":[...]}` container.
    Nested(&'v RawValue),
    /// An EventBridge event carrying a record in `detail`.
    Bridge(&'v RawValue),
    Event,
    /// Not a record: the issue depends on the value's text.
    Other,
}

fn route<'v>(rec: &Record<'v>) -> Route<'v> {
    if let Some(records) = rec.records {
        Route::Nested(records)
    } else if let (Some(detail), false) = (rec.detail, rec.looks_like_event()) {
        Route::Bridge(detail)
    } else if rec.looks_like_event() {
        Route::Event
    } else {
        Route::Other
    }
}

fn dispatch_checked(rec: &Record<'_>, text: &str, loc: Loc, rep: &mut Report, sink: &mut Sink<'_>) {
    match route(rec) {
        Route::Nested(records) => read_records_array(records.get(), loc, rep, sink),
        Route::Bridge(detail) => emit_eventbridge(detail, rec, loc, rep, sink),
        Route::Event => emit(rec, loc, rep, sink),
        Route::Other if text.trim_start().starts_with('{') => rep.issue(
            loc,
            "not a CloudTrail record (no eventName, eventSource, Records or EventBridge detail); skipped",
        ),
        Route::Other => rep.issue(loc, "not a CloudTrail record (expected a JSON object); skipped"),
    }
}

/// Dispatches a value parsed in place, whose text is not at hand and which is
/// known to be under [`MAX_RECORD_BYTES`]; false (nothing done) when its issue
/// would depend on its text.
pub(crate) fn dispatch_in_place(
    rec: &Record<'_>,
    loc: Loc,
    rep: &mut Report,
    sink: &mut Sink<'_>,
) -> bool {
    if matches!(route(rec), Route::Other) {
        return false;
    }
    dispatch_checked(rec, "", loc, rep, sink);
    true
}

fn emit_eventbridge(
    detail: &RawValue,
    envelope: &Record<'_>,
    loc: Loc,
    rep: &mut Report,
    sink: &mut Sink<'_>,
) {
    let kind = envelope
        .detail_type
        .as_ref()
        .map(|t| t.as_str())
        .unwrap_or("?");
    match serde_json::from_str::<Record>(detail.get()) {
        Ok(r) if r.looks_like_event() => emit(&r, loc, rep, sink),
        Ok(_) => rep.issue(
            loc,
            format!("EventBridge event ({kind}) carries no CloudTrail record; skipped"),
        ),
        Err(e) => rep.issue(
            loc,
            format!("EventBridge event ({kind}): invalid detail: {e}"),
        ),
    }
}

fn emit(rec: &Record<'_>, loc: Loc, rep: &mut Report, sink: &mut Sink<'_>) {
    match rec.time() {
        Some(t) => {
            rep.records += 1;
            sink(rec, t, loc);
        }
        None if rec.event_time.is_none() => rep.issue(loc, "record has no eventTime; skipped"),
        None => rep.issue(
            loc,
            format!(
                "record has an unreadable eventTime {:?}; skipped",
                rec.event_time.as_ref().map(|t| t.as_str()).unwrap_or("")
            ),
        ),
    }
}

/// Streams the elements of a JSON array, dispatching each; on a syntax error the
/// elements before it are kept and the error names the element it hit.
fn read_records_array(text: &str, outer: Loc, rep: &mut Report, sink: &mut Sink<'_>) {
    let mut idx = 0usize;
    let mut de = serde_json::Deserializer::from_str(text);
    let res = de.deserialize_seq(Elements {
        f: &mut |raw: &RawValue| {
            let loc = match outer {
                Loc::Element(_) | Loc::Line(_) => outer,
                _ => Loc::Records(idx),
            };
            handle_value(raw, loc, rep, sink);
            idx += 1;
        },
    });
    if let Err(e) = res {
        rep.issue(
            Loc::Records(idx),
            format!("invalid JSON: {e}; the rest of this document is unreadable"),
        );
    }
}

/// Reads a whole single document: `{"Records":[...]}`, an array, or one value.
pub(crate) fn read_document(
    text: &str,
    rep: &mut Report,
    sink: &mut Sink<'_>,
) -> Result<(), serde_json::Error> {
    match records::read_log_file(text, rep, sink) {
        records::Fast::Done => Ok(()),
        records::Fast::Handover(done) => read_document_from(text, done, rep, sink),
    }
}

/// The general path of [`read_document`]: streams the document as raw values;
/// the first `skip` elements (of `Records`, or of a top-level array) were
/// already handled by the fast path and are only counted.
pub(crate) fn read_document_from(
    text: &str,
    skip: usize,
    rep: &mut Report,
    sink: &mut Sink<'_>,
) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut count = 0usize;
    let trimmed = text.trim_start();
    let res = if trimmed.starts_with('[') {
        de.deserialize_seq(Elements {
            f: &mut |raw: &RawValue| {
                if count >= skip {
                    handle_value(raw, Loc::Element(count), rep, sink);
                }
                count += 1;
            },
        })
    } else {
        de.deserialize_map(TopLevel {
            records: &mut |raw: &RawValue| {
                if count >= skip {
                    handle_value(raw, Loc::Records(count), rep, sink);
                }
                count += 1;
            },
        })
    };
    res.and_then(|_| de.end()).map_err(|e| {
        let loc = if trimmed.starts_with('[') {
            Loc::Element(count)
        } else {
            Loc::Records(count)
        };
        rep.issue(
            loc,
            format!("invalid JSON: {e}; the rest of this document is unreadable"),
        );
        e
    })
}

/// Visits a JSON array, handing each element to `f` as it is parsed.
struct Elements<'f, F> {
    f: &'f mut F,
}

impl<'de, F: FnMut(&'de RawValue)> Visitor<'de> for Elements<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            (self.f)(raw);
        }
        Ok(())
    }
}

impl<'de, F: FnMut(&'de RawValue)> DeserializeSeed<'de> for Elements<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// Visits `{"Records":[...]}` streaming the array; other keys are skipped.
struct TopLevel<'f, F> {
    records: &'f mut F,
}

impl<'de, F: FnMut(&'de RawValue)> Visitor<'de> for TopLevel<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail log file object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<&'de str>()? {
            if key == "Records" {
                map.next_value_seed(Elements {
                    f: &mut *self.records,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
