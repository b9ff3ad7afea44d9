//! The Code Spaces ending: one actor deleting many data and backup resources in
//! a short time (snapshots, volumes, AMIs, RDS instances, clusters and
//! snapshots, S3 buckets, DynamoDB tables and backups, AWS Backup recovery
//! points and vaults). Counts distinct resources across calls, services and
//! regions against the `mass_deletion` threshold (default 10 in 10 minutes).
//! `DeleteObjects` is left out: it is far too common.
//!
//! Fires once per actor per window: a spree longer than the window may raise one
//! finding per window it spans.
//!
//! Fixtures: `fixtures/rules/corr-mass-deletion/` (positive: snapshots, an AMI,
//! RDS snapshots, a bucket and a backup vault, 10 resources in 7 minutes;
//! negatives: a cleanup job deleting 9 snapshots, and a role session deleting
//! 12 recovery points spread over hours).

use super::common;
use crate::config::Config;
use crate::engine::Fact;
use crate::finding::{Response, Severity};
use crate::record::Event;
use crate::rules::json::{field, text};
use crate::rules::util::contain;
use crate::rules::{Correlated, CorrelationRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "corr-mass-deletion",
    title: "Mass deletion of data and backups by one actor",
    severity: Severity::Critical,
    mitre: &["T1485", "T1490"],
    description: "One actor deleted at least mass_deletion.count data or backup resources \
                  (snapshots, volumes, AMIs, RDS databases and snapshots, S3 buckets, DynamoDB \
                  tables and backups, AWS Backup recovery points and vaults) within \
                  mass_deletion.window. This is how Code Spaces ended: an intruder deleting the \
                  data and its backups.",
    remediation: "Quarantine the actor now, before more is deleted. List what was deleted, check \
                  which copies still exist (other regions, other accounts, vault lock), protect \
                  what remains (deletion protection, AWS Backup vault lock) and review what else \
                  the actor did.",
    response: Response::Quarantine,
    kind: RuleKind::Correlation,
    events: &[
        "DeleteSnapshot",
        "DeleteVolume",
        "DeregisterImage",
        "DeleteDBInstance",
        "DeleteDBCluster",
        "DeleteDBSnapshot",
        "DeleteDBClusterSnapshot",
        "DeleteBucket",
        "DeleteTable",
        "DeleteBackup",
        "DeleteRecoveryPoint",
        "DeleteBackupVault",
    ],
    about_failures: false,
};

const DELETE: &str = "delete";

fn resources(f: &Fact) -> &[String] {
    &f.resources
}

/// The first non-empty text among `keys` of the request.
fn first(req: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| text(field(req, k)))
        .filter(|s| !s.trim().is_empty())
}

/// `id` itself when it is an ARN, else `prefix` + `id`.
fn arn_or(id: String, prefix: String) -> String {
    if id.starts_with("arn:") {
        id
    } else {
        format!("{prefix}{id}")
    }
}

/// The ARN (or id) of the data resource a deletion call removes.
pub(crate) fn deleted(
    source: &str,
    name: &str,
    region: &str,
    acct: &str,
    req: &Value,
) -> Option<String> {
    let rds = format!("arn:aws:rds:{region}:{acct}:");
    let id = |keys: &[&str]| first(req, keys);
    match (source, name) {
        ("ec2.amazonaws.com", "DeleteSnapshot") => {
            id(&["snapshotId"]).map(|i| arn_or(i, format!("arn:aws:ec2:{region}::snapshot/")))
        }
        ("ec2.amazonaws.com", "DeleteVolume") => {
            id(&["volumeId"]).map(|i| arn_or(i, format!("arn:aws:ec2:{region}:{acct}:volume/")))
        }
        ("ec2.amazonaws.com", "DeregisterImage") => {
            id(&["imageId"]).map(|i| arn_or(i, format!("arn:aws:ec2:{region}::image/")))
        }
        ("rds.amazonaws.com", "DeleteDBInstance") => id(&[
            "dBInstanceIdentifier",
            "dbInstanceIdentifier",
            "DBInstanceIdentifier",
        ])
        .map(|i| arn_or(i, format!("{rds}db:"))),
        ("rds.amazonaws.com", "DeleteDBCluster") => id(&[
            "dBClusterIdentifier",
            "dbClusterIdentifier",
            "DBClusterIdentifier",
        ])
        .map(|i| arn_or(i, format!("{rds}cluster:"))),
        ("rds.amazonaws.com", "DeleteDBSnapshot") => id(&[
            "dBSnapshotIdentifier",
            "dbSnapshotIdentifier",
            "DBSnapshotIdentifier",
        ])
        .map(|i| arn_or(i, format!("{rds}snapshot:"))),
        ("rds.amazonaws.com", "DeleteDBClusterSnapshot") => id(&[
            "dBClusterSnapshotIdentifier",
            "dbClusterSnapshotIdentifier",
            "DBClusterSnapshotIdentifier",
        ])
        .map(|i| arn_or(i, format!("{rds}cluster-snapshot:"))),
        ("s3.amazonaws.com", "DeleteBucket") => {
            id(&["bucketName"]).map(|i| arn_or(i, "arn:aws:s3:::".to_owned()))
        }
        ("dynamodb.amazonaws.com", "DeleteTable") => id(&["tableName"])
            .map(|i| arn_or(i, format!("arn:aws:dynamodb:{region}:{acct}:table/"))),
        ("dynamodb.amazonaws.com", "DeleteBackup") => id(&["backupArn"])
            .map(|i| arn_or(i, format!("arn:aws:dynamodb:{region}:{acct}:backup/"))),
        ("backup.amazonaws.com", "DeleteRecoveryPoint") => {
            let vault = id(&["backupVaultName"]).unwrap_or_default();
            id(&["recoveryPointArn"]).map(|i| arn_or(i, format!("{vault}/")))
        }
        ("backup.amazonaws.com", "DeleteBackupVault") => id(&["backupVaultName"])
            .map(|i| arn_or(i, format!("arn:aws:backup:{region}:{acct}:backup-vault:"))),
        _ => None,
    }
}

