//! A risky console login followed by IAM changes from the same principal: the
//! account-takeover moment (phished password, then keys, users and policies).
//!
//! A `GetFederationToken` counts as a login of the IAM user that calls it (the
//! token is typically turned into a console session; its calls are grouped with
//! that user). Risky means a successful `ConsoleLogin` without MFA (`MFAUsed: "No"`, for IAM
//! users and root; federated sign-ins do MFA at their identity provider and always
//! say "No"), or from a source address the principal had not used in the previous
//! [`HISTORY`] while it had used another one (the first sight of a principal is
//! not a new address). It must be followed within the `login_then_takeover`
//! window by IAM writes of the same principal, not counting the self-service
//! calls of a first sign-in (password change, MFA enrolment) nor service-linked
//! role creation.
//!
//! Facts, grouped by principal ARN (session ARN for role sessions, whose role is
//! shared by many people; the minting IAM user for `GetFederationToken` sessions,
//! so a stolen key turned into a console session is judged by that user's history): `ip` (target = address, one per address and day,
//! keeping the earliest time), `login` / `login-nomfa` (target = address), `write`.
//! IAM users, root and Identity Center users feed address history from every
//! record; other role sessions only from their console logins, so automation
//! stays cheap. One finding per login.
//!
//! Known limit: history that arrives after the login it should excuse (days-old
//! records delivered late) cannot withdraw a finding already made.
//!
//! Fixtures: `fixtures/rules/corr-login-then-takeover/` (positive: no-MFA login
//! then CreateAccessKey; known-MFA user signing in from a new address then
//! CreateUser; negative: MFA login from a known address then writes, no-MFA login
//! followed only by reads, first-ever login; a federation token minted from a new
//! address and used in the console to set another user's password, and the same
//! from the user's usual address).

use super::common;
use crate::config::Config;
use crate::engine::Fact;
use crate::finding::{Response, Severity};
use crate::record::{opt_str, Event, Record, SourceIp, Text};
use crate::rules::util::{contain, iam_target};
use crate::rules::{Correlated, CorrelationRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "corr-login-then-takeover",
    title: "Risky console login followed by IAM changes",
    severity: Severity::High,
    mitre: &["T1078.004", "T1098"],
    description: "A console sign-in without MFA, or from an address the principal had not used \
                  before, was followed within the login_then_takeover window by IAM write calls \
                  from the same principal: a stolen password being turned into lasting access.",
    remediation: "Confirm with the principal's owner. If they did not do this: quarantine the \
                  principal, reset its password and MFA, delete keys created since the login, and \
                  sweep for users, roles and policies changed since.",
    response: Response::Quarantine,
    kind: RuleKind::Correlation,
    events: &[],
    about_failures: false,
};

/// How long an address counts as known after its last use (30 days).
pub const HISTORY: i64 = 30 * 24 * 3600;
/// One `ip` fact per address and bucket: the history stays fresh in the store.
const BUCKET: i64 = 24 * 3600;

const IP: &str = "ip";
const LOGIN: &str = "login";
const LOGIN_NO_MFA: &str = "login-nomfa";
const WRITE: &str = "write";

/// Writes that are not a takeover by themselves: what a first sign-in does to its
/// own user, and service-linked roles the console creates as services are opened.
const NOT_TAKEOVER: &[&str] = &[
    "ChangePassword",
    "CreateVirtualMFADevice",
    "EnableMFADevice",
    "ResyncMFADevice",
    "CreateServiceLinkedRole",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// People: every record feeds address history.
    Everything,
    /// Role sessions that may be automation: only console logins and IAM writes.
    Sessions,
}

