//! The event-name index of [`super::Engine::scan`]: a map keyed by the rules'
//! own `eventName`s, looked up once per record. SipHash (the std default,
//! built against untrusted keys flooding a table) costs more than the rest of
//! the dispatch; here the keys are fixed at start-up and input only looks them
//! up, so a multiply-rotate hash (FxHash) is safe and several times faster.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map from `eventName` to what the rules registered for it.
pub(super) type NameIndex<V> = HashMap<&'static str, V, BuildHasherDefault<NameHasher>>;

/// FxHash over 8-byte words.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct NameHasher(u64);

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.add(u64::from_le_bytes(b));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 59));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_and_only_them() {
        let mut idx: NameIndex<u32> = NameIndex::default();
        for (i, n) in [
            "CreateUser",
            "CreateUser2",
            "AttachUserPolicy",
            "StopLogging",
            "",
            "a",
        ]
        .iter()
        .enumerate()
        {
            idx.insert(n, i as u32);
        }
        assert_eq!(idx.get("CreateUser"), Some(&0));
        assert_eq!(idx.get("CreateUser2"), Some(&1));
        assert_eq!(idx.get(""), Some(&4));
        assert_eq!(idx.get("a"), Some(&5));
        assert_eq!(idx.get("CreateUserX"), None);
        assert_eq!(idx.get("DescribeInstances"), None);
    }
}
