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
use trailguard::record::input::{expand, read_bytes, Source, SourceKind};
use trailguard::record::Record;
use trailguard::{Config, Engine};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
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
        let opts = corpus::Options {
            out: dir.clone(),
            records,
            seed: 42,
            days: 3,
        };
        if let Err(e) = corpus::generate(&opts) {
            eprintln!("cannot generate the corpus: {e}");
            std::process::exit(2);
        }
    }
    dir
}

/// Process CPU time (all threads), in seconds.
fn cpu_now() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// Best wall and CPU times of a row over the rounds.
#[derive(Clone, Copy)]
struct Timing {
    wall: f64,
    cpu: f64,
}

/// One measured thing: a name, the work (returning a count to check), the expected count.
struct Row<'a> {
    what: String,
    run: Box<dyn FnMut() -> u64 + 'a>,
    expect: u64,
    best: Timing,
}

impl<'a> Row<'a> {
    fn new(what: impl Into<String>, expect: u64, run: impl FnMut() -> u64 + 'a) -> Row<'a> {
        Row {
            what: what.into(),
            run: Box::new(run),
            expect,
            best: Timing {
                wall: f64::MAX,
                cpu: f64::MAX,
            },
        }
    }
    fn once(&mut self) {
        let (w, c) = (Instant::now(), cpu_now());
        let n = std::hint::black_box((self.run)());
        self.best.cpu = self.best.cpu.min(cpu_now() - c);
        self.best.wall = self.best.wall.min(w.elapsed().as_secs_f64());
        if n != self.expect {
            eprintln!(
                "warning: {}: counted {n}, expected {}",
                self.what, self.expect
            );
        }
    }
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

/// The ideal single pass: whole-buffer UTF-8 check, then typed records.
fn typed_parse(text: &[u8]) -> u64 {
    let Ok(text) = std::str::from_utf8(text) else {
        return 0;
    };
    serde_json::from_str::<LogFile>(text)
        .map(|f| f.records.len() as u64)
        .unwrap_or(0)
}

/// The two-pass alternative: raw elements, then each parsed into a `Record`.
fn two_pass(text: &[u8]) -> u64 {
    let Ok(text) = std::str::from_utf8(text) else {
        return 0;
    };
    let Ok(f) = serde_json::from_str::<RawLogFile>(text) else {
        return 0;
    };
    f.records
        .iter()
        .filter(|r| serde_json::from_str::<Record>(r.get()).is_ok())
        .count() as u64
}

/// The same records as JSON Lines (one record per line, as exports write them).
fn to_json_lines(doc: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(doc).unwrap_or("");
    let Ok(f) = serde_json::from_str::<RawLogFile>(text) else {
        return Vec::new();
    };
    f.records
        .iter()
        .flat_map(|r| r.get().bytes().chain(Some(b'\n')))
        .collect()
}

fn input_path(bytes: &[u8]) -> u64 {
    read_bytes("bench", bytes, &mut |_, _, _| {}).records
}

fn vm_hwm_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn print_row(what: &str, t: Timing, records: u64, bytes: u64) {
    println!(
        "{what:<46} {:>8.3} {:>8.3} {:>12.0} {:>10.1} {:>12.0}",
        t.wall,
        t.cpu,
        records as f64 / t.cpu,
        bytes as f64 / 1e6 / t.cpu,
        records as f64 / t.wall
    );
}

fn pool(threads: usize) -> rayon::ThreadPool {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot start {threads} threads: {e}");
            std::process::exit(2);
        }
    }
}

fn hunt_row<'a>(
    what: String,
    pool: &'a rayon::ThreadPool,
    engine: &'a Engine,
    sources: &'a [Source],
    records: u64,
) -> Row<'a> {
    Row::new(what, records, move || {
        pool.install(|| hunt(engine, sources, |_, _| {}).stats.records)
    })
}

/// The corpus in memory: compressed files, their JSON, the same records as JSON Lines.
struct Corpus {
    records: u64,
    sources: Vec<Source>,
    blobs: Vec<Vec<u8>>,
    plain: Vec<Vec<u8>>,
    lines: Vec<Vec<u8>>,
    gz_bytes: u64,
    json_bytes: u64,
}

fn load(records: u64) -> (Corpus, PathBuf) {
    let dir = corpus_dir(records);
    let (sources, _) = expand(&[dir.display().to_string()]);
    let blobs: Vec<Vec<u8>> = sources
        .iter()
        .filter_map(|s| match &s.kind {
            SourceKind::File(p) => std::fs::read(p).ok(),
            _ => None,
        })
        .collect();
    let plain: Vec<Vec<u8>> = blobs
        .iter()
        .map(|b| {
            let mut v = Vec::new();
            gunzip(b, &mut v);
            v
        })
        .collect();
    let lines = plain.iter().map(|p| to_json_lines(p)).collect();
    let gz_bytes = blobs.iter().map(|b| b.len() as u64).sum();
    let json_bytes = plain.iter().map(|b| b.len() as u64).sum();
    let c = Corpus {
        records,
        sources,
        blobs,
        plain,
        lines,
        gz_bytes,
        json_bytes,
    };
    (c, dir)
}