fn scope(r: &Record) -> Option<Scope> {
    match r.identity_type() {
        "IAMUser" | "Root" | "IdentityCenterUser" => Some(Scope::Everything),
        "AssumedRole" => {
            let arn = r
                .user_identity
                .as_ref()
                .map(|u| opt_str(&u.arn))
                .unwrap_or("");
            Some(if arn.contains(":assumed-role/AWSReservedSSO_") {
                Scope::Everything
            } else {
                Scope::Sessions
            })
        }
        "FederatedUser" | "SAMLUser" => Some(Scope::Sessions),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
struct LoginData<'a> {
    #[serde(borrow, default, rename = "MFAUsed")]
    mfa_used: Option<Text<'a>>,
}

fn is_iam_write(r: &Record) -> bool {
    let name = r.name();
    r.source() == "iam.amazonaws.com"
        && !r.is_read_only()
        && !common::reads_by_name(name)
        && !NOT_TAKEOVER.contains(&name)
}

/// A federation token (GetFederationToken) session is the IAM user that minted it:
/// its calls are judged against that user's addresses, not as a first-seen session.
fn minted_by_user(ev: &Event) -> bool {
    ev.record.identity_type() == "FederatedUser"
        && ev
            .actor()
            .arn
            .as_deref()
            .is_some_and(|arn| arn.contains(":user/"))
}

fn group_of(ev: &Event) -> Option<String> {
    let a = ev.actor();
    let per_session =
        !matches!(ev.record.identity_type(), "IAMUser" | "Root") && !minted_by_user(ev);
    let g = if per_session {
        a.session_arn.clone().or_else(|| a.arn.clone())
    } else {
        a.arn.clone()
    };
    g.filter(|g| !g.is_empty())
}

fn login_kind(ev: &Event) -> &'static str {
    let r = ev.record;
    let mfa_applies = matches!(r.identity_type(), "IAMUser" | "Root");
    let no_mfa = r
        .additional::<LoginData>()
        .and_then(|d| d.mfa_used)
        .is_some_and(|m| m.as_str() == "No");
    if mfa_applies && no_mfa {
        LOGIN_NO_MFA
    } else {
        LOGIN
    }
}

/// Why login `l` is risky, if it is.
fn risk(l: &Fact, group: &[Fact]) -> Option<String> {
    let mut why = Vec::new();
    if l.kind == LOGIN_NO_MFA {
        why.push("without MFA".to_owned());
    }
    let history: Vec<&Fact> = group
        .iter()
        .filter(|f| f.kind == IP && f.time < l.time && f.time >= l.time - HISTORY)
        .collect();
    let known = history.iter().any(|f| f.target == l.target);
    if !known
        && matches!(SourceIp::parse(&l.target), SourceIp::Ip(_))
        && history.iter().any(|f| f.target != l.target)
    {
        why.push(format!(
            "from {}, an address it had not used in the previous 30 days",
            l.target
        ));
    }
    (!why.is_empty()).then(|| why.join(" and "))
}

/// Logins whose pattern the new fact may complete.
fn candidates<'g>(new: &Fact, group: &'g [Fact], t: i64) -> Vec<&'g Fact> {
    let mut v: Vec<&Fact> = group
        .iter()
        .filter(|l| l.kind == LOGIN || l.kind == LOGIN_NO_MFA)
        .filter(|l| match new.kind.as_str() {
            WRITE => l.time <= new.time && new.time <= l.time + t,
            IP => new.time < l.time && l.time - new.time <= HISTORY,
            _ => l.identity() == new.identity(),
        })
        .collect();
    v.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
    v
}

