//! CloudTrail stopped, deleted or narrowed: the first thing an intruder does
//! once they hold admin rights, since every other rule depends on the trail.
//!
//! Catches `StopLogging` and `DeleteTrail` (critical, quarantine),
//! `UpdateTrail` that moves delivery to another bucket, changes the KMS key or
//! turns off multi-region, global-service, organization or log-file validation
//! settings, `PutEventSelectors` whose basic or advanced selectors no longer
//! record management write events (the Stratus `cloudtrail-event-selectors`
//! shape: `includeManagementEvents: false`, `readWriteType: ReadOnly`), and
//! CloudTrail Lake `DeleteEventDataStore` / `StopEventDataStoreIngestion` (high).
//! `UpdateTrail` calls that only touch CloudWatch Logs, SNS or turn validation
//! on, and selectors keeping write management events (`All`, `WriteOnly`) are
//! not reported. (There is no `PutAdvancedEventSelectors` API: advanced
//! selectors arrive in `PutEventSelectors`.) A trail deliberately dedicated to
//! data events looks like the narrowed one; the summary says so.
//!
//! Fixtures: `fixtures/rules/logging-cloudtrail-tampered/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Flag, Record, Text};
use crate::rules::json::arn_or;
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "logging-cloudtrail-tampered",
    title: "CloudTrail logging stopped, deleted or narrowed",
    severity: Severity::Critical,
    mitre: &["T1562.008"],
    description: "A trail was stopped or deleted, its delivery or scope changed, its event selectors \
                  set to drop management write events, or a CloudTrail Lake event data store deleted \
                  or stopped. Attackers blind the audit log before acting; every other detection \
                  depends on it.",
    remediation: "Restore logging at once (start-logging, recreate the trail, restore the selectors \
                  or the event data store), then treat the actor as compromised until the change is \
                  explained: review its activity in CloudTrail event history, which keeps 90 days of \
                  management events regardless of trails.",
    response: Response::Quarantine,
    kind: RuleKind::Event,
    events: &[
        "StopLogging",
        "DeleteTrail",
        "UpdateTrail",
        "PutEventSelectors",
        "DeleteEventDataStore",
        "StopEventDataStoreIngestion",
    ],
    about_failures: false,
};

/// What the call did to the logging, and what to do about it.
struct Change {
    severity: Severity,
    response: Response,
    resource: String,
    did: String,
    next: String,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != "cloudtrail.amazonaws.com" {
            return;
        }
        let change = match r.name() {
            "StopLogging" | "DeleteTrail" => Some(stopped(r)),
            "UpdateTrail" => updated(r),
            "PutEventSelectors" => selectors(r),
            "DeleteEventDataStore" | "StopEventDataStoreIngestion" => Some(lake(r)),
            _ => None,
        };
        let Some(c) = change else {
            return;
        };
        let summary = format!(
            "{} {} (account {}, {}); {}",
            ev.actor().key(),
            c.did,
            r.account(),
            r.region(),
            c.next
        );
        let mut f =
            Finding::for_event(&META, ev, vec![c.resource], summary).with_severity(c.severity);
        f.response = c.response;
        out.push(f);
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrailReq<'a> {
    #[serde(borrow, default)]
    name: Option<Text<'a>>,
    #[serde(borrow, default)]
    trail_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    s3_bucket_name: Option<Text<'a>>,
    #[serde(borrow, default)]
    kms_key_id: Option<Text<'a>>,
    #[serde(default)]
    is_multi_region_trail: Flag,
    #[serde(default)]
    include_global_service_events: Flag,
    #[serde(default)]
    is_organization_trail: Flag,
    #[serde(default)]
    enable_log_file_validation: Flag,
    #[serde(borrow, default)]
    event_data_store: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
struct TrailResp<'a> {
    #[serde(borrow, default, rename = "trailARN")]
    trail_arn: Option<Text<'a>>,
}

/// The trail's display name and ARN.
fn trail(r: &Record, req: &TrailReq) -> (String, String) {
    let given = [&req.name, &req.trail_name]
        .into_iter()
        .flatten()
        .find(|t| !t.is_empty())
        .map(|t| t.as_str().to_owned());
    let resp_arn = r
        .response::<TrailResp>()
        .and_then(|x| x.trail_arn)
        .filter(|t| !t.is_empty())
        .map(|t| t.as_str().to_owned());
    let name = given
        .or(resp_arn.clone())
        .unwrap_or_else(|| "(unnamed)".to_owned());
    let arn = resp_arn.unwrap_or_else(|| {
        arn_or(&name, |n| {
            format!(
                "arn:aws:cloudtrail:{}:{}:trail/{n}",
                r.region(),
                r.account()
            )
        })
    });
    let short = name.rsplit('/').next().unwrap_or(&name).to_owned();
    (short, arn)
}

