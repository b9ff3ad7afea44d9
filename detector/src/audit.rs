//! The live-account audit behind `scan`, `snapshot` and `sweep`: takes the
//! inventory through [`crate::aws`], fetches the CloudTrail look-back, and
//! joins both to the pure parts (posture rules, event rules, sweep diff and
//! attribution). The clock stays with the caller: `now` is a parameter.
//!
//! Layout: [`take_inventory`] (IAM + EC2), [`lookback_regions`] and
//! [`trail_events`] (look-back records into sweep attribution events),
//! [`scan_findings`] (posture + event findings in one deterministic list).

use crate::aws::iam::Depth;
use crate::aws::{self, Aws, Identity, Progress};
use crate::engine::finalise;
use crate::finding::Finding;
use crate::inventory::Inventory;
use crate::record::{Event, Record, Timestamp};
use crate::{posture, Config};

pub use crate::posture::DAY;
/// CloudTrail `LookupEvents` keeps 90 days.
pub const MAX_LOOKBACK_DAYS: u32 = 90;
/// IAM, STS and sign-in events are delivered to this region.
pub const GLOBAL_EVENTS_REGION: &str = "us-east-1";

/// The account's inventory at `now`: IAM always, EC2 in `regions` (every
/// enabled region when `None`) unless `ec2` is false. Failed calls are in
/// `gaps`; only a missing identity is fatal, and that was checked before.
pub async fn take_inventory(
    aws: &Aws,
    who: &Identity,
    now: Timestamp,
    regions: Option<&[String]>,
    ec2: bool,
    depth: Depth,
    progress: &dyn Progress,
) -> Inventory {
    let mut inv = Inventory {
        account_id: who.account.clone(),
        taken_at: now,
        ..Inventory::default()
    };
    aws::iam::inventory(aws, &mut inv, depth, progress).await;
    if ec2 {
        progress.stage("EC2: instances and key pairs", 0);
        let (instances, key_pairs, gaps) = aws::ec2::inventory(aws, regions).await;
        inv.instances = instances;
        inv.key_pairs = key_pairs;
        inv.gaps.extend(aws::merge_gaps(gaps));
    }
    inv.normalise();
    inv
}

/// Regions to look back in: the global-events region and the home region.
pub fn lookback_regions(home: &str) -> Vec<String> {
    let mut v = vec![GLOBAL_EVENTS_REGION.to_owned()];
    if home != GLOBAL_EVENTS_REGION && !home.is_empty() {
        v.push(home.to_owned());
    }
    v
}

/// The start of a look-back of `days` (at most [`MAX_LOOKBACK_DAYS`]) before `now`.
pub fn lookback_start(now: Timestamp, days: u32) -> Timestamp {
    now - i64::from(days.min(MAX_LOOKBACK_DAYS)) * DAY
}

/// A look-back event for sweep attribution, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailEventOwned {
    pub name: String,
    pub target: String,
    pub actor: String,
    pub time: Timestamp,
}

/// Successful write events of the look-back, one per thing each names
/// (user, role, group, policy, key, device, provider ...), for
/// [`crate::inventory::diff::attribute`]. Unreadable records are skipped.
pub fn trail_events(records: &[String]) -> Vec<TrailEventOwned> {
    let mut out = Vec::new();
    for raw in records {
        let Ok(rec) = serde_json::from_str::<Record<'_>>(raw) else {
            continue;
        };
        let Some(time) = rec.time() else { continue };
        if rec.failed() || rec.is_read_only() {
            continue;
        }
        let ev = Event::new(&rec, time);
        let actor = ev.actor().arn.clone().unwrap_or_default();
        for target in targets(&rec) {
            out.push(TrailEventOwned {
                name: rec.name().to_owned(),
                target,
                actor: actor.clone(),
                time,
            });
        }
    }
    out
}

/// Names an event's request and response give for what it created or changed.
fn targets(rec: &Record<'_>) -> Vec<String> {
    const FIELDS: &[&str] = &[
        "userName",
        "roleName",
        "groupName",
        "policyArn",
        "policyName",
        "accessKeyId",
        "serialNumber",
        "openIDConnectProviderArn",
        "sAMLProviderArn",
        "sSHPublicKeyId",
        "certificateId",
        "serviceSpecificCredentialId",
        "keyName",
        "keyPairId",
        "instanceId",
        "arn",
    ];
    let mut out = Vec::new();
    let req: Option<serde_json::Value> = rec.request();
    let resp: Option<serde_json::Value> = rec.response();
    for v in [req, resp].into_iter().flatten() {
        collect(&v, FIELDS, &mut out, 0);
    }
    out.sort();
    out.dedup();
    out
}

fn collect(v: &serde_json::Value, fields: &[&str], out: &mut Vec<String>, depth: usize) {
    if depth > 6 {
        return;
    }
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match x {
                    serde_json::Value::String(s) if fields.contains(&k.as_str()) => {
                        out.push(s.clone());
                    }
                    _ => collect(x, fields, out, depth + 1),
                }
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                collect(x, fields, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Posture findings over `inv` and the event findings of the look-back, in
/// one deterministic list.
pub fn scan_findings(inv: &Inventory, cfg: &Config, events: Vec<Finding>) -> Vec<Finding> {
    let mut all = posture::evaluate(inv, cfg);
    all.extend(events);
    finalise(&mut all);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookback_covers_global_and_home_region() {
        assert_eq!(lookback_regions("us-east-1"), vec!["us-east-1"]);
        assert_eq!(
            lookback_regions("eu-west-1"),
            vec!["us-east-1", "eu-west-1"]
        );
        assert_eq!(lookback_start(100 * DAY, 7), 93 * DAY);
        assert_eq!(lookback_start(200 * DAY, 400), 110 * DAY);
    }

    #[test]
    fn trail_events_name_what_was_created_by_whom() {
        let rec = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"eventTime":"2026-11-20T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","requestParameters":{"userName":"bob"},"responseElements":{"accessKey":{"userName":"bob","accessKeyId":"AKIAEXAMPLE1","status":"Active"}},"eventID":"e1","readOnly":false}"#;
        let failed = rec.replace(
            "\"eventID\":\"e1\"",
            "\"eventID\":\"e2\",\"errorCode\":\"AccessDenied\"",
        );
        let read = rec.replace("\"readOnly\":false", "\"readOnly\":true");
        let got = trail_events(&[rec.to_owned(), failed, read, "not json".into()]);
        let targets: Vec<&str> = got.iter().map(|e| e.target.as_str()).collect();
        assert_eq!(targets, vec!["AKIAEXAMPLE1", "bob"]);
        assert!(got
            .iter()
            .all(|e| e.actor.ends_with("user/alice") && e.name == "CreateAccessKey"));
    }
}
