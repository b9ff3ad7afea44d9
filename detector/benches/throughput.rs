//! Throughput of the read/parse/evaluate path on a realistic corpus.
//!
//! ```text
//! cargo bench -p trailguard --bench throughput
//! TG_BENCH_RECORDS=50000 TG_BENCH_ITERS=5 cargo bench -p trailguard --bench throughput
//! ```
//!
//! Generates (once, then reuses) a corpus under `target/bench-corpus/`, loads the
//! compressed files into memory, and prints the best of `TG_BENCH_ITERS` runs of:
//! gzip decompression; decompression + a typed single-pass parse into `Record`
//! (the floor any input path pays); decompression + trailguard's input path
//! (`read_bytes`); `hunt` with every rule on one thread and on all threads
//! (reading the files through the page cache); and the ratios. Prints figures
//! only: nothing here asserts on time.

#[allow(dead_code)]
#[path = "../examples/support/corpus/mod.rs"]
mod corpus;

use flate2::read::MultiGzDecoder;
use serde::Deserialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;
use trailguard::hunt::hunt;
use trailguard::record::input::{expand, read_bytes};
use trailguard::record::Record;
use trailguard::{Config, Engine};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
    }
}

/// The corpus directory, generated if missing or incomplete.
fn corpus_dir(records: u64) -> PathBuf {
    let dir = target_dir().join(format!("bench-corpus/r{records}-s42"));
    if corpus::manifest_value(&dir, "records") != Some(records) {
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!("generating {records} records into {} ...", dir.display());
        let opts = corpus::Options { out: dir.clone(), records, seed: 42, days: 3 };
        if let Err(e) = corpus::generate(&opts) {
            eprintln!("cannot generate the corpus: {e}");
            std::process::exit(2);
        }
    }
    dir
}

/// Process CPU time (all threads), in seconds.
fn cpu_now() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// Best wall time and best CPU time of `iters` runs of `f`, and `f`'s checksum.
fn best(iters: u64, mut f: impl FnMut() -> u64) -> Timing {
    let mut t = Timing { wall: f64::MAX, cpu: f64::MAX, sum: 0 };
    for _ in 0..iters.max(1) {
        let (w, c) = (Instant::now(), cpu_now());
        t.sum = std::hint::black_box(f());
        t.cpu = t.cpu.min(cpu_now() - c);
        t.wall = t.wall.min(w.elapsed().as_secs_f64());
    }
    t
}

struct Timing {
    wall: f64,
    cpu: f64,
    sum: u64,
}

fn gunzip(blob: &[u8], out: &mut Vec<u8>) {
    out.clear();
    if let Err(e) = MultiGzDecoder::new(blob).read_to_end(out) {
        eprintln!("corrupt corpus file: {e}");
        std::process::exit(2);
    }
}

#[derive(Deserialize)]
struct LogFile<'a> {
    #[serde(borrow, rename = "Records")]
    records: Vec<Record<'a>>,
}

#[derive(Deserialize)]
struct RawLogFile<'a> {
    #[serde(borrow, rename = "Records")]
    records: Vec<&'a serde_json::value::RawValue>,
}

fn vm_hwm_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

fn print_header() {
    println!("{:<46} {:>8} {:>8} {:>12} {:>10} {:>12}", "", "wall s", "cpu s", "rec/cpu-s", "MB/cpu-s", "rec/s wall");
}

fn print_row(what: &str, t: &Timing, records: u64, bytes: u64) {
    println!(
        "{what:<46} {:>8.3} {:>8.3} {:>12.0} {:>10.1} {:>12.0}",
        t.wall,
        t.cpu,
        records as f64 / t.cpu,
        bytes as f64 / 1e6 / t.cpu,
        records as f64 / t.wall
    );
}

fn hunt_with(threads: usize, engine: &Engine, dir: &Path, iters: u64) -> Timing {
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot start {threads} threads: {e}");
            std::process::exit(2);
        }
    };
    let (sources, _) = expand(&[dir.display().to_string()]);
    best(iters, || {
        pool.install(|| {
            let out = hunt(engine, &sources, |_, _| {});
            out.stats.records * 1000 + out.findings.len() as u64
        })
    })
}

