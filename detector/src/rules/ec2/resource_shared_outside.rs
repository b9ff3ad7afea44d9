//! Snapshots and images shared outside the organization: the quiet way to copy
//! a disk or a database out of the account (Stratus `ec2-share-ebs-snapshot`,
//! `ec2-share-ami`, `rds-share-snapshot`).
//!
//! Reads the permissions *added* by `ModifySnapshotAttribute`
//! (`createVolumePermission.add`, or the legacy `operationType: add` with user
//! ids / groups), `ModifyImageAttribute` (`launchPermission.add`), and RDS
//! `ModifyDBSnapshotAttribute` / `ModifyDBClusterSnapshotAttribute`
//! (`attributeName: restore`, `valuesToAdd`). Critical when made public (group
//! or value `all`); high for an account that is neither the event's account nor
//! in `principals.trusted_accounts`; medium for an AWS Organization or OU whose
//! management account is not trusted (it may be your own organization: trust
//! its management account to silence it). Removals and trusted accounts are not
//! reported.
//!
//! Fixtures: `fixtures/rules/ec2-resource-shared-outside/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Record};
use crate::rules::json::{field, is_account_id, items, list_some, path, text};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "ec2-resource-shared-outside",
    title: "Snapshot or image shared outside the organization",
    severity: Severity::High,
    mitre: &["T1537"],
    description: "An EBS snapshot, AMI or RDS snapshot was made public or shared with an account \
                  that is not trusted. The other account can copy the data at leisure; the copy \
                  leaves no trace in this account.",
    remediation: "Remove the permission at once, find out what the snapshot or image contains \
                  (secrets, customer data), and treat it as disclosed if the other account may \
                  already have copied it. Quarantine the actor if the share is unexplained.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[
        "ModifySnapshotAttribute",
        "ModifyImageAttribute",
        "ModifyDBSnapshotAttribute",
        "ModifyDBClusterSnapshotAttribute",
    ],
    about_failures: false,
};

/// Who a permission was granted to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Grantee {
    Public,
    Account(String),
    /// An AWS Organization or OU ARN.
    Org(String),
}

/// What was shared.
struct Target {
    kind: &'static str,
    id: String,
    arn: String,
    /// CLI command that removes the accounts (`{v}`).
    undo: String,
    /// CLI command that makes it private again.
    undo_public: String,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        let req: Value = r.request().unwrap_or(Value::Null);
        let Some((target, grantees)) = parse(r, &req) else {
            return;
        };
        let own = r.account();
        let outside: Vec<Grantee> = grantees
            .into_iter()
            .filter(|g| match g {
                Grantee::Public => true,
                Grantee::Account(a) => is_account_id(a) && !cfg.is_trusted_account(a, own),
                Grantee::Org(arn) => {
                    let mgmt = arn.split(':').nth(4).unwrap_or("");
                    !cfg.is_trusted_account(mgmt, own)
                }
            })
            .collect();
        if outside.is_empty() {
            return;
        }
        let (severity, whom, values) = describe(&outside);
        let what = format!("{} {}", target.kind, target.id);
        let action = match severity {
            Severity::Critical => format!("made {what} public"),
            _ => format!("shared {what} {whom}"),
        };
        let undo = match severity {
            Severity::Critical => target.undo_public.clone(),
            Severity::High => target.undo.replace("{v}", &values.join(" ")),
            _ => "remove the organization from its permissions".to_owned(),
        };
        let summary = format!(
            "{} {action} (account {own}, {}); remove it ({undo}) and find out what it holds: treat it as copied if the share is unexplained",
            ev.actor().key(),
            r.region(),
        );
        out.push(Finding::for_event(&META, ev, vec![target.arn], summary).with_severity(severity));
    }
}

