//! Arbitrary bytes through `record::input::read_bytes`, every record evaluated
//! by the full engine (default configuration, in-memory correlation state),
//! every finding printed as JSON and OCSF.
//!
//! The first byte picks a mode so the fuzzer also reaches the gzip paths:
//! `% 4 == 1` gzips the rest before reading it, `% 4 == 2` gzips it and cuts
//! the compressed stream short (at a point taken from the second byte);
//! anything else reads the bytes as they are.

#![no_main]

use flate2::write::GzEncoder;
use flate2::Compression;
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::sync::OnceLock;
use trailguard::engine::MemoryStore;
use trailguard::finding::ocsf::to_ocsf;
use trailguard::record::input::read_bytes;
use trailguard::{Config, Engine};

static ENGINE: OnceLock<Engine> = OnceLock::new();

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    let _ = gz.write_all(data);
    gz.finish().unwrap_or_default()
}

fn input(data: &[u8]) -> Vec<u8> {
    match data.first().map(|m| m % 4) {
        Some(1) => gzip(&data[1..]),
        Some(2) if data.len() > 1 => {
            let gz = gzip(&data[2..]);
            let cut = gz.len() * usize::from(data[1]) / 256;
            gz[..cut].to_vec()
        }
        _ => data.to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    let engine = ENGINE.get_or_init(|| Engine::new(Config::default()));
    let bytes = input(data);
    let mut store = MemoryStore::new();
    let mut findings = Vec::new();
    let rep = read_bytes("fuzz", &bytes, &mut |rec, time, loc| {
        let _ = (
            loc.to_string(),
            rec.account(),
            rec.failed(),
            rec.is_read_only(),
        );
        if let Ok(f) = engine.evaluate(rec, time, &mut store) {
            findings.extend(f);
        }
    });
    let _ = rep.issue_lines();
    for f in &findings {
        let _ = serde_json::to_string(f);
        let _ = to_ocsf(f, trailguard::rules::find(&f.rule_id));
    }
});