/// Every row; `bufs` are the decompression buffers of the two gunzip rows.
fn rows<'a>(
    c: &'a Corpus,
    engine: &'a Engine,
    pools: &'a [(usize, rayon::ThreadPool)],
    bufs: &'a mut [Vec<u8>; 2],
) -> Vec<Row<'a>> {
    let [b1, b2] = bufs;
    let records = c.records;
    let mut rows = vec![
        Row::new("gunzip", c.json_bytes, move || {
            c.blobs
                .iter()
                .map(|b| {
                    gunzip(b, b1);
                    b1.len() as u64
                })
                .sum()
        }),
        Row::new("typed parse only", records, || {
            c.plain.iter().map(|p| typed_parse(p)).sum()
        }),
        Row::new(
            "two-pass parse only (RawValue, then Record)",
            records,
            || c.plain.iter().map(|p| two_pass(p)).sum(),
        ),
        Row::new("input path parse only (read_bytes)", records, || {
            c.plain.iter().map(|p| input_path(p)).sum()
        }),
        Row::new(
            "input path parse only, JSON Lines (read_bytes)",
            records,
            || c.lines.iter().map(|p| input_path(p)).sum(),
        ),
        Row::new("gunzip + typed parse", records, move || {
            c.blobs
                .iter()
                .map(|b| {
                    gunzip(b, b2);
                    typed_parse(b2)
                })
                .sum()
        }),
        Row::new("gunzip + input path (read_bytes)", records, || {
            c.blobs.iter().map(|b| input_path(b)).sum()
        }),
    ];
    for (n, pool) in pools {
        let what = format!(
            "hunt, {} rules, {n} thread{}",
            engine.rule_count(),
            if *n == 1 { "" } else { "s" }
        );
        rows.push(hunt_row(what, pool, engine, &c.sources, records));
    }
    rows
}

fn summary(rows: &[Row<'_>], cores: usize) {
    let find = |prefix: &str| {
        rows.iter()
            .find(|r| r.what.starts_with(prefix))
            .map(|r| r.best)
    };
    let hn = rows
        .iter()
        .rev()
        .find(|r| r.what.starts_with("hunt"))
        .map(|r| r.best);
    if let (Some(floor), Some(input), Some(h1), Some(hn)) = (
        find("gunzip + typed"),
        find("gunzip + input"),
        find("hunt"),
        hn,
    ) {
        println!(
            "hunt 1 thread vs gunzip + typed parse (cpu): {:.0}%",
            100.0 * floor.cpu / h1.cpu
        );
        println!(
            "hunt 1 thread vs gunzip + input path (cpu):  {:.0}%",
            100.0 * input.cpu / h1.cpu
        );
        println!(
            "hunt {cores} threads vs 1 thread (wall):         {:.2}x",
            h1.wall / hn.wall
        );
    }
}

fn main() {
    let records = env_u64("TG_BENCH_RECORDS", 200_000);
    let iters = env_u64("TG_BENCH_ITERS", 3).max(1);
    let only = std::env::var("TG_BENCH_ONLY").unwrap_or_default();
    let (c, _) = load(records);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "corpus: {} files, {records} records, {:.1} MB JSON ({:.0} B/record), {:.1} MB gzip; \
         best of {iters} interleaved rounds; {cores} cores; load {}",
        c.blobs.len(),
        c.json_bytes as f64 / 1e6,
        c.json_bytes as f64 / records as f64,
        c.gz_bytes as f64 / 1e6,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let engine = Engine::new(Config::default());
    let pools = [(1, pool(1)), (cores, pool(cores))];
    let mut bufs = [Vec::new(), Vec::new()];
    let mut rows = rows(
        &c,
        &engine,
        &pools[..if cores > 1 { 2 } else { 1 }],
        &mut bufs,
    );
    rows.retain(|r| r.what.contains(only.as_str()));
    for _ in 0..iters {
        for r in rows.iter_mut() {
            r.once();
        }
    }
    println!(
        "{:<46} {:>8} {:>8} {:>12} {:>10} {:>12}",
        "", "wall s", "cpu s", "rec/cpu-s", "MB/cpu-s", "rec/s wall"
    );
    for r in &rows {
        print_row(&r.what, r.best, records, c.json_bytes);
    }
    summary(&rows, cores);
    match vm_hwm_mb() {
        Some(mb) => println!(
            "peak RSS (VmHWM): {mb:.0} MB, including the corpus held in memory for the in-memory rows \
             ({:.0} MB gzip + {:.0} MB JSON + {:.0} MB JSON Lines)",
            c.gz_bytes as f64 / 1e6,
            c.json_bytes as f64 / 1e6,
            c.json_bytes as f64 / 1e6
        ),
        None => println!("peak RSS: unavailable"),
    }
}