fn report(l: &Fact, writes: &[&Fact], why: &str, w: i64, cfg: &Config) -> Correlated {
    let mut involved = vec![l];
    involved.extend_from_slice(writes);
    let ordered = common::in_order(&involved);
    let last = ordered.last().map(|f| f.time).unwrap_or(l.time);
    let calls = common::unique(
        common::in_order(writes)
            .iter()
            .map(|f| f.event_name.clone()),
    );
    let who = l.actor.key();
    let summary = format!(
        "{who} {} at {} {why}, and {} made IAM changes ({}); if its owner did not, \
         {}, reset its password and MFA and delete keys created since",
        if l.event_name == "GetFederationToken" {
            "obtained a federation token"
        } else {
            "signed in to the console"
        },
        common::at(l.time),
        common::span_text(l.time, last),
        common::list(&calls, 5),
        contain(cfg, &l.actor, "it"),
    );
    // What the writes changed; the principal itself when they named nothing else.
    let mut resources: Vec<String> = writes
        .iter()
        .flat_map(|f| f.resources.iter().cloned())
        .collect();
    if resources.is_empty() {
        resources.extend(l.actor.arn.clone());
    }
    let finding = common::finding(&META, l, &ordered, resources, summary);
    let anchor = if l.event_id.is_empty() {
        l.time.to_string()
    } else {
        l.event_id.clone()
    };
    let claim = common::claim_key(&META, &[&l.group, &anchor]);
    common::correlated(finding, &ordered, claim, w)
}

impl CorrelationRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn facts(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Fact>) {
        let r = ev.record;
        let Some(scope) = scope(r) else {
            return;
        };
        // Minting a federation token is the sign-in of its session (which then goes to
        // the console): that session's own ConsoleLogin only adds to the address history.
        let login = match r.name() {
            "ConsoleLogin" => r.identity_type() != "FederatedUser" || !minted_by_user(ev),
            "GetFederationToken" => r.source() == "sts.amazonaws.com",
            _ => false,
        };
        let write = !login && is_iam_write(r);
        if scope == Scope::Sessions && !login && !write {
            return;
        }
        let ip = match SourceIp::parse(opt_str(&r.source_ip_address)) {
            SourceIp::Ip(ip) => Some(ip.to_string()),
            _ => None,
        };
        if ip.is_none() && !login && !write {
            return;
        }
        let Some(group) = group_of(ev) else {
            return;
        };
        if let Some(ip) = &ip {
            let mut f = common::fact(&META, group.clone(), IP, ev, ip.clone(), vec![]);
            f.event_id = format!("{}seen-day:{}", Fact::DERIVED, ev.time.div_euclid(BUCKET));
            out.push(f);
        }
        if login {
            let target = ip.unwrap_or_else(|| opt_str(&r.source_ip_address).to_owned());
            out.push(common::fact(
                &META,
                group,
                login_kind(ev),
                ev,
                target,
                vec![],
            ));
        } else if write {
            let principal = iam_target(ev).principal_arn(r.account());
            let target = principal.clone().unwrap_or_else(|| r.name().to_owned());
            out.push(common::fact(
                &META,
                group,
                WRITE,
                ev,
                target,
                principal.into_iter().collect(),
            ));
        }
    }

    fn window(&self, cfg: &Config) -> i64 {
        HISTORY + cfg.threshold("login_then_takeover").window
    }

    /// An address fact matters only to logins after it (within [`HISTORY`]);
    /// in time order there are none, so the history is not loaded for it.
    fn trigger_range(&self, new: &Fact, cfg: &Config) -> (i64, i64) {
        if new.kind == IP {
            (new.time, new.time + HISTORY)
        } else {
            let w = self.window(cfg);
            (new.time - w, new.time + w)
        }
    }

    fn triggered(&self, new: &Fact, near: &[Fact]) -> bool {
        new.kind != IP
            || near
                .iter()
                .any(|l| (l.kind == LOGIN || l.kind == LOGIN_NO_MFA) && l.time > new.time)
    }

    fn check(&self, new: &Fact, group: &[Fact], cfg: &Config) -> Option<Correlated> {
        let t = cfg.threshold("login_then_takeover").window;
        for l in candidates(new, group, t) {
            let Some(why) = risk(l, group) else {
                continue;
            };
            let writes: Vec<&Fact> = group
                .iter()
                .filter(|f| f.kind == WRITE && f.time >= l.time && f.time <= l.time + t)
                .collect();
            if !writes.is_empty() {
                return Some(report(l, &writes, &why, self.window(cfg), cfg));
            }
        }
        None
    }
}

#[cfg(test)]
#[path = "login_then_takeover_tests.rs"]
mod tests;