fn main() {
    let records = env_u64("TG_BENCH_RECORDS", 200_000);
    let iters = env_u64("TG_BENCH_ITERS", 3);
    let dir = corpus_dir(records);
    let (sources, _) = expand(&[dir.display().to_string()]);
    let blobs: Vec<Vec<u8>> = sources
        .iter()
        .filter_map(|s| match &s.kind {
            trailguard::record::input::SourceKind::File(p) => std::fs::read(p).ok(),
            _ => None,
        })
        .collect();
    let gz_bytes: u64 = blobs.iter().map(|b| b.len() as u64).sum();
    let mut buf = Vec::new();
    let plain: Vec<Vec<u8>> = blobs.iter().map(|b| { gunzip(b, &mut buf); buf.clone() }).collect();
    let json_bytes: u64 = plain.iter().map(|b| b.len() as u64).sum();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "corpus: {} files, {records} records, {:.1} MB JSON ({:.0} B/record), {:.1} MB gzip; best of {iters}; {cores} cores; load {}",
        blobs.len(),
        json_bytes as f64 / 1e6,
        json_bytes as f64 / records as f64,
        gz_bytes as f64 / 1e6,
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    print_header();
    let only = std::env::var("TG_BENCH_ONLY").unwrap_or_default();
    let measure = |what: &str, f: &mut dyn FnMut() -> u64, expect: u64| {
        if !what.contains(only.as_str()) {
            return Timing { wall: 1.0, cpu: 1.0, sum: 0 };
        }
        let t = best(iters, f);
        if t.sum != expect {
            eprintln!("warning: {what}: counted {}, expected {expect}", t.sum);
        }
        print_row(what, &t, records, json_bytes);
        t
    };
    measure("gunzip", &mut || blobs.iter().map(|b| { gunzip(b, &mut buf); buf.len() as u64 }).sum(), json_bytes);
    let typed_parse = |text: &[u8]| serde_json::from_slice::<LogFile>(text).map(|f| f.records.len() as u64).unwrap_or(0);
    measure("typed parse only", &mut || plain.iter().map(|p| typed_parse(p)).sum(), records);
    let two_pass = |text: &[u8]| {
        let Ok(f) = serde_json::from_slice::<RawLogFile>(text) else { return 0 };
        f.records.iter().filter(|r| serde_json::from_str::<Record>(r.get()).is_ok()).count() as u64
    };
    measure("two-pass parse only (RawValue, then Record)", &mut || plain.iter().map(|p| two_pass(p)).sum(), records);
    let input_path = |bytes: &[u8]| read_bytes("bench", bytes, &mut |_, _, _| {}).records;
    measure("input path parse only (read_bytes)", &mut || plain.iter().map(|p| input_path(p)).sum(), records);
    let floor = measure("gunzip + typed parse", &mut || {
        blobs.iter().map(|b| { gunzip(b, &mut buf); typed_parse(&buf) }).sum()
    }, records);
    let input = measure("gunzip + input path (read_bytes)", &mut || blobs.iter().map(|b| input_path(b)).sum(), records);
    let engine = Engine::new(Config::default());
    if !only.is_empty() && !"hunt".contains(only.as_str()) {
        return;
    }
    let h1 = hunt_with(1, &engine, &dir, iters);
    print_row(&format!("hunt, {} rules, 1 thread", engine.rule_count()), &h1, records, json_bytes);
    let hn = hunt_with(cores, &engine, &dir, iters);
    print_row(&format!("hunt, {} rules, {cores} threads", engine.rule_count()), &hn, records, json_bytes);
    println!("hunt 1 thread vs gunzip + typed parse (cpu): {:.0}%", 100.0 * floor.cpu / h1.cpu);
    println!("hunt 1 thread vs gunzip + input path (cpu):  {:.0}%", 100.0 * input.cpu / h1.cpu);
    println!("hunt {cores} threads vs 1 thread (wall):         {:.2}x", h1.wall / hn.wall);
    match vm_hwm_mb() {
        Some(mb) => println!(
            "peak RSS (VmHWM): {mb:.0} MB, including the corpus held in memory for the in-memory rows ({:.0} MB gzip + {:.0} MB JSON)",
            gz_bytes as f64 / 1e6,
            json_bytes as f64 / 1e6
        ),
        None => println!("peak RSS: unavailable"),
    }
}
