//! SSH public keys, service-specific credentials and signing certificates on
//! IAM users, listed for review: rarely needed, rarely watched, and each one a
//! credential that survives a password or access-key reset.
//!
//! Severity: low when active, info when inactive. Fixtures:
//! `fixtures/inventory/clean.json` (an inactive CodeCommit SSH key, info).

use super::{finding, PostureRule};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::inventory::{Inventory, Status, User};
use crate::record::ActorKind;
use crate::rules::{RuleKind, RuleMeta};

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "posture-ssh-and-service-credentials",
    title: "SSH keys, service-specific credentials or signing certificates present",
    severity: Severity::Low,
    mitre: &["T1098.001"],
    description: "An IAM user has an SSH public key (CodeCommit), a service-specific credential \
                  or a signing certificate. Listed for review: each is a credential outside \
                  the usual access-key and password checks.",
    remediation: "Delete the credential unless its owner still needs it.",
    response: Response::Alert,
    kind: RuleKind::Posture,
    events: &[],
    about_failures: false,
};

fn push(inv: &Inventory, u: &User, what: String, id: &str, status: Status, out: &mut Vec<Finding>) {
    let sev = if status == Status::Active {
        Severity::Low
    } else {
        Severity::Info
    };
    let summary = format!(
        "IAM user {} has {what} {id} ({status:?}); review it and delete it if unneeded",
        u.name
    );
    let res = vec![id.to_owned(), u.arn.clone()];
    out.push(finding(&META, inv, (&u.arn, ActorKind::IAMUser), res, summary).with_severity(sev));
}

impl PostureRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, inv: &Inventory, _cfg: &Config, out: &mut Vec<Finding>) {
        for u in &inv.users {
            for k in &u.ssh_public_keys {
                push(inv, u, "SSH public key".into(), &k.id, k.status, out);
            }
            for c in &u.service_credentials {
                let what = format!("a service-specific credential for {}", c.service_name);
                push(inv, u, what, &c.id, c.status, out);
            }
            for c in &u.signing_certificates {
                push(inv, u, "signing certificate".into(), &c.id, c.status, out);
            }
        }
    }
}
