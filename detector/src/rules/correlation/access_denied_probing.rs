//! A burst of denied IAM, STS or Organizations write calls by one actor: someone
//! testing what a stolen credential is allowed to do (privilege discovery before
//! escalation). Counts denied calls (`AccessDenied`, `AccessDeniedException`,
//! `UnauthorizedOperation`, `Client.UnauthorizedOperation`) against the
//! `access_denied_burst` threshold (default 5 in 10 minutes). Denied reads do not
//! count: consoles and SDKs stumble on those all day.
//!
//! Fixtures: `fixtures/rules/corr-access-denied-probing/` (positive: five denied
//! escalation attempts in three minutes; negative: four denials, and denied reads).

use super::common;
use crate::config::Config;
use crate::engine::Fact;
use crate::finding::{Response, Severity};
use crate::record::{Event, Text};
use crate::rules::util::iam_target;
use crate::rules::{Correlated, CorrelationRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "corr-access-denied-probing",
    title: "Burst of denied IAM write calls (credential probing)",
    severity: Severity::Medium,
    mitre: &["T1580", "T1087.004"],
    description:
        "One actor had at least access_denied_burst.count IAM, STS or Organizations write \
                  calls denied within access_denied_burst.window. An attacker holding a stolen key \
                  tries privilege-escalation calls to learn what it can do.",
    remediation:
        "Ask the credential's owner whether they made these calls. If not, deactivate the \
                  access key or revoke the session, and review everything it did succeed at.",
    response: Response::Alert,
    kind: RuleKind::Correlation,
    events: &[],
    about_failures: true,
};

const DENIED: &str = "denied";

const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
];

/// STS calls that hand out credentials (CloudTrail marks some read-only).
const STS_WRITES: &[&str] = &[
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "AssumeRoot",
    "GetFederationToken",
    "GetSessionToken",
];

/// A write call on IAM, STS or Organizations.
fn is_probed_write(ev: &Event) -> bool {
    let r = ev.record;
    match r.source() {
        "sts.amazonaws.com" => STS_WRITES.contains(&r.name()),
        "iam.amazonaws.com" | "organizations.amazonaws.com" => {
            !r.is_read_only() && !common::reads_by_name(r.name())
        }
        _ => false,
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Assume<'a> {
    #[serde(borrow, default)]
    role_arn: Option<Text<'a>>,
}

/// The principal the denied call was aimed at (user, role, group, or role to assume).
fn attempted(ev: &Event) -> Option<String> {
    let iam = iam_target(ev).principal_arn(ev.record.account());
    iam.or_else(|| {
        let a: Assume = ev.record.request()?;
        a.role_arn
            .filter(|r| !r.is_empty())
            .map(|r| r.as_str().to_owned())
    })
}

fn event_id(f: &Fact) -> &[String] {
    std::slice::from_ref(&f.event_id)
}

fn report(found: &[&Fact], w: i64) -> Correlated {
    let lead = found[0];
    let last = found.iter().map(|f| f.time).max().unwrap_or(lead.time);
    let calls = common::unique(common::in_order(found).iter().map(|f| f.event_name.clone()));
    let keys = common::unique(found.iter().filter_map(|f| f.actor.access_key_id.clone()));
    let who = lead.actor.key();
    let with_key = match keys.as_slice() {
        [] => String::new(),
        k => format!(" (access key {})", common::list(k, 3)),
    };
    let summary = format!(
        "{who}{with_key} was denied {} IAM/STS write calls {} ({}): someone may be probing what a stolen \
         credential can do; confirm with its owner, else deactivate the key and review its successful calls",
        found.len(),
        common::span_text(lead.time, last),
        common::list(&calls, 5),
    );
    let resources = found
        .iter()
        .flat_map(|f| f.resources.iter().cloned())
        .collect();
    let finding = common::finding(&META, lead, found, resources, summary);
    let claim = common::claim_key(&META, &[&lead.group]);
    common::correlated(finding, found, claim, w)
}

impl CorrelationRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn facts(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Fact>) {
        let code = ev.record.error_code();
        if code.is_empty() || !DENIED_CODES.contains(&code) || !is_probed_write(ev) {
            return;
        }
        let Some(actor) = common::principal(ev) else {
            return;
        };
        let target = attempted(ev);
        let label = target.clone().unwrap_or_else(|| ev.name().to_owned());
        out.push(common::fact(
            &META,
            actor,
            DENIED,
            ev,
            label,
            target.into_iter().collect(),
        ));
    }

    fn window(&self, cfg: &Config) -> i64 {
        cfg.threshold("access_denied_burst").window
    }

    fn check(&self, new: &Fact, group: &[Fact], cfg: &Config) -> Option<Correlated> {
        let t = cfg.threshold("access_denied_burst");
        let found = common::burst(new, group, DENIED, t.window, t.min_len(), event_id)?;
        Some(report(&found, t.window))
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::correlation::tests::{findings, iam_user, record};
    use serde_json::json;

    const ID: &str = "corr-access-denied-probing";

    fn denied(n: u32, who: &str, source: &str, name: &str, code: &str) -> String {
        let t = format!("2026-11-19T04:1{}:00Z", n % 10);
        record(
            n,
            &t,
            source,
            name,
            &iam_user(who),
            json!({"errorCode": code, "errorMessage": "not authorized",
            "requestParameters": {"userName": "x"}}),
        )
    }

    #[test]
    fn counts_per_actor_and_only_denials() {
        let mixed: Vec<String> = (0..6)
            .map(|n| {
                denied(
                    n,
                    if n % 2 == 0 { "a" } else { "b" },
                    "iam.amazonaws.com",
                    "CreateUser",
                    "AccessDenied",
                )
            })
            .collect();
        assert!(findings(ID, &mixed).is_empty(), "three each");
        let other: Vec<String> = (0..6)
            .map(|n| {
                denied(
                    n,
                    "a",
                    "iam.amazonaws.com",
                    "CreateUser",
                    "EntityAlreadyExists",
                )
            })
            .collect();
        assert!(findings(ID, &other).is_empty(), "not denials");
        let ec2: Vec<String> = (0..6)
            .map(|n| {
                denied(
                    n,
                    "a",
                    "ec2.amazonaws.com",
                    "RunInstances",
                    "Client.UnauthorizedOperation",
                )
            })
            .collect();
        assert!(findings(ID, &ec2).is_empty(), "not IAM");
        let org: Vec<String> = (0..5)
            .map(|n| match n {
                0 | 1 => denied(
                    n,
                    "a",
                    "organizations.amazonaws.com",
                    "LeaveOrganization",
                    "AccessDeniedException",
                ),
                _ => denied(n, "a", "iam.amazonaws.com", "CreateUser", "AccessDenied"),
            })
            .collect();
        let f = findings(ID, &org);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].event_ids.len(), 5);
        assert_eq!(f[0].resources, vec!["arn:aws:iam::111122223333:user/x"]);
        assert!(
            f[0].summary.contains("LeaveOrganization, CreateUser"),
            "{}",
            f[0].summary
        );
    }
}
