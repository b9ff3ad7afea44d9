//! `hunt`: evaluate the rules over many sources, files in parallel.
//!
//! Sources are taken in batches, in processing order: CloudTrail log files by
//! their delivery time, everything else as given (see [`processing_order`]);
//! files are read and scanned in
//! parallel (stateless half of the engine), a few batches at a time, then each
//! batch's correlation facts are fed, sorted by time, to one in-memory state
//! store. The batch size does not depend on the thread count, so the output is
//! the same whatever the parallelism. Memory is bounded by one decompressed
//! file per thread, the findings and facts of a few batches, and the
//! correlation state, which is pruned behind the newest event time.
//!
//! [`hunt`] takes every source at once; [`Hunter`] is the same loop fed window
//! by window (S3 objects streamed while the previous window is scanned).

use crate::engine::{finalise, Engine, Fact, MemoryStore, Pass};
use crate::finding::Finding;
use crate::record::input::{read_source, Issue, Loc, Report, Source};
use crate::record::{Event, Timestamp};
use rayon::prelude::*;
use std::borrow::Borrow;

/// Sources per batch: the unit of correlation order and state pruning.
pub const BATCH: usize = 16;
/// Batches scanned in one parallel step; bounds the findings and facts held.
const SCAN_BATCHES: usize = 4;
/// Sources scanned in one parallel step: the unit [`Hunter::feed`] is best fed in.
pub const WINDOW: usize = BATCH * SCAN_BATCHES;
/// A rule's facts older than the newest time minus the rule's window
/// ([`Engine::windows`]) minus this slack are forgotten.
pub const PRUNE_SLACK: i64 = 6 * 3600;

/// Totals of a hunt.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub sources: u64,
    pub records: u64,
    pub bytes: u64,
    pub bad_records: u64,
    /// Sources that could not be read at all.
    pub io_errors: u64,
}

/// What a hunt found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub stats: Stats,
}

struct SourceOut {
    report: Report,
    pass: Pass,
    size: u64,
}

fn scan_source(engine: &Engine, src: &Source) -> SourceOut {
    let mut pass = Pass::default();
    let report = read_source(src, &mut |rec, time, _loc| {
        let ev = Event::new(rec, time);
        engine.scan(&ev, &mut pass);
    });
    dedupe_facts(&mut pass.facts);
    SourceOut {
        report,
        pass,
        size: src.size,
    }
}

/// Keeps one fact per identity (the earliest), as the store would: repeats
/// (the same address seen all day) are dropped here, in the parallel phase,
/// instead of one by one in the single-threaded correlation phase.
fn dedupe_facts(facts: &mut Vec<Fact>) {
    if facts.len() < 2 {
        return;
    }
    let mut keyed: Vec<(String, Fact)> = facts.drain(..).map(|f| (f.identity(), f)).collect();
    keyed.sort_by(|a, b| (&a.0, a.1.time).cmp(&(&b.0, b.1.time)));
    keyed.dedup_by(|later, first| later.0 == first.0);
    facts.extend(keyed.into_iter().map(|(_, f)| f));
}

/// The order sources are processed in: CloudTrail log files (object names
/// `<acct>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<id>.json.gz`) by delivery time,
/// in the places CloudTrail files held in `sources`; other sources keep their
/// place. A directory walk lists a trail region by region and account by
/// account, which would put one region's last day before another's first: the
/// correlation state, pruned behind the newest event time, would then forget
/// facts before the facts they belong with arrive.
pub fn processing_order(sources: &[Source]) -> Vec<&Source> {
    processing_order_by(sources, |s| &s.name)
}

/// [`processing_order`] of anything named like a source (S3 object keys
/// before they are downloaded).
pub fn processing_order_by<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut order: Vec<&T> = items.iter().collect();
    let slots: Vec<usize> = (0..items.len())
        .filter(|&i| delivery_time(name(&items[i])).is_some())
        .collect();
    let mut timed: Vec<&T> = slots.iter().map(|&i| &items[i]).collect();
    timed.sort_by_key(|s| delivery_time(name(s))); // stable: equal times keep their order
    for (&slot, s) in slots.iter().zip(timed) {
        order[slot] = s;
    }
    order
}

/// `YYYYMMDDTHHMM` of a CloudTrail log file name, if the name is one.
fn delivery_time(name: &str) -> Option<&str> {
    let file = name.rsplit(['/', '\\']).next()?;
    let mut parts = file.split("_CloudTrail_").nth(1)?.split('_');
    let t = parts.nth(1)?.strip_suffix('Z')?;
    let b = t.as_bytes();
    let ok = b.len() == 13
        && b[8] == b'T'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 8 || c.is_ascii_digit());
    ok.then_some(t)
}

