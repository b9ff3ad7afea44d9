//! The fast path for whole documents, above all CloudTrail S3 log files
//! `{"Records":[...]}`: each element is parsed straight into a [`Record`] in one
//! pass and handed to the sink where it lies, instead of first being delimited
//! as raw JSON and then parsed a second time.
//!
//! Three tiers, each handing over to the next without changing what is reported:
//! 1. [`one_pass`]: the whole document through one deserializer, elements as
//!    typed seeds. Used when the document is under [`MAX_RECORD_BYTES`], so no
//!    element can be over the limit (element boundaries are not known here).
//!    Stops at the first element that is not a valid record or whose issue
//!    depends on its text, and at any syntax error.
//! 2. [`by_element`]: `{"Records":[...]}` one element at a time, each typed
//!    first, re-read raw and dispatched by [`handle_value`] when it is not a
//!    valid record (so it gets exactly the same issue as before).
//! 3. [`read_document_from`](super::read_document_from): the general streaming
//!    path, for syntax errors and documents of other shapes; it re-reads the
//!    document and skips the elements the tiers above already handled.

use super::{dispatch, dispatch_in_place, handle_value, Loc, Report, Sink, MAX_RECORD_BYTES};
use crate::record::Record;
use serde::de::{
    self, DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;

/// How far a tier got.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fast {
    /// The whole document was read.
    Done,
    /// The next tier must take over; this many elements were handled.
    Handover(usize),
}

/// Reads a whole document (`{"Records":[...]}`, an array, or one value) with the
/// fast tiers; [`Fast::Handover`] leaves the rest to the general path.
pub(super) fn read_log_file(text: &str, rep: &mut Report, sink: &mut Sink<'_>) -> Fast {
    let skip = if text.len() <= MAX_RECORD_BYTES {
        match one_pass(text, rep, sink) {
            Fast::Done => return Fast::Done,
            Fast::Handover(n) => n,
        }
    } else {
        0
    };
    by_element(text, skip, rep, sink)
}

/// Shared state of the one-pass visitors.
struct Pass<'c, 's> {
    count: usize,
    array: bool,
    rep: &'c mut Report,
    sink: &'c mut Sink<'s>,
}

fn one_pass(text: &str, rep: &mut Report, sink: &mut Sink<'_>) -> Fast {
    let array = text.trim_start().starts_with('[');
    let mut pass = Pass {
        count: 0,
        array,
        rep,
        sink,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let res = if array {
        de.deserialize_seq(Elements(&mut pass))
    } else {
        de.deserialize_map(TopLevel(&mut pass))
    };
    match res.and_then(|_| de.end()) {
        Ok(()) => Fast::Done,
        Err(_) => Fast::Handover(pass.count),
    }
}

/// `{"Records":[...]}`, other keys skipped (as the general path does).
struct TopLevel<'p, 'c, 's>(&'p mut Pass<'c, 's>);

impl<'de> Visitor<'de> for TopLevel<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail log file object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<&'de str>()? {
            if key == "Records" {
                map.next_value_seed(Elements(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// An array whose elements are records (or containers of them).
struct Elements<'p, 'c, 's>(&'p mut Pass<'c, 's>);

impl<'de> Visitor<'de> for Elements<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Element(&mut *self.0))?.is_some() {
            self.0.count += 1;
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Elements<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

/// One element: parsed in place and dispatched, or an error to hand over.
struct Element<'p, 'c, 's>(&'p mut Pass<'c, 's>);

impl<'de> DeserializeSeed<'de> for Element<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let rec = Record::deserialize(d)?;
        let p = self.0;
        let loc = if p.array {
            Loc::Element(p.count)
        } else {
            Loc::Records(p.count)
        };
        if dispatch_in_place(&rec, loc, p.rep, p.sink) {
            Ok(())
        } else {
            Err(de::Error::custom("needs the general path"))
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// Offset just past `{ "Records" : [`, if the document starts that way.
fn array_start(b: &[u8]) -> Option<usize> {
    let mut i = skip_ws(b, 0);
    for expect in [&b"{"[..], b"\"Records\"", b":", b"["] {
        if !b[i..].starts_with(expect) {
            return None;
        }
        i = skip_ws(b, i + expect.len());
    }
    Some(i)
}

/// One element at `at`: typed in one pass, or raw and through [`handle_value`]
/// when it is not a valid record; only delimited when `skip`. Returns the offset
/// just past the element, or `None` on a syntax error.
fn element(
    text: &str,
    at: usize,
    loc: Loc,
    skip: bool,
    rep: &mut Report,
    sink: &mut Sink<'_>,
) -> Option<usize> {
    let rest = &text[at..];
    if !skip {
        let mut typed = serde_json::Deserializer::from_str(rest).into_iter::<Record>();
        if let Some(Ok(rec)) = typed.next() {
            let end = at + typed.byte_offset();
            dispatch(&rec, &text[at..end], loc, rep, sink);
            return Some(end);
        }
    }
    let mut raw = serde_json::Deserializer::from_str(rest).into_iter::<&RawValue>();
    match raw.next() {
        Some(Ok(value)) => {
            if !skip {
                handle_value(value, loc, rep, sink);
            }
            Some(at + raw.byte_offset())
        }
        _ => None,
    }
}

/// `{"Records":[...]}` element by element; the first `skip` elements were
/// already handled and are only delimited.
pub(super) fn by_element(text: &str, skip: usize, rep: &mut Report, sink: &mut Sink<'_>) -> Fast {
    let b = text.as_bytes();
    let Some(mut i) = array_start(b) else {
        return Fast::Handover(skip);
    };
    let mut count = 0usize;
    if b.get(i) != Some(&b']') {
        loop {
            let Some(end) = element(text, i, Loc::Records(count), count < skip, rep, sink) else {
                return Fast::Handover(count.max(skip));
            };
            count += 1;
            i = skip_ws(b, end);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b']') => break,
                _ => return Fast::Handover(count.max(skip)),
            }
        }
    }
    i = skip_ws(b, i + 1);
    if count < skip || b.get(i) != Some(&b'}') || skip_ws(b, i + 1) != b.len() {
        return Fast::Handover(count.max(skip));
    }
    Fast::Done
}
