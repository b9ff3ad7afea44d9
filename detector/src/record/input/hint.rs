//! Capacity hints: how large a source will be once decompressed, so its
//! buffer is sized once instead of grown (each growth is a copy).

use super::CHUNK_BYTES;
use std::fs::File;
use std::io::Read;

/// [`size_hint`] for bytes in memory.
pub(super) fn slice_hint(b: &[u8]) -> usize {
    let len = b.len() as u64;
    let isize = match b {
        [0x1f, 0x8b, .., t0, t1, t2, t3] if len >= 18 => {
            u64::from(u32::from_le_bytes([*t0, *t1, *t2, *t3]))
        }
        _ => return b.len().min(CHUNK_BYTES),
    };
    let hint = if isize >= len / 2 && isize <= len.saturating_mul(1032) {
        isize
    } else {
        len
    };
    usize::try_from(hint).unwrap_or(0).min(CHUNK_BYTES)
}

/// The decompressed size of a gzip file from its trailer (ISIZE, the last
/// member's size mod 2^32), trusted only within deflate's maximum ratio; the
/// file size otherwise. Sizing the buffer once saves growing it (a copy each
/// time). Leaves the file at its start.
pub(super) fn size_hint(f: &mut File, len: u64) -> usize {
    use std::io::{Seek, SeekFrom};
    let mut head = [0u8; 2];
    let mut tail = [0u8; 4];
    let gz = len >= 18
        && f.read_exact(&mut head).is_ok()
        && head == [0x1f, 0x8b]
        && f.seek(SeekFrom::End(-4)).is_ok()
        && f.read_exact(&mut tail).is_ok();
    let isize = u64::from(u32::from_le_bytes(tail));
    let hint = if gz && isize >= len / 2 && isize <= len.saturating_mul(1032) {
        isize
    } else {
        len
    };
    if f.seek(SeekFrom::Start(0)).is_err() {
        return 0;
    }
    usize::try_from(hint).unwrap_or(0).min(CHUNK_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_trailer_gives_the_decompressed_size() {
        let json = br#"{"Records":[]}"#.repeat(200);
        assert_eq!(slice_hint(&gzip(&json)), json.len());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json.gz");
        std::fs::write(&p, gzip(&json)).unwrap();
        let mut f = File::open(&p).unwrap();
        let len = f.metadata().unwrap().len();
        assert_eq!(size_hint(&mut f, len), json.len());
        let mut first = [0u8; 2];
        f.read_exact(&mut first).unwrap();
        assert_eq!(first, [0x1f, 0x8b], "the file is left at its start");
    }

    #[test]
    fn implausible_or_plain_input_falls_back_to_its_length() {
        assert_eq!(slice_hint(b"{\"a\":1}"), 7);
        let mut fake = vec![0x1f, 0x8b];
        fake.extend([0u8; 20]);
        fake.extend(u32::MAX.to_le_bytes());
        assert_eq!(slice_hint(&fake), fake.len());
        assert_eq!(slice_hint(&[]), 0);
    }
}
