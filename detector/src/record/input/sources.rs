//! Turning command-line paths into an ordered list of sources.

use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Where a source's bytes come from.
#[derive(Debug, Clone)]
pub enum SourceKind {
    File(PathBuf),
    Stdin,
    /// Bytes already in memory (S3 objects, Lambda payloads, tests).
    Bytes(Vec<u8>),
}

/// One input to read.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name used in messages: the path, `<stdin>`, or an S3 URL.
    pub name: String,
    pub kind: SourceKind,
    /// Size on disk (compressed), for progress; 0 if unknown.
    pub size: u64,
}

/// File names a directory walk picks up; explicitly named files are always read.
fn wanted_in_directory(path: &Path) -> bool {
    wanted_file_name(path.file_name().and_then(|n| n.to_str()).unwrap_or(""))
}

/// A file name (the last path or key segment) a directory walk or an S3
/// listing picks up: `.json`, `.jsonl`, `.ndjson`, optionally gzipped, or any
/// `.gz`; never a hidden file.
pub fn wanted_file_name(name: &str) -> bool {
    if name.is_empty() || name.starts_with('.') {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_suffix(".gz").unwrap_or(&lower);
    base.ends_with(".json")
        || base.ends_with(".jsonl")
        || base.ends_with(".ndjson")
        || lower.ends_with(".gz")
}

/// CloudTrail digest files hold hashes, not events.
fn is_digest(path: &Path) -> bool {
    path.components()
        .any(|c| c.as_os_str() == "CloudTrail-Digest")
}

/// An S3 key under a `CloudTrail-Digest/` folder (hashes, not events).
pub fn is_digest_key(key: &str) -> bool {
    key.split('/').any(|c| c == "CloudTrail-Digest")
}

/// Expands paths: `-` is stdin, directories are walked recursively in name order
/// (the S3 key layout sorts by date), files are taken as given. Returns the
/// sources and one message per path that could not be expanded.
pub fn expand(paths: &[String]) -> (Vec<Source>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p == "-" {
            out.push(Source {
                name: "<stdin>".into(),
                kind: SourceKind::Stdin,
                size: 0,
            });
            continue;
        }
        let path = Path::new(p);
        match std::fs::metadata(path) {
            Err(e) => errors.push(format!("{p}: cannot read: {e}")),
            Ok(m) if m.is_dir() => walk(path, &mut out, &mut errors),
            Ok(m) => out.push(file_source(path, m.len())),
        }
    }
    (out, errors)
}

fn file_source(path: &Path, size: u64) -> Source {
    Source {
        name: path.display().to_string(),
        kind: SourceKind::File(path.to_path_buf()),
        size,
    }
}

fn walk(dir: &Path, out: &mut Vec<Source>, errors: &mut Vec<String>) {
    let walker = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !(is_digest(e.path())
                || (e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.')))
        });
    for entry in walker {
        match entry {
            Err(e) => {
                let at = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| dir.display().to_string());
                errors.push(format!(
                    "{at}: cannot read: {}",
                    e.io_error()
                        .map(|x| x.to_string())
                        .unwrap_or_else(|| e.to_string())
                ));
            }
            Ok(e) if e.file_type().is_file() && wanted_in_directory(e.path()) => {
                let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                out.push(file_source(e.path(), size));
            }
            Ok(e) if e.file_type().is_file() => {
                tracing::debug!(path = %e.path().display(), "skipped: not a JSON or gzip file name");
            }
            Ok(_) => {}
        }
    }
}
