//! Reading a decompressed byte stream: shape detection, whole documents, and
//! chunked JSON Lines with resynchronisation after bad lines.

use super::lines::{count_newlines, stream_values};
use super::{read_document, Loc, Report, Sink, CHUNK_BYTES};
use std::borrow::Cow;
use std::io::{self, Read};

/// Reads until `buf` holds at least `want` more bytes, EOF, or an error,
/// straight into `buf`'s spare capacity. Returns (eof, error).
fn fill(r: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> (bool, Option<io::Error>) {
    let before = buf.len();
    match r.take(want as u64).read_to_end(buf) {
        Ok(_) => (buf.len() - before < want, None),
        Err(e) => (true, Some(e)),
    }
}

fn first_significant(buf: &[u8]) -> Option<(usize, u8)> {
    let start = if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    buf[start..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| (start + i, buf[start + i]))
}

/// A `{"Records": ...` or `[` document that has to be read whole.
fn is_whole_document(buf: &[u8], at: usize) -> bool {
    if buf[at] == b'[' {
        return true;
    }
    let rest = &buf[at + 1..];
    let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    rest[skip..].starts_with(b"\"Records\"")
}

fn to_text<'b>(buf: &'b [u8], rep: &mut Report) -> Cow<'b, str> {
    match std::str::from_utf8(buf) {
        Ok(s) => Cow::Borrowed(s),
        Err(e) => {
            rep.issue(
                Loc::Whole,
                format!(
                    "invalid UTF-8 at byte {}; replaced with U+FFFD and read on",
                    e.valid_up_to()
                ),
            );
            String::from_utf8_lossy(buf)
        }
    }
}

/// Reads a whole decompressed stream into records.
/// `hint` is the expected decompressed size (0 if unknown), to size the buffer once.
pub(super) fn process_stream(
    mut r: Box<dyn Read + '_>,
    hint: usize,
    rep: &mut Report,
    sink: &mut Sink<'_>,
) {
    // One byte more than expected, so reaching EOF does not grow the buffer.
    let mut buf = Vec::with_capacity(hint.min(CHUNK_BYTES) + 1);
    let (mut eof, mut err) = fill(&mut r, &mut buf, CHUNK_BYTES);
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        buf.drain(..3); // a UTF-8 byte order mark is not JSON
        rep.bytes += 3;
    }
    let Some((at, first)) = first_significant(&buf) else {
        // A read or decompression error explains the emptiness by itself: one line, not two.
        let empty = err.is_none();
        finish(rep, buf.len(), err, |rep| {
            if empty {
                rep.issue(Loc::Whole, "empty input: no records")
            }
        });
        return;
    };
    if first != b'{' && first != b'[' {
        let head: Vec<String> = buf[at..]
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        rep.bytes += buf.len() as u64;
        let what = match &err {
            Some(e) => format!("unreadable input ({e})"),
            None => format!("not JSON (starts with bytes {})", head.join(" ")),
        };
        rep.issue(Loc::Whole, format!("{what}; skipped"));
        return;
    }
    if is_whole_document(&buf, at) {
        if !eof {
            let (_, e) = fill(&mut r, &mut buf, usize::MAX / 2);
            err = e;
        }
        let len = buf.len();
        finish(rep, len, err, |rep| {
            let text = to_text(&buf, rep);
            let _ = read_document(&text, rep, sink);
        });
        return;
    }
    let mut line = 1usize;
    let mut total = 0usize;
    loop {
        let cut = if eof { buf.len() } else { last_boundary(&buf) };
        if cut == 0 && !eof {
            let (e2, er2) = fill(&mut r, &mut buf, CHUNK_BYTES);
            eof = e2;
            err = err.or(er2);
            continue;
        }
        let text = to_text(&buf[..cut], rep);
        stream_values(&text, line, rep, sink);
        line += count_newlines(&buf[..cut]);
        total += cut;
        buf.drain(..cut);
        if eof {
            break;
        }
        let (e2, er2) = fill(&mut r, &mut buf, CHUNK_BYTES);
        eof = e2;
        err = err.or(er2);
    }
    finish(rep, total, err, |_| {});
}

/// Records the byte count and folds a read/decompression error into one issue.
fn finish(rep: &mut Report, bytes: usize, err: Option<io::Error>, body: impl FnOnce(&mut Report)) {
    rep.bytes += bytes as u64;
    body(rep);
    let Some(e) = err else { return };
    let cut_at = match rep.issues.last() {
        Some(i) if i.message.contains("EOF while parsing") => {
            let loc = i.loc;
            rep.issues.pop();
            Some(loc)
        }
        _ => None,
    };
    let place = match cut_at {
        Some(loc) => format!("; input ends inside {loc}"),
        None => String::new(),
    };
    rep.issue(
        Loc::Whole,
        format!(
            "truncated or corrupt compressed data ({e}) after {bytes} bytes{place}; the {} records before the cut were processed",
            rep.records
        ),
    );
}

/// Offset just past the last newline that starts a new top-level value.
fn last_boundary(buf: &[u8]) -> usize {
    let mut i = buf.len();
    while i > 0 {
        i -= 1;
        if buf[i] == b'\n' && matches!(buf.get(i + 1), Some(b'{') | Some(b'[')) {
            return i + 1;
        }
    }
    0
}
