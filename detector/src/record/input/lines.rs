//! JSON Lines (and concatenated JSON values): every value dispatched, a syntax
//! error skips to the next line.
//!
//! Values are parsed straight into [`Record`]s in one pass, one at a time. A
//! value that is valid JSON but not a valid record is re-read raw and goes
//! through [`handle_value`] (the same issue as ever). At a syntax error the
//! general path, [`general_from`], re-reads from where it would have started
//! (the chunk start or the line after the previous error), skipping the values
//! already handled, so the error is reported with exactly the same position
//! and the resynchronisation is the same.

use super::{dispatch, handle_value, Loc, Report, Sink};
use crate::record::Record;
use serde_json::value::RawValue;

/// Line numbers of offsets in a chunk, counted incrementally (offsets only grow).
struct Lines<'t> {
    text: &'t str,
    line: usize,
    counted: usize,
}

impl Lines<'_> {
    fn at(&mut self, off: usize) -> usize {
        let off = off.min(self.text.len());
        if off > self.counted {
            self.line += count_newlines(&self.text.as_bytes()[self.counted..off]);
            self.counted = off;
        }
        self.line
    }
}

/// Number of `\n` bytes. Sums `u8` lanes over short blocks, which compiles to
/// wide compares and adds; a plain `filter().count()` widens every byte to a
/// `usize` and was a quarter of the JSON Lines time.
pub(super) fn count_newlines(b: &[u8]) -> usize {
    b.chunks(255)
        .map(|block| {
            usize::from(
                block
                    .iter()
                    .fold(0u8, |n, &c| n.wrapping_add(u8::from(c == b'\n'))),
            )
        })
        .sum()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// Dispatches every JSON value in `text` (a chunk starting at line
/// `first_line`); after a syntax error resumes at the next line.
pub(super) fn stream_values(text: &str, first_line: usize, rep: &mut Report, sink: &mut Sink<'_>) {
    let mut lines = Lines {
        text,
        line: first_line,
        counted: 0,
    };
    let mut pos = 0usize;
    while pos < text.len() {
        let stop = typed_values(text, pos, &mut lines, rep, sink);
        if stop >= text.len() {
            break;
        }
        pos = general_from(text, pos, stop, &mut lines, rep, sink);
    }
}

/// One pass from `from` until the end (returns `text.len()`) or a syntax error
/// in the value starting at the returned offset.
fn typed_values(
    text: &str,
    from: usize,
    lines: &mut Lines<'_>,
    rep: &mut Report,
    sink: &mut Sink<'_>,
) -> usize {
    let b = text.as_bytes();
    let mut p = from;
    loop {
        p = skip_ws(b, p);
        if p >= b.len() {
            return b.len();
        }
        let rest = &text[p..];
        let mut typed = serde_json::Deserializer::from_str(rest).into_iter::<Record>();
        if let Some(Ok(rec)) = typed.next() {
            let end = p + typed.byte_offset();
            dispatch(&rec, &text[p..end], Loc::Line(lines.at(p)), rep, sink);
            p = end;
            continue;
        }
        let mut raw = serde_json::Deserializer::from_str(rest).into_iter::<&RawValue>();
        match raw.next() {
            Some(Ok(value)) => {
                handle_value(value, Loc::Line(lines.at(p)), rep, sink);
                p += raw.byte_offset();
            }
            _ => return p,
        }
    }
}

/// The general path: streams raw values from `pos` (where the values before
/// `skip_before` were already handled), reports the first syntax error and
/// returns the offset of the line after it (or `text.len()` at the end).
fn general_from(
    text: &str,
    pos: usize,
    skip_before: usize,
    lines: &mut Lines<'_>,
    rep: &mut Report,
    sink: &mut Sink<'_>,
) -> usize {
    let mut it = serde_json::Deserializer::from_str(&text[pos..]).into_iter::<&RawValue>();
    loop {
        let start = pos + it.byte_offset();
        match it.next() {
            None => return text.len(),
            Some(Ok(raw)) => {
                let off = raw.get().as_ptr() as usize - text.as_ptr() as usize;
                if off >= skip_before {
                    handle_value(raw, Loc::Line(lines.at(off.max(start))), rep, sink);
                }
            }
            Some(Err(e)) => {
                let l = lines.at(start)
                    + text[start..]
                        .bytes()
                        .take_while(|b| b.is_ascii_whitespace())
                        .filter(|&b| b == b'\n')
                        .count();
                rep.issue(Loc::Line(l), format!("invalid JSON: {e}; line skipped"));
                let mut err_off = (pos + it.byte_offset()).max(start + 1).min(text.len());
                while !text.is_char_boundary(err_off) {
                    err_off += 1; // one past a bad first byte may be inside a character
                }
                let next = match text[err_off..].find('\n') {
                    Some(n) => err_off + n + 1,
                    None => text.len(),
                };
                lines.at(next);
                return next;
            }
        }
    }
}

/// The general path alone, for tests: what reading a chunk did before the fast path.
#[cfg(test)]
pub(super) fn stream_values_general(
    text: &str,
    first_line: usize,
    rep: &mut Report,
    sink: &mut Sink<'_>,
) {
    let mut lines = Lines {
        text,
        line: first_line,
        counted: 0,
    };
    let mut pos = 0usize;
    while pos < text.len() {
        pos = general_from(text, pos, pos, &mut lines, rep, sink);
    }
}
