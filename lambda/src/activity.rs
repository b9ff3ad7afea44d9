//! The actor's recent activity, for the alert's timeline: every write call
//! and sign-in by a principal (not AWS services, not read-only calls) is kept
//! a day in the table (`pk = activity#<actor>`, `sk = <time>#<event id>`),
//! so an alert on a single event still shows what its actor did before it,
//! even when those events arrived in other invocations.

use serde_json::Value;
use trailguard::finding::TimelineEntry;
use trailguard::record::{ActorKind, Event, Record, Timestamp};

/// How far back the alert's activity reaches (seconds).
pub const ACTIVITY_SECS: i64 = 24 * 3600;
/// Most entries of activity shown in an alert.
pub const ACTIVITY_SHOWN: usize = 20;
/// Most entries one document stores (a CloudTrail log file may hold
/// thousands of writes; the rest are still in the file).
pub const STORE_MAX: usize = 200;

/// One event of an actor's activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// The actor's key ([`trailguard::record::Actor::key`]).
    pub actor: String,
    pub entry: TimelineEntry,
}

/// Request fields that name what a call acted on, most telling first.
const TARGET_FIELDS: [&str; 12] = [
    "userName",
    "roleName",
    "groupName",
    "policyArn",
    "instanceId",
    "bucketName",
    "functionName",
    "name",
    "trailName",
    "detectorId",
    "keyId",
    "groupId",
];

fn target(r: &Record) -> String {
    let Some(Value::Object(req)) = r.request::<Value>() else {
        return String::new();
    };
    TARGET_FIELDS
        .iter()
        .find_map(|k| req.get(*k).and_then(Value::as_str))
        .map(|s| s.chars().take(200).collect())
        .unwrap_or_default()
}

/// The record as activity, when it is a principal's write call or sign-in.
pub fn of_record(r: &Record, time: Timestamp) -> Option<Activity> {
    // Cheap test first: most events are reads, and need no actor.
    let sign_in = r.source() == "signin.amazonaws.com";
    if r.is_read_only() && !sign_in {
        return None;
    }
    let ev = Event::new(r, time);
    let actor = ev.actor();
    if matches!(actor.kind, ActorKind::AWSService) || actor.invoked_by.is_some() {
        return None;
    }
    let mut name = r.name().to_owned();
    if !r.error_code().is_empty() {
        name = format!("{name} [{}]", r.error_code());
    }
    Some(Activity {
        actor: actor.key(),
        entry: TimelineEntry {
            time,
            event_name: name,
            event_id: r.id().to_owned(),
            target: target(r),
        },
    })
}

/// The actor's activity around `time` (a day before, a few minutes after),
/// from `stored` and this document's `local` entries: oldest first, one per
/// event, the latest [`ACTIVITY_SHOWN`].
pub fn around(
    actor: &str,
    time: Timestamp,
    local: &[Activity],
    stored: Vec<TimelineEntry>,
) -> Vec<TimelineEntry> {
    let (from, to) = window(time);
    let mut all: Vec<TimelineEntry> = stored
        .into_iter()
        .chain(
            local
                .iter()
                .filter(|a| a.actor == actor)
                .map(|a| a.entry.clone()),
        )
        .filter(|e| e.time >= from && e.time <= to)
        .collect();
    all.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
    all.dedup_by(|a, b| a.event_id == b.event_id);
    let skip = all.len().saturating_sub(ACTIVITY_SHOWN);
    all.split_off(skip)
}

/// The time range of activity shown for a finding at `time`.
pub fn window(time: Timestamp) -> (Timestamp, Timestamp) {
    (time - ACTIVITY_SECS, time + 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(text: &str) -> Record<'_> {
        serde_json::from_str(text).unwrap()
    }

    const USER: &str = r#""userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/eve"}"#;

    #[test]
    fn writes_and_sign_ins_of_principals_only() {
        let write = format!(
            r#"{{{USER},"eventSource":"iam.amazonaws.com","eventName":"CreateUser","eventID":"e1",
            "readOnly":false,"requestParameters":{{"userName":"backup"}}}}"#
        );
        let a = of_record(&rec(&write), 100).unwrap();
        assert_eq!(a.actor, "arn:aws:iam::1:user/eve");
        assert_eq!(
            (a.entry.event_name.as_str(), a.entry.target.as_str()),
            ("CreateUser", "backup")
        );
        let read = write.replace("\"readOnly\":false", "\"readOnly\":true");
        assert!(of_record(&rec(&read), 100).is_none());
        let denied = write.replace("\"eventID\"", "\"errorCode\":\"AccessDenied\",\"eventID\"");
        let d = of_record(&rec(&denied), 100).unwrap();
        assert_eq!(d.entry.event_name, "CreateUser [AccessDenied]");
        let login = format!(
            r#"{{{USER},"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventID":"e2"}}"#
        );
        assert!(of_record(&rec(&login), 100).is_some());
        let service = r#"{"userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"},
            "eventSource":"kms.amazonaws.com","eventName":"Decrypt","eventID":"e3","readOnly":false}"#;
        assert!(of_record(&rec(service), 100).is_none());
        // Garbage parameters: no target, no panic.
        let odd = write.replace(r#"{"userName":"backup"}"#, "[1,2]");
        assert_eq!(of_record(&rec(&odd), 100).unwrap().entry.target, "");
    }

    #[test]
    fn around_merges_dedups_and_keeps_the_latest() {
        let e = |t: Timestamp, id: &str| TimelineEntry {
            time: t,
            event_name: "X".into(),
            event_id: id.into(),
            target: String::new(),
        };
        let local = vec![
            Activity {
                actor: "a".into(),
                entry: e(1_000, "l1"),
            },
            Activity {
                actor: "b".into(),
                entry: e(1_000, "other"),
            },
        ];
        let stored = vec![
            e(900, "s1"),
            e(1_000, "l1"),
            e(1_000 - ACTIVITY_SECS - 1, "old"),
        ];
        let got = around("a", 1_000, &local, stored);
        let ids: Vec<&str> = got.iter().map(|x| x.event_id.as_str()).collect();
        assert_eq!(ids, vec!["s1", "l1"]);
        let many: Vec<TimelineEntry> = (0..50).map(|i| e(500 + i, &format!("m{i:02}"))).collect();
        let got = around("a", 1_000, &[], many);
        assert_eq!(got.len(), ACTIVITY_SHOWN);
        assert_eq!(got.last().unwrap().event_id, "m49");
    }
}