fn report(found: &[&Fact], w: i64, cfg: &Config) -> Correlated {
    let lead = found[0];
    let last = found.iter().map(|f| f.time).max().unwrap_or(lead.time);
    let mut ids: Vec<String> = found
        .iter()
        .flat_map(|f| f.resources.iter().cloned())
        .collect();
    ids.sort();
    ids.dedup();
    let regions = common::unique(found.iter().map(|f| f.region.clone()));
    let calls = common::unique(found.iter().map(|f| f.event_name.clone()));
    let who = lead.actor.key();
    let summary = format!(
        "{who} deleted {} data or backup resources ({}) with {} in {} {}; {} now, then check \
         which copies of the data still exist and protect them (deletion protection, vault lock)",
        ids.len(),
        common::list(&ids, 5),
        common::list(&calls, 4),
        common::list(&regions, 3),
        common::span_text(lead.time, last),
        contain(cfg, &lead.actor, &who),
    );
    let finding = common::finding(&META, lead, found, ids, summary);
    let claim = common::claim_key(&META, &[&lead.group]);
    common::correlated(finding, found, claim, w)
}

impl CorrelationRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn facts(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Fact>) {
        let r = ev.record;
        if !META.events.contains(&r.name()) {
            return;
        }
        let req: Value = r.request().unwrap_or(Value::Null);
        let Some(res) = deleted(r.source(), r.name(), r.region(), r.account(), &req) else {
            return;
        };
        let Some(actor) = common::principal(ev) else {
            return;
        };
        out.push(common::fact(
            &META,
            actor,
            DELETE,
            ev,
            res.clone(),
            vec![res],
        ));
    }

    fn window(&self, cfg: &Config) -> i64 {
        cfg.threshold("mass_deletion").window
    }

    fn check(&self, new: &Fact, group: &[Fact], cfg: &Config) -> Option<Correlated> {
        let t = cfg.threshold("mass_deletion");
        let found = common::burst(new, group, DELETE, t.window, t.min_len(), resources)?;
        Some(report(&found, t.window, cfg))
    }
}

#[cfg(test)]
mod tests {
    use super::deleted;
    use crate::rules::correlation::tests::{findings, iam_user, record};
    use serde_json::json;

    const ID: &str = "corr-mass-deletion";

    fn delete_snapshot(n: u32, t: &str, who: &str, id: &str) -> String {
        record(
            n,
            t,
            "ec2.amazonaws.com",
            "DeleteSnapshot",
            &iam_user(who),
            json!({"requestParameters": {"snapshotId": id}}),
        )
    }

    #[test]
    fn resource_names() {
        let d = |s: &str, n: &str, req: serde_json::Value| {
            deleted(s, n, "us-east-1", "111122223333", &req)
        };
        assert_eq!(
            d(
                "rds.amazonaws.com",
                "DeleteDBInstance",
                json!({"dBInstanceIdentifier": "prod"})
            ),
            Some("arn:aws:rds:us-east-1:111122223333:db:prod".into())
        );
        assert_eq!(
            d(
                "s3.amazonaws.com",
                "DeleteBucket",
                json!({"bucketName": "b"})
            ),
            Some("arn:aws:s3:::b".into())
        );
        assert_eq!(
            d(
                "backup.amazonaws.com",
                "DeleteRecoveryPoint",
                json!({"backupVaultName": "v",
                "recoveryPointArn": "arn:aws:ec2:us-east-1::snapshot/snap-1"})
            ),
            Some("arn:aws:ec2:us-east-1::snapshot/snap-1".into())
        );
        assert_eq!(
            d(
                "s3.amazonaws.com",
                "DeleteObjects",
                json!({"bucketName": "b"})
            ),
            None
        );
        assert_eq!(d("ec2.amazonaws.com", "DeleteSnapshot", json!({})), None);
        assert_eq!(
            d(
                "ec2.amazonaws.com",
                "DeleteSnapshot",
                serde_json::Value::Null
            ),
            None
        );
    }

    #[test]
    fn repeats_and_two_actors_do_not_add_up() {
        let same: Vec<String> = (0..12)
            .map(|n| {
                delete_snapshot(
                    n,
                    &format!("2026-11-16T03:10:{:02}Z", n * 3),
                    "ops",
                    "snap-0aaaaaaaaaaaaaaa1",
                )
            })
            .collect();
        assert!(findings(ID, &same).is_empty());
        let split: Vec<String> = (0..10)
            .map(|n| {
                let who = if n % 2 == 0 { "ops" } else { "dev" };
                delete_snapshot(
                    n,
                    &format!("2026-11-16T03:1{n}:00Z"),
                    who,
                    &format!("snap-0b{n}"),
                )
            })
            .collect();
        assert!(findings(ID, &split).is_empty());
        let joint: Vec<String> = (0..10)
            .map(|n| {
                delete_snapshot(
                    n,
                    &format!("2026-11-16T03:10:{:02}Z", n * 5),
                    "ops",
                    &format!("snap-0b{n}"),
                )
            })
            .collect();
        assert_eq!(findings(ID, &joint).len(), 1);
    }
}
