//! One actor reading many different secrets in a short time: credential
//! harvesting after a takeover (Stratus `secretsmanager-retrieve-secrets`,
//! `secretsmanager-batch-retrieve-secrets`, `ssm-retrieve-securestring-parameters`,
//! `ec2-get-password-data`).
//!
//! Counts DISTINCT secrets across `GetSecretValue`, `BatchGetSecretValue`,
//! `GetParameter(s)` / `GetParametersByPath` with `withDecryption`, and
//! `GetPasswordData` (see [`super::reads`]): a service re-reading its own few
//! secrets all day never adds up. Fires on any of
//! - `secrets_harvesting.count` distinct items within `secrets_harvesting.window` (high when that many were
//!   retrieved; medium when it takes denied or failed attempts to get there:
//!   attempts show intent, and stolen credentials often lack the permission, as
//!   in the Stratus `ec2-get-password-data` detonation, so this rule reads
//!   failed calls too);
//! - [`PAGES`] filtered `BatchGetSecretValue` calls with the same filter from one
//!   session within [`PAGE_SPAN`]: CloudTrail does not name the secrets a
//!   filtered call returns (nor its page token), but pages fetched back to back
//!   mean the filter matched more than fit in one call;
//! - one successful query that selects everything: a filter made only of
//!   negations (`tag-key = !tagKeyThatWillNeverExist`) or
//!   `GetParametersByPath` on `/` recursively, with decryption.
//!
//! Calls an AWS service makes for the actor (`invokedBy`, or a service as the
//! source address: CloudFormation dynamic references, ECS secret injection) are
//! not counted. Fires once per actor per window.
//!
//! Fixtures: `fixtures/rules/secrets-harvesting/`.

use super::reads::{reads, Read};
use crate::config::Config;
use crate::engine::Fact;
use crate::finding::{Response, Severity};
use crate::record::Event;
use crate::rules::correlation::common;
use crate::rules::util::contain;
use crate::rules::{Correlated, CorrelationRule, RuleKind, RuleMeta};

pub struct Rule;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "secrets-harvesting",
    title: "Many secrets read by one actor",
    severity: Severity::High,
    mitre: &["T1555.006", "T1552"],
    description: "One actor read many different Secrets Manager secrets, SSM SecureString \
                  parameters or EC2 Windows passwords within a few minutes, or selected all of them \
                  with a catch-all query. Applications read the same few secrets again and again; \
                  an intruder with stolen credentials reads everything it can reach.",
    remediation: "Confirm with the owner of the actor whether a job was expected to read these \
                  secrets. If not, treat every secret it read as exposed: rotate them and the \
                  credentials they hold, quarantine the actor, and review what it did next with \
                  what it read.",
    response: Response::Alert,
    kind: RuleKind::Correlation,
    events: &[
        "GetSecretValue",
        "BatchGetSecretValue",
        "GetParameter",
        "GetParameters",
        "GetParametersByPath",
        "GetPasswordData",
    ],
    about_failures: true,
};

/// The `secrets_harvesting` threshold (default 15 distinct items in 10
/// minutes: above one full `GetParameters` call (10 names) plus a few secrets,
/// which applications do at start-up).
fn threshold(cfg: &Config) -> (usize, i64) {
    let t = cfg.threshold("secrets_harvesting");
    (t.min_len(), t.window)
}
/// Filtered `BatchGetSecretValue` calls, same filter and session, within [`PAGE_SPAN`].
pub const PAGES: usize = 3;
/// Seconds within which those calls are pages of one listing.
pub const PAGE_SPAN: i64 = 60;

/// Named items; `count` is how many were retrieved (0: the call was denied or failed).
const READ: &str = "read";
/// One filtered `BatchGetSecretValue` page; `target` is the filter.
const PAGE: &str = "page";
/// One successful query selecting everything; `target` is the selector.
const ALL: &str = "everything";

fn keys(f: &Fact) -> &[String] {
    &f.resources
}

impl CorrelationRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn facts(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Fact>) {
        let a = ev.actor();
        if a.invoked_by.is_some() || a.ip().is_service() {
            return;
        }
        let (Some(group), Some(read)) = (common::principal(ev), reads(ev)) else {
            return;
        };
        let failed = ev.record.failed();
        match read {
            Read::Items(items) => {
                let Some(first) = items.first().cloned() else {
                    return;
                };
                let mut f = common::fact(&META, group, READ, ev, first, Vec::new());
                f.count = if failed {
                    0
                } else {
                    u32::try_from(items.len()).unwrap_or(u32::MAX)
                };
                f.resources = items;
                out.push(f);
            }
            Read::Query {
                selector,
                everything,
                resource,
            } if !failed => {
                let kind = if everything { ALL } else { PAGE };
                out.push(common::fact(
                    &META,
                    group,
                    kind,
                    ev,
                    selector,
                    vec![resource],
                ));
            }
            Read::Query { .. } => {}
        }
    }

    fn window(&self, cfg: &Config) -> i64 {
        threshold(cfg).1
    }

    fn check(&self, new: &Fact, group: &[Fact], cfg: &Config) -> Option<Correlated> {
        let (found, summary, severity) = match new.kind.as_str() {
            ALL => (vec![new], everything_summary(new, cfg), Severity::High),
            PAGE => {
                let found = pages(new, group)?;
                let s = pages_summary(&found, cfg);
                (found, s, Severity::High)
            }
            READ => {
                let (count, window) = threshold(cfg);
                let found = common::burst(new, group, READ, window, count, keys)?;
                let (s, severity) = items_summary(&found, cfg);
                (found, s, severity)
            }
            _ => return None,
        };
        let lead = found[0];
        let mut resources = common::unique(found.iter().flat_map(|f| f.resources.iter().cloned()));
        resources.truncate(common::MAX_EVENTS);
        let finding =
            common::finding(&META, lead, &found, resources, summary).with_severity(severity);
        let claim = common::claim_key(&META, &[&lead.group]);
        Some(common::correlated(finding, &found, claim, threshold(cfg).1))
    }
}

