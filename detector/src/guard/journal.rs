//! The journal: one [`Entry`] per quarantine (or lockdown) with every step
//! planned, done or failed, the state before and after each, and who, when
//! and why. The AWS seam saves the entry after every step, so a run that
//! stops half-way leaves an exact record, and the next run continues it.
//!
//! Entries live in a [`JournalStore`]: [`FileJournal`] (one JSON file,
//! replaced atomically) for the CLI; the Lambda can implement the trait over
//! DynamoDB (its methods are async for that reason).

use super::state::Observed;
use super::{Step, StepStatus};
use crate::record::time::format_time;
use crate::record::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::path::{Path, PathBuf};

/// The CLI's journal file when `--journal` is not given.
pub const DEFAULT_JOURNAL: &str = "trailguard-journal.json";

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Quarantine,
    Lockdown,
}

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Steps planned; some may be done, some failed or pending (re-run to finish).
    InProgress,
    /// Every quarantine (or lockdown) step done.
    Complete,
    /// A release started and did not finish (re-run the release).
    Releasing,
    /// Released: the record of a finished quarantine.
    Released,
}

/// One quarantine or lockdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// `<target>@<started_at>`.
    pub id: String,
    pub kind: EntryKind,
    /// The target's ARN (user, role, instance), key id, or `lockdown:<account>`.
    pub target: String,
    /// `user alice`, `instance i-0abc`, ...
    pub label: String,
    pub state: EntryState,
    /// Who ran it (caller ARN).
    pub by: String,
    pub reason: String,
    pub started_at: String,
    pub updated_at: String,
    /// The options it ran with (`deny_all`, `remove_console_access`, `issued_before` ...).
    #[serde(default)]
    pub options: Value,
    /// The target as observed before the first step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<Observed>,
    pub steps: Vec<Step>,
    #[serde(default)]
    pub release_steps: Vec<Step>,
    /// One line per run: what it did, what failed.
    #[serde(default)]
    pub history: Vec<String>,
    /// Things people must do by hand (a deleted console password to re-create ...).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Entry {
    /// A new entry started at `now`.
    pub fn new(kind: EntryKind, target: &str, label: &str, by: &str, now: Timestamp) -> Entry {
        let at = format_time(now);
        Entry {
            id: format!("{target}@{at}"),
            kind,
            target: target.to_owned(),
            label: label.to_owned(),
            state: EntryState::InProgress,
            by: by.to_owned(),
            reason: String::new(),
            started_at: at.clone(),
            updated_at: at,
            options: Value::Null,
            observed: None,
            steps: Vec::new(),
            release_steps: Vec::new(),
            history: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Keeps the steps done and replaces the rest (failed, pending) by `plan`:
    /// the state before each step done stays the one seen when it ran.
    pub fn merge_plan(&mut self, plan: Vec<Step>) {
        self.steps.retain(|s| s.status == StepStatus::Done);
        self.steps.extend(plan);
    }

    /// [`Entry::merge_plan`] for the release steps.
    pub fn merge_release_plan(&mut self, plan: Vec<Step>) {
        self.release_steps.retain(|s| s.status == StepStatus::Done);
        self.release_steps.extend(plan);
    }

    /// Quarantine steps done.
    pub fn done(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Done)
            .count()
    }

    /// Not released (in progress, complete, or half released).
    pub fn is_active(&self) -> bool {
        self.state != EntryState::Released
    }

    /// Appends a history line stamped `now`.
    pub fn log(&mut self, now: Timestamp, line: impl AsRef<str>) {
        self.updated_at = format_time(now);
        self.history
            .push(format!("{} {}", self.updated_at, line.as_ref()));
    }
}

/// A journal that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("journal {path} is not a trailguard journal: {message}")]
    Corrupt { path: String, message: String },
    /// Another store's failure (a database call).
    #[error("journal: {0}")]
    Store(String),
}

/// Where entries are kept.
pub trait JournalStore: Sync {
    /// The latest entry for `target` (a target's canonical string), if any.
    fn load(
        &self,
        target: &str,
    ) -> impl Future<Output = Result<Option<Entry>, JournalError>> + Send;
    /// Inserts or replaces the entry with `entry.id`.
    fn save(&self, entry: &Entry) -> impl Future<Output = Result<(), JournalError>> + Send;
}