fn stopped(r: &Record) -> Change {
    let req: TrailReq = r.request().unwrap_or_default();
    let (name, arn) = trail(r, &req);
    let (did, next) = if r.name() == "StopLogging" {
        (
            format!("stopped logging on CloudTrail trail {name}"),
            format!("restart it now (aws cloudtrail start-logging --name {name}) and review what the actor did while it was off"),
        )
    } else {
        (
            format!("deleted CloudTrail trail {name}"),
            "recreate it (multi-region, all management events, log file validation) and review the actor's activity in CloudTrail event history".to_owned(),
        )
    };
    Change {
        severity: Severity::Critical,
        response: Response::Quarantine,
        resource: arn,
        did,
        next,
    }
}

fn updated(r: &Record) -> Option<Change> {
    let req: TrailReq = r.request()?;
    let mut why = Vec::new();
    if let Some(b) = req.s3_bucket_name.as_ref().filter(|b| !b.is_empty()) {
        why.push(format!("moved delivery to S3 bucket {b}"));
    }
    if let Some(k) = &req.kms_key_id {
        why.push(if k.is_empty() {
            "removed its KMS encryption".to_owned()
        } else {
            format!("switched its KMS key to {k}")
        });
    }
    let off = [
        (req.is_multi_region_trail, "multi-region logging"),
        (
            req.include_global_service_events,
            "global service (IAM, STS) events",
        ),
        (req.is_organization_trail, "organization-wide logging"),
        (req.enable_log_file_validation, "log file validation"),
    ];
    why.extend(
        off.iter()
            .filter(|(f, _)| f.0 == Some(false))
            .map(|(_, what)| format!("turned off {what}")),
    );
    if why.is_empty() {
        return None;
    }
    let (name, arn) = trail(r, &req);
    Some(Change {
        severity: Severity::High,
        response: Response::Alert,
        resource: arn,
        did: format!("changed CloudTrail trail {name}: {}", why.join(", ")),
        next: "restore the trail's settings, confirm any new bucket or key belongs to this organization, and confirm the change with the actor's owner".to_owned(),
    })
}