/// The pages of `new`'s filtered listing (same filter and session) within
/// [`PAGE_SPAN`] of each other, if there are at least [`PAGES`].
fn pages<'g>(new: &Fact, group: &'g [Fact]) -> Option<Vec<&'g Fact>> {
    let mut v: Vec<&Fact> = group
        .iter()
        .filter(|f| f.kind == PAGE && f.target == new.target)
        .filter(|f| f.actor.access_key_id == new.actor.access_key_id)
        .collect();
    v.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
    let mut j = 0;
    for i in 0..v.len() {
        let end = v[i].time.saturating_add(PAGE_SPAN);
        while j < v.len() && v[j].time <= end {
            j += 1;
        }
        if v[i].time <= new.time && new.time <= end && j.saturating_sub(i) >= PAGES {
            return v.get(i..j).map(<[&Fact]>::to_vec);
        }
    }
    None
}

/// `12 Secrets Manager secrets and 3 SSM SecureString parameters`.
fn what(keys: &[String]) -> String {
    let secrets = keys
        .iter()
        .filter(|k| k.contains(":secretsmanager:"))
        .count();
    let params = keys.iter().filter(|k| k.contains(":ssm:")).count();
    let passwords = keys.len() - secrets - params;
    let plural = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let mut parts = Vec::new();
    if secrets > 0 {
        parts.push(plural(secrets, "Secrets Manager secret"));
    }
    if params > 0 {
        parts.push(plural(params, "SSM SecureString parameter"));
    }
    if passwords > 0 {
        parts.push(plural(passwords, "EC2 instance password"));
    }
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.join(""),
    }
}

/// Short names for a summary: the secret or parameter name, or the instance id.
fn short(key: &str) -> String {
    match key
        .split_once(":secret:")
        .or_else(|| key.split_once(":parameter/"))
    {
        Some((_, name)) if key.contains(":parameter/") => format!("/{name}"),
        Some((_, name)) => name.to_owned(),
        None => key.to_owned(),
    }
}

fn span(found: &[&Fact]) -> String {
    let first = found.iter().map(|f| f.time).min().unwrap_or_default();
    let last = found.iter().map(|f| f.time).max().unwrap_or_default();
    common::span_text(first, last)
}

fn items_summary(found: &[&Fact], cfg: &Config) -> (String, Severity) {
    let all = common::unique(found.iter().flat_map(|f| f.resources.iter().cloned()));
    let got = common::unique(
        found
            .iter()
            .filter(|f| f.count > 0)
            .flat_map(|f| f.resources.iter().cloned()),
    );
    let lead = found[0];
    let who = lead.actor.key();
    let contain = contain(cfg, &lead.actor, &who);
    let names =
        |keys: &[String]| common::list(&keys.iter().map(|k| short(k)).collect::<Vec<_>>(), 5);
    let span = span(found);
    if got.len() >= threshold(cfg).0 {
        let s = format!(
            "{who} retrieved {} in account {} ({}) {span}: treat them as exposed, and unless a known job reads them, rotate them and {contain}",
            what(&got),
            lead.account,
            names(&got)
        );
        return (s, Severity::High);
    }
    let denied = found.iter().filter(|f| f.count == 0).count();
    let rotate = match got.len() {
        0 => String::new(),
        n => format!(", and rotate the {n} it did read"),
    };
    let s = format!(
        "{who} tried to retrieve {} in account {} ({}) {span}, with {denied} calls denied or failed: stolen credentials hunting for secrets look like this; find where {who} is used from and, unless a known job explains it, {contain}{rotate}",
        what(&all),
        lead.account,
        names(&all)
    );
    (s, Severity::Medium)
}

fn pages_summary(found: &[&Fact], cfg: &Config) -> String {
    let lead = found[0];
    let who = lead.actor.key();
    let contain = contain(cfg, &lead.actor, &who);
    format!(
        "{who} paged through Secrets Manager with BatchGetSecretValue, {} calls filtered by {} from one session in account {}, {} {}: every secret matching the filter is exposed; unless a known job reads them, rotate them and {contain}",
        found.len(),
        lead.target,
        lead.account,
        lead.region,
        span(found)
    )
}

fn everything_summary(f: &Fact, cfg: &Config) -> String {
    let who = f.actor.key();
    let contain = contain(cfg, &f.actor, &who);
    let store = if f.event_name == "GetParametersByPath" {
        "SSM SecureString parameter"
    } else {
        "Secrets Manager secret"
    };
    format!(
        "{who} retrieved every {store} it can read in account {}, {} with one catch-all {} call ({}): treat them all as exposed; unless a known job does this, rotate them and {contain}",
        f.account, f.region, f.event_name, f.target
    )
}