/// A JSON file `{"version": 1, "entries": [...]}`, replaced atomically
/// (written beside it, then renamed) on every save.
#[derive(Debug, Clone)]
pub struct FileJournal {
    path: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct JournalFile {
    version: u32,
    entries: Vec<Entry>,
}

impl FileJournal {
    pub fn new(path: impl Into<PathBuf>) -> FileJournal {
        FileJournal { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry, oldest first (an absent file has none).
    pub fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        Ok(self.read()?.entries)
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn read(&self) -> Result<JournalFile, JournalError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(JournalFile {
                    version: 1,
                    entries: Vec::new(),
                })
            }
            Err(source) => {
                return Err(JournalError::Io {
                    path: self.name(),
                    source,
                })
            }
        };
        serde_json::from_str(&text).map_err(|e| JournalError::Corrupt {
            path: self.name(),
            message: e.to_string(),
        })
    }

    fn write(&self, file: &JournalFile) -> Result<(), JournalError> {
        let io = |source| JournalError::Io {
            path: self.name(),
            source,
        };
        let text = serde_json::to_string_pretty(file).map_err(|e| JournalError::Corrupt {
            path: self.name(),
            message: e.to_string(),
        })?;
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text + "\n").map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
    }

    fn load_now(&self, target: &str) -> Result<Option<Entry>, JournalError> {
        Ok(self
            .read()?
            .entries
            .into_iter()
            .rev()
            .find(|e| e.target == target))
    }

    fn save_now(&self, entry: &Entry) -> Result<(), JournalError> {
        let mut file = self.read()?;
        file.version = 1;
        match file.entries.iter_mut().find(|e| e.id == entry.id) {
            Some(e) => *e = entry.clone(),
            None => file.entries.push(entry.clone()),
        }
        self.write(&file)
    }
}

impl JournalStore for FileJournal {
    fn load(
        &self,
        target: &str,
    ) -> impl Future<Output = Result<Option<Entry>, JournalError>> + Send {
        std::future::ready(self.load_now(target))
    }

    fn save(&self, entry: &Entry) -> impl Future<Output = Result<(), JournalError>> + Send {
        std::future::ready(self.save_now(entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    fn entry(target: &str, now: Timestamp) -> Entry {
        let mut e = Entry::new(EntryKind::Quarantine, target, "user alice", "arn:me", now);
        e.reason = "stolen key".into();
        let mut done = Step::new(
            "iam:PutUserPolicy",
            json!({"UserName": "alice"}),
            json!({"PolicyDocument": null}),
            json!({"PolicyDocument": {}}),
            "deny".into(),
        );
        done.status = StepStatus::Done;
        e.steps.push(done);
        e
    }

    #[test]
    fn entries_round_trip_through_the_file_and_the_latest_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = FileJournal::new(dir.path().join("j.json"));
        assert_eq!(block(j.load("arn:u")).expect("empty"), None);
        let first = entry("arn:u", 1_800_000_000);
        block(j.save(&first)).expect("save");
        let mut second = entry("arn:u", 1_800_000_100);
        second.state = EntryState::Complete;
        block(j.save(&second)).expect("save");
        block(j.save(&entry("arn:other", 1_800_000_200))).expect("save");
        let got = block(j.load("arn:u")).expect("load").expect("entry");
        assert_eq!(got, second);
        // Saving an entry again replaces it.
        second.log(1_800_000_300, "released");
        block(j.save(&second)).expect("save");
        assert_eq!(j.entries().expect("entries").len(), 3);
        let got = block(j.load("arn:u")).expect("load").expect("entry");
        assert_eq!(got.history.len(), 1);
        assert_eq!(got.updated_at, "2027-01-15T08:05:00Z");
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_corrupt_journal_is_an_error_not_an_empty_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("j.json");
        std::fs::write(&p, "{not json").expect("write");
        let err = block(FileJournal::new(&p).load("x")).expect_err("corrupt");
        assert!(err.to_string().contains("is not a trailguard journal"));
    }

    #[test]
    fn merging_a_new_plan_keeps_the_steps_done() {
        let mut e = entry("arn:u", 1_800_000_000);
        let mut failed = Step::new(
            "iam:UpdateAccessKey",
            json!({}),
            json!({}),
            json!({}),
            "k".into(),
        );
        failed.status = StepStatus::Failed;
        e.steps.push(failed);
        let next = Step::new("iam:TagUser", json!({}), json!({}), json!({}), "t".into());
        e.merge_plan(vec![next.clone()]);
        assert_eq!(e.steps.len(), 2);
        assert_eq!(e.steps[1], next);
        assert_eq!(e.done(), 1);
    }
}
