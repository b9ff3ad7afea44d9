//! Tests over the whole rule library: metadata sanity, and every rule's
//! positive and negative fixtures under `fixtures/rules/<id>/`.
//!
//! A fixture is any input `hunt` reads (bare record, JSON Lines, `{"Records"}`,
//! EventBridge). Files named `positive*` must raise at least one finding of the
//! rule; `negative*` none. An optional `config.toml` beside them configures the
//! engine for that rule's fixtures. Records are evaluated one at a time, in file
//! order, through `Engine::evaluate` with one in-memory store per file.

use super::*;
use crate::engine::{Engine, MemoryStore};
use crate::record::input::read_bytes;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/rules")
}

/// Findings of every rule for one fixture file.
pub(crate) fn run_fixture(path: &Path, cfg: &Config) -> Vec<Finding> {
    let engine = Engine::new(cfg.clone());
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut store = MemoryStore::new();
    let mut out = Vec::new();
    let rep = read_bytes(&path.display().to_string(), &bytes, &mut |rec, t, _| {
        out.extend(engine.evaluate(rec, t, &mut store).expect("memory store"));
    });
    assert!(
        rep.issues.is_empty(),
        "{}: {:?}",
        path.display(),
        rep.issue_lines()
    );
    assert!(rep.records > 0, "{}: no records", path.display());
    out
}

fn rule_config(dir: &Path) -> Config {
    let p = dir.join("config.toml");
    if p.exists() {
        Config::load(&p).unwrap_or_else(|e| panic!("{e}"))
    } else {
        Config::default()
    }
}

#[test]
fn metadata_is_complete_and_ids_unique() {
    let all = catalog();
    assert!(all.len() >= 2);
    let mut ids = HashSet::new();
    for m in &all {
        assert!(ids.insert(m.id), "duplicate rule id {}", m.id);
        assert!(
            m.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}",
            m.id
        );
        assert!(
            !m.title.is_empty() && !m.description.is_empty() && !m.remediation.is_empty(),
            "{}",
            m.id
        );
        assert!(!m.mitre.is_empty(), "{} has no ATT&CK id", m.id);
        for t in m.mitre {
            assert!(
                t.starts_with('T')
                    && t[1..]
                        .split('.')
                        .all(|p| p.len() >= 3 && p.bytes().all(|b| b.is_ascii_digit())),
                "{}: {t}",
                m.id
            );
        }
        assert!(
            m.kind != RuleKind::Posture,
            "{} is not an event or correlation rule",
            m.id
        );
    }
}

#[test]
fn every_rule_has_positive_and_negative_fixtures_that_behave() {
    let mut failures = Vec::new();
    for m in catalog() {
        let dir = fixtures_dir().join(m.id);
        let cfg = rule_config(&dir);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (every rule needs fixtures)", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x != "toml" && x != "md"))
            .collect();
        files.sort();
        let name = |p: &Path| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        };
        let pos: Vec<_> = files
            .iter()
            .filter(|p| name(p).starts_with("positive"))
            .collect();
        let neg: Vec<_> = files
            .iter()
            .filter(|p| name(p).starts_with("negative"))
            .collect();
        if pos.is_empty() || neg.is_empty() {
            failures.push(format!("{}: needs positive* and negative* fixtures", m.id));
            continue;
        }
        for p in pos {
            let hits = run_fixture(p, &cfg)
                .iter()
                .filter(|f| f.rule_id == m.id)
                .count();
            if hits == 0 {
                failures.push(format!("{}: {} raised nothing", m.id, name(p)));
            }
        }
        for p in neg {
            let hits: Vec<_> = run_fixture(p, &cfg)
                .into_iter()
                .filter(|f| f.rule_id == m.id)
                .collect();
            if !hits.is_empty() {
                failures.push(format!(
                    "{}: {} raised {:?}",
                    m.id,
                    name(p),
                    hits.iter().map(|f| &f.summary).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