/// Severity, the phrase naming the grantees, and the account ids to remove.
fn describe(outside: &[Grantee]) -> (Severity, String, Vec<String>) {
    let pick = |want_org: bool| -> Vec<String> {
        outside
            .iter()
            .filter_map(|g| match g {
                Grantee::Account(a) if !want_org => Some(a.clone()),
                Grantee::Org(o) if want_org => Some(o.clone()),
                _ => None,
            })
            .collect()
    };
    if outside.contains(&Grantee::Public) {
        return (Severity::Critical, "with everyone".to_owned(), vec![]);
    }
    let accounts = pick(false);
    if !accounts.is_empty() {
        return (
            Severity::High,
            format!("with outside account(s) {}", list_some(&accounts, 5)),
            accounts,
        );
    }
    let orgs = pick(true);
    (
        Severity::Medium,
        format!("with untrusted organization(s) {}", list_some(&orgs, 3)),
        orgs,
    )
}

/// The shared resource and every grantee added, or `None` for other calls.
fn parse(r: &Record, req: &Value) -> Option<(Target, Vec<Grantee>)> {
    let region = r.region();
    let id_of = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| text(field(req, k)))
            .unwrap_or_else(|| "(unknown)".to_owned())
    };
    match (r.source(), r.name()) {
        ("ec2.amazonaws.com", "ModifySnapshotAttribute") => {
            let id = id_of(&["snapshotId"]);
            let t = Target {
                kind: "EBS snapshot",
                arn: format!("arn:aws:ec2:{region}::snapshot/{id}"),
                undo: format!("aws ec2 modify-snapshot-attribute --snapshot-id {id} --attribute createVolumePermission --operation-type remove --user-ids {{v}}"),
                undo_public: format!("aws ec2 modify-snapshot-attribute --snapshot-id {id} --attribute createVolumePermission --operation-type remove --group-names all"),
                id,
            };
            Some((t, ec2_grantees(req, "createVolumePermission")))
        }
        ("ec2.amazonaws.com", "ModifyImageAttribute") => {
            let id = id_of(&["imageId"]);
            let t = Target {
                kind: "AMI",
                arn: format!("arn:aws:ec2:{region}::image/{id}"),
                undo: format!("aws ec2 modify-image-attribute --image-id {id} --attribute launchPermission --operation-type remove --user-ids {{v}}"),
                undo_public: format!("aws ec2 modify-image-attribute --image-id {id} --attribute launchPermission --operation-type remove --user-groups all"),
                id,
            };
            Some((t, ec2_grantees(req, "launchPermission")))
        }
        (
            "rds.amazonaws.com",
            name @ ("ModifyDBSnapshotAttribute" | "ModifyDBClusterSnapshotAttribute"),
        ) => {
            let cluster = name == "ModifyDBClusterSnapshotAttribute";
            let id = if cluster {
                id_of(&[
                    "dBClusterSnapshotIdentifier",
                    "dbClusterSnapshotIdentifier",
                    "DBClusterSnapshotIdentifier",
                ])
            } else {
                id_of(&[
                    "dBSnapshotIdentifier",
                    "dbSnapshotIdentifier",
                    "DBSnapshotIdentifier",
                ])
            };
            rds_target(r, req, id, cluster)
        }
        _ => None,
    }
}

fn rds_target(
    r: &Record,
    req: &Value,
    id: String,
    cluster: bool,
) -> Option<(Target, Vec<Grantee>)> {
    if !text(field(req, "attributeName")).is_some_and(|a| a.eq_ignore_ascii_case("restore")) {
        return None;
    }
    let (kind, res, cmd, flag) = if cluster {
        (
            "RDS cluster snapshot",
            "cluster-snapshot",
            "modify-db-cluster-snapshot-attribute",
            "--db-cluster-snapshot-identifier",
        )
    } else {
        (
            "RDS snapshot",
            "snapshot",
            "modify-db-snapshot-attribute",
            "--db-snapshot-identifier",
        )
    };
    let arn = if id.starts_with("arn:") {
        id.clone()
    } else {
        format!("arn:aws:rds:{}:{}:{res}:{id}", r.region(), r.account())
    };
    let grantees = items(field(req, "valuesToAdd"))
        .into_iter()
        .filter_map(|v| text(Some(v)))
        .map(|v| {
            if v.eq_ignore_ascii_case("all") {
                Grantee::Public
            } else {
                Grantee::Account(v)
            }
        })
        .collect();
    let undo =
        format!("aws rds {cmd} {flag} {id} --attribute-name restore --values-to-remove {{v}}");
    let undo_public = undo.replace("{v}", "all");
    Some((
        Target {
            kind,
            id,
            arn,
            undo,
            undo_public,
        },
        grantees,
    ))
}