/// Runs the engine over `sources`. `on_source` is called once per source, in
/// [`processing_order`], with its report (to print its issues) and its size
/// (for progress).
pub fn hunt(
    engine: &Engine,
    sources: &[Source],
    mut on_source: impl FnMut(&Report, u64),
) -> Outcome {
    let mut hunter = Hunter::new(engine);
    hunter.feed(&processing_order(sources), &mut on_source);
    hunter.finish()
}

/// The hunt loop fed from outside, window by window, for sources that are not
/// all at hand at once (S3 objects downloaded while the previous window is
/// scanned). Feeding [`processing_order`] in slices of [`WINDOW`] sources (the
/// last one may be shorter) gives exactly [`hunt`]'s outcome.
pub struct Hunter<'e> {
    engine: &'e Engine,
    store: MemoryStore,
    longest: i64,
    windows: Vec<(&'static str, i64)>,
    newest: Timestamp,
    out: Outcome,
}

impl<'e> Hunter<'e> {
    pub fn new(engine: &'e Engine) -> Hunter<'e> {
        Hunter {
            engine,
            store: MemoryStore::new(),
            longest: engine.longest_window(),
            windows: engine.windows(),
            newest: i64::MIN,
            out: Outcome::default(),
        }
    }

    /// Scans `sources` in the order given, [`WINDOW`] at a time in parallel,
    /// then correlates them batch by batch. `on_source` is called once per
    /// source, in that order, with its report and its size.
    pub fn feed<S>(&mut self, sources: &[S], on_source: &mut dyn FnMut(&Report, u64))
    where
        S: Borrow<Source> + Sync,
    {
        // Several batches are scanned in one parallel step (fewer points where fast
        // threads wait for the slowest file), then correlated batch by batch.
        for window in sources.chunks(WINDOW) {
            let mut results = window
                .par_iter()
                .map(|s| scan_source(self.engine, s.borrow()))
                .collect::<Vec<_>>()
                .into_iter();
            for batch in window.chunks(BATCH) {
                let mut facts: Vec<Fact> = Vec::new();
                for r in results.by_ref().take(batch.len()) {
                    on_source(&r.report, r.size);
                    self.count(&r.report);
                    self.out.findings.extend(r.pass.findings);
                    facts.extend(r.pass.facts);
                }
                self.correlate(facts);
            }
        }
    }

    /// Counts a source that could not be read at all (a failed download) as
    /// an I/O error, like an unreadable file, and reports it to `on_source`
    /// with its `size` (for progress).
    pub fn unreadable(
        &mut self,
        name: &str,
        error: &str,
        size: u64,
        on_source: &mut dyn FnMut(&Report, u64),
    ) {
        let report = Report {
            name: name.to_owned(),
            issues: vec![Issue {
                loc: Loc::Whole,
                message: format!("cannot read: {error}"),
            }],
            io_error: true,
            ..Report::default()
        };
        on_source(&report, size);
        self.count(&report);
    }

    /// The findings (sorted, deduplicated) and totals.
    pub fn finish(mut self) -> Outcome {
        finalise(&mut self.out.findings);
        self.out
    }

    fn count(&mut self, report: &Report) {
        let st = &mut self.out.stats;
        st.sources += 1;
        st.records += report.records;
        st.bytes += report.bytes;
        st.bad_records += report.issue_count();
        st.io_errors += u64::from(report.io_error);
    }

    /// Feeds one batch's facts, sorted by time, to the state store, then
    /// prunes each rule's state behind the newest time.
    fn correlate(&mut self, mut facts: Vec<Fact>) {
        facts.sort_by(|a, b| (a.time, &a.event_id, &a.rule).cmp(&(b.time, &b.event_id, &b.rule)));
        for fact in &facts {
            self.newest = self.newest.max(fact.time);
            if let Ok(Some(f)) = self.engine.correlate(fact, &mut self.store) {
                self.out.findings.push(f);
            }
        }
        let (newest, longest, windows) = (self.newest, self.longest, &self.windows);
        self.store.prune_each(
            |rule| {
                let w = windows
                    .iter()
                    .find(|(id, _)| *id == rule)
                    .map_or(longest, |x| x.1);
                newest.saturating_sub(w + PRUNE_SLACK)
            },
            newest.saturating_sub(longest + PRUNE_SLACK),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::input::SourceKind;
    use crate::Config;

    fn record(i: usize, name: &str, kind: &str) -> String {
        format!(
            r#"{{"eventVersion":"1.08","userIdentity":{{"type":"{kind}","arn":"arn:aws:iam::111122223333:user/u{i}","accountId":"111122223333"}},"eventTime":"2026-11-10T03:{:02}:{:02}Z","eventSource":"iam.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","requestParameters":{{"userName":"n{i}"}},"eventID":"id-{i}","recipientAccountId":"111122223333"}}"#,
            (i / 60) % 60,
            i % 60
        )
    }

    /// 70 sources (more than one scan step), some with findings, one unreadable.
    fn sources() -> Vec<Source> {
        (0..70)
            .map(|s| {
                let recs: Vec<String> = (0..5)
                    .map(|k| {
                        let i = s * 5 + k;
                        match i % 7 {
                            0 => record(i, "CreateUser", "IAMUser"),
                            3 => record(i, "ListUsers", "Root"),
                            _ => record(i, "GetUser", "IAMUser"),
                        }
                    })
                    .collect();
                let text = if s == 33 {
                    "{\"Records\":[oops".to_owned()
                } else {
                    format!("{{\"Records\":[{}]}}", recs.join(","))
                };
                Source {
                    name: format!("s{s}"),
                    kind: SourceKind::Bytes(text.into_bytes()),
                    size: 1,
                }
            })
            .collect()
    }

    fn run(threads: usize) -> (Vec<Finding>, Vec<String>, u64, u64) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let engine = Engine::new(Config::default());
        let srcs = sources();
        let mut order = Vec::new();
        let out = pool.install(|| hunt(&engine, &srcs, |rep, _| order.push(rep.name.clone())));
        (
            out.findings,
            order,
            out.stats.records,
            out.stats.bad_records,
        )
    }

    fn named(name: &str) -> Source {
        Source {
            name: name.into(),
            kind: SourceKind::Bytes(Vec::new()),
            size: 0,
        }
    }

    #[test]
    fn cloudtrail_files_are_processed_by_delivery_time() {
        let key = |acct: &str, region: &str, t: &str| {
            format!("t/AWSLogs/{acct}/CloudTrail/{region}/2026/11/10/{acct}_CloudTrail_{region}_{t}Z_AbCdEfGh12345678.json.gz")
        };
        let sources = [
            named(&key("111122223333", "eu-west-1", "20261110T0005")),
            named(&key("111122223333", "eu-west-1", "20261111T0005")),
            named("extra/notes.jsonl"),
            named(&key("111122223333", "us-east-1", "20261110T0000")),
            named(&key("111122223333", "us-east-1", "20261110T2355")),
            named(&key("111122224444", "us-east-1", "20261110T0005")),
            named("t/AWSLogs/x_CloudTrail_us-east-1_2026111XT0000Z_a.json.gz"),
        ];
        let order: Vec<&str> = processing_order(&sources)
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let times: Vec<&str> = order
            .iter()
            .map(|n| delivery_time(n).unwrap_or("-"))
            .collect();
        assert_eq!(
            times,
            [
                "20261110T0000",
                "20261110T0005",
                "-",
                "20261110T0005",
                "20261110T2355",
                "20261111T0005",
                "-"
            ]
        );
        assert!(
            order[1].contains("eu-west-1") && order[3].contains("111122224444"),
            "{order:?}"
        );
    }

    #[test]
    fn output_does_not_depend_on_the_thread_count() {
        let one = run(1);
        assert_eq!(one.1.len(), 70);
        assert_eq!(one.1[..3], ["s0", "s1", "s2"]);
        assert_eq!((one.2, one.3), (345, 1));
        assert!(one.0.iter().any(|f| f.rule_id == "root-activity"));
        assert!(one
            .0
            .iter()
            .any(|f| f.rule_id == "iam-user-created-outside-window"));
        assert_eq!(run(3), one);
    }

    #[test]
    fn feeding_windows_gives_the_output_of_hunt() {
        let engine = Engine::new(Config::default());
        let srcs = sources();
        let mut names = Vec::new();
        let whole = hunt(&engine, &srcs, |rep, _| names.push(rep.name.clone()));
        let mut hunter = Hunter::new(&engine);
        let mut fed = Vec::new();
        let mut on_source = |rep: &Report, _: u64| fed.push(rep.name.clone());
        for window in srcs.chunks(WINDOW) {
            let owned: Vec<Source> = window.to_vec();
            hunter.feed(&owned, &mut on_source);
        }
        let out = hunter.finish();
        assert_eq!(out.findings, whole.findings);
        assert_eq!(fed, names);
        assert_eq!(
            (out.stats.sources, out.stats.records, out.stats.bad_records),
            (
                whole.stats.sources,
                whole.stats.records,
                whole.stats.bad_records
            )
        );
        assert!(srcs.len() > WINDOW, "the test needs more than one window");
    }

    #[test]
    fn an_unreadable_source_counts_as_an_io_error() {
        let engine = Engine::new(Config::default());
        let mut hunter = Hunter::new(&engine);
        let mut lines = Vec::new();
        hunter.unreadable("s3://b/k.json.gz", "NoSuchKey", 7, &mut |rep, _| {
            lines.extend(rep.issue_lines())
        });
        let out = hunter.finish();
        assert_eq!(lines, ["s3://b/k.json.gz: cannot read: NoSuchKey"]);
        assert_eq!((out.stats.sources, out.stats.io_errors), (1, 1));
    }
}