fn lake(r: &Record) -> Change {
    let req: TrailReq = r.request().unwrap_or_default();
    let id = req
        .event_data_store
        .map(|t| t.as_str().to_owned())
        .unwrap_or_else(|| "(unnamed)".to_owned());
    let arn = arn_or(&id, |n| {
        format!(
            "arn:aws:cloudtrail:{}:{}:eventdatastore/{n}",
            r.region(),
            r.account()
        )
    });
    let id = id.rsplit('/').next().unwrap_or(&id).to_owned();
    let (did, next) = if r.name() == "DeleteEventDataStore" {
        (
            format!("deleted CloudTrail Lake event data store {id}"),
            format!("restore it within its 7-day pending-deletion window (aws cloudtrail restore-event-data-store --event-data-store {arn})"),
        )
    } else {
        (
            format!("stopped ingestion into CloudTrail Lake event data store {id}"),
            format!("restart it (aws cloudtrail start-event-data-store-ingestion --event-data-store {arn})"),
        )
    };
    Change {
        severity: Severity::High,
        response: Response::Alert,
        resource: arn,
        did,
        next: format!("{next} and confirm the change with the actor's owner"),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SelectorReq<'a> {
    #[serde(borrow, default)]
    event_selectors: Option<Vec<BasicSelector<'a>>>,
    #[serde(borrow, default)]
    advanced_event_selectors: Option<Vec<AdvancedSelector<'a>>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BasicSelector<'a> {
    #[serde(borrow, default)]
    read_write_type: Option<Text<'a>>,
    #[serde(default)]
    include_management_events: Flag,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdvancedSelector<'a> {
    #[serde(borrow, default)]
    field_selectors: Option<Vec<FieldSelector<'a>>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FieldSelector<'a> {
    #[serde(borrow, default)]
    field: Option<Text<'a>>,
    #[serde(borrow, default)]
    equals: Option<Vec<Text<'a>>>,
    #[serde(borrow, default)]
    not_equals: Option<Vec<Text<'a>>>,
}

/// A basic selector records management write events (defaults: included, `All`).
fn basic_keeps_writes(s: &BasicSelector) -> bool {
    let rw = s
        .read_write_type
        .as_ref()
        .map(Text::as_str)
        .unwrap_or("All");
    s.include_management_events.0 != Some(false)
        && (rw.eq_ignore_ascii_case("All") || rw.eq_ignore_ascii_case("WriteOnly"))
}

/// An advanced selector records management write events: it selects
/// `eventCategory = Management` and does not restrict `readOnly` to true.
fn advanced_keeps_writes(s: &AdvancedSelector) -> bool {
    let fields = s.field_selectors.as_deref().unwrap_or_default();
    let has = |f: &FieldSelector, name: &str| f.field.as_ref().is_some_and(|x| x.as_str() == name);
    let values = |v: &Option<Vec<Text>>| -> Vec<String> {
        v.iter().flatten().map(|t| t.as_str().to_owned()).collect()
    };
    let is_mgmt = fields
        .iter()
        .any(|f| has(f, "eventCategory") && values(&f.equals).iter().any(|v| v == "Management"));
    let reads_only = fields.iter().any(|f| {
        let eq = values(&f.equals);
        has(f, "readOnly")
            && ((!eq.is_empty() && eq.iter().all(|v| v == "true"))
                || values(&f.not_equals).iter().any(|v| v == "false"))
    });
    is_mgmt && !reads_only
}

fn selectors(r: &Record) -> Option<Change> {
    let req: SelectorReq = r.request()?;
    let why = match (&req.event_selectors, &req.advanced_event_selectors) {
        (Some(v), _) if v.is_empty() => "removed every event selector",
        (Some(v), _) if v.iter().any(basic_keeps_writes) => return None,
        (Some(v), _)
            if v.iter()
                .all(|s| s.include_management_events.0 == Some(false)) =>
        {
            "excluded management events"
        }
        (Some(_), _) => "kept only read-only management events",
        (None, Some(v)) if v.iter().any(advanced_keeps_writes) => return None,
        (None, Some(v)) if v.is_empty() => "removed every advanced event selector",
        (None, Some(_)) => "left no advanced selector recording management write events",
        (None, None) => return None,
    };
    let tr: TrailReq = r.request().unwrap_or_default();
    let (name, arn) = trail(r, &tr);
    Some(Change {
        severity: Severity::High,
        response: Response::Alert,
        resource: arn,
        did: format!("set the event selectors of CloudTrail trail {name} so that it {why}: IAM, STS and other write calls are no longer logged there"),
        next: "restore a selector recording all management events (readWriteType All) unless this trail is meant for data events only".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(json: &str) -> Option<Change> {
        let text = format!(
            r#"{{"eventSource":"cloudtrail.amazonaws.com","eventName":"PutEventSelectors","recipientAccountId":"111122223333","awsRegion":"us-east-1","requestParameters":{json}}}"#
        );
        let r: Record = serde_json::from_str(&text).unwrap();
        selectors(&r)
    }

    #[test]
    fn basic_selectors() {
        assert!(sel(r#"{"trailName":"t","eventSelectors":[]}"#).is_some());
        assert!(sel(r#"{"trailName":"t","eventSelectors":[{"readWriteType":"ReadOnly","includeManagementEvents":true}]}"#).is_some());
        assert!(sel(r#"{"trailName":"t","eventSelectors":[{"readWriteType":"All","includeManagementEvents":false}]}"#).is_some());
        assert!(sel(r#"{"trailName":"t","eventSelectors":[{"readWriteType":"WriteOnly","includeManagementEvents":true}]}"#).is_none());
        assert!(sel(r#"{"trailName":"t","eventSelectors":[{"dataResources":[]}]}"#).is_none());
        let c = sel(r#"{"trailName":"arn:aws:cloudtrail:us-east-1:111122223333:trail/main","eventSelectors":[]}"#).unwrap();
        assert_eq!(
            c.resource,
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"
        );
        assert!(c.did.contains("trail main "), "{}", c.did);
    }

    #[test]
    fn advanced_selectors() {
        let mgmt =
            r#"{"name":"m","fieldSelectors":[{"field":"eventCategory","equals":["Management"]}]}"#;
        let reads = r#"{"name":"m","fieldSelectors":[{"field":"eventCategory","equals":["Management"]},{"field":"readOnly","equals":["true"]}]}"#;
        let data = r#"{"name":"d","fieldSelectors":[{"field":"eventCategory","equals":["Data"]},{"field":"resources.type","equals":["AWS::S3::Object"]}]}"#;
        assert!(sel(&format!(
            r#"{{"trailName":"t","advancedEventSelectors":[{mgmt},{data}]}}"#
        ))
        .is_none());
        assert!(sel(&format!(
            r#"{{"trailName":"t","advancedEventSelectors":[{reads}]}}"#
        ))
        .is_some());
        assert!(sel(&format!(
            r#"{{"trailName":"t","advancedEventSelectors":[{data}]}}"#
        ))
        .is_some());
        assert!(sel(r#"{"trailName":"t","advancedEventSelectors":[]}"#).is_some());
        assert!(sel(r#"{"trailName":"t"}"#).is_none());
    }

    #[test]
    fn update_trail_reasons() {
        let upd = |json: &str| {
            let text = format!(
                r#"{{"eventSource":"cloudtrail.amazonaws.com","eventName":"UpdateTrail","recipientAccountId":"111122223333","awsRegion":"us-east-1","requestParameters":{json}}}"#
            );
            let r: Record = serde_json::from_str(&text).unwrap();
            updated(&r).map(|c| c.did)
        };
        assert!(upd(r#"{"name":"t","cloudWatchLogsLogGroupArn":"arn:aws:logs:us-east-1:111122223333:log-group:ct"}"#).is_none());
        assert!(upd(r#"{"name":"t","enableLogFileValidation":true}"#).is_none());
        let d = upd(r#"{"name":"t","isMultiRegionTrail":false,"s3BucketName":"exfil-bucket"}"#)
            .unwrap();
        assert!(
            d.contains("exfil-bucket") && d.contains("multi-region"),
            "{d}"
        );
        assert!(
            upd(r#"{"name":"t","kmsKeyId":"arn:aws:kms:us-east-1:999988887777:key/1"}"#)
                .unwrap()
                .contains("999988887777")
        );
    }
}