/// Grantees added to an EC2 permission attribute, in either request shape.
fn ec2_grantees(req: &Value, perm_key: &str) -> Vec<Grantee> {
    let mut out: Vec<Grantee> = items(path(req, &[perm_key, "add"]))
        .into_iter()
        .filter_map(item_grantee)
        .collect();
    let legacy_add =
        text(field(req, "operationType")).is_some_and(|o| o.eq_ignore_ascii_case("add"));
    if legacy_add {
        for key in ["userId", "userIds"] {
            for v in items(field(req, key)) {
                out.extend(
                    text(Some(v))
                        .map(Grantee::Account)
                        .or_else(|| item_grantee(v)),
                );
            }
        }
        for key in ["userGroup", "userGroups", "groupName", "groupNames"] {
            for v in items(field(req, key)) {
                let g = text(Some(v)).or_else(|| text(field(v, "group")));
                out.extend(
                    g.filter(|g| g.eq_ignore_ascii_case("all"))
                        .map(|_| Grantee::Public),
                );
            }
        }
    }
    out
}

/// One `{"userId"}`, `{"group"}`, `{"organizationArn"}` or `{"organizationalUnitArn"}` item.
fn item_grantee(item: &Value) -> Option<Grantee> {
    if let Some(g) = text(field(item, "group")) {
        return g.eq_ignore_ascii_case("all").then_some(Grantee::Public);
    }
    if let Some(u) = text(field(item, "userId")) {
        return Some(Grantee::Account(u));
    }
    text(field(item, "organizationArn"))
        .or_else(|| text(field(item, "organizationalUnitArn")))
        .map(Grantee::Org)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grantee_shapes() {
        let v = json!({"createVolumePermission":{"add":{"items":[{"userId":"999988887777"},{"group":"all"}]}}});
        assert_eq!(
            ec2_grantees(&v, "createVolumePermission"),
            vec![Grantee::Account("999988887777".into()), Grantee::Public]
        );
        let v = json!({"createVolumePermission":{"remove":{"items":[{"userId":"999988887777"}]}}});
        assert!(ec2_grantees(&v, "createVolumePermission").is_empty());
        let v = json!({"attributeType":"CREATE_VOLUME_PERMISSION","operationType":"add","userIds":{"items":[{"userId":"999988887777"}]},"userGroups":["all"]});
        assert_eq!(
            ec2_grantees(&v, "createVolumePermission"),
            vec![Grantee::Account("999988887777".into()), Grantee::Public]
        );
        let v = json!({"operationType":"remove","userIds":["999988887777"]});
        assert!(ec2_grantees(&v, "createVolumePermission").is_empty());
        let v = json!({"launchPermission":{"add":{"items":[{"organizationArn":"arn:aws:organizations::999988887777:organization/o-abc"}]}}});
        assert_eq!(ec2_grantees(&v, "launchPermission").len(), 1);
    }

    #[test]
    fn severities() {
        assert_eq!(
            describe(&[Grantee::Public, Grantee::Account("999988887777".into())]).0,
            Severity::Critical
        );
        assert_eq!(
            describe(&[Grantee::Account("999988887777".into())]).0,
            Severity::High
        );
        assert_eq!(
            describe(&[Grantee::Org(
                "arn:aws:organizations::999988887777:organization/o-abc".into()
            )])
            .0,
            Severity::Medium
        );
    }
}
