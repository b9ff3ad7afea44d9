//! A break-glass identity used: it exists for emergencies, so every sign-in and
//! every change it makes should reach a person, even inside a change window and
//! with MFA. The engine never quarantines it (its response is always `alert`).
//!
//! Catches a successful `ConsoleLogin` of a principal listed in
//! `principals.break_glass`, and its write calls (reads are left out: a console
//! session makes dozens). AWS services acting for it are not counted.
//!
//! Fixtures: `fixtures/rules/signin-break-glass-used/` (positive: the break-glass
//! user signs in with MFA and deactivates a compromised key; negatives: the same
//! login and reads by an ordinary user, and the break-glass user's reads).

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Text};
use crate::rules::correlation::common::reads_by_name;
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "signin-break-glass-used",
    title: "Break-glass identity used",
    severity: Severity::High,
    mitre: &["T1078.004"],
    description: "A principal listed as break-glass signed in to the console or made a change. \
                  Break-glass credentials are for emergencies only; any use is either an incident \
                  being handled or the credentials in the wrong hands.",
    remediation: "Confirm with the incident lead that the break-glass identity is in use for a \
                  declared emergency. If not: reset its password and MFA, delete any access keys, \
                  and review everything it did. After a legitimate use, rotate its credentials.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &[],
    about_failures: false,
};

#[derive(Deserialize)]
struct LoginData<'a> {
    #[serde(borrow, default, rename = "MFAUsed")]
    mfa_used: Option<Text<'a>>,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        let a = ev.actor();
        let Some(arn) = a.arn.as_deref() else {
            return;
        };
        if !cfg.is_break_glass(arn) || a.invoked_by.is_some() {
            return;
        }
        let from = a.source_ip.as_deref().unwrap_or("an unknown address");
        let summary = if r.name() == "ConsoleLogin" {
            let used = r.additional::<LoginData>().and_then(|d| d.mfa_used);
            let mfa = if used.is_some_and(|m| m.as_str() == "Yes") {
                "with MFA"
            } else {
                "without MFA"
            };
            format!(
                "break-glass identity {arn} signed in to the console {mfa} from {from}; confirm an emergency is \
                 declared and who holds it, and rotate its password and MFA once it is over"
            )
        } else if !r.is_read_only() && !reads_by_name(r.name()) {
            format!(
                "break-glass identity {arn} called {} from {from}; confirm an emergency is declared and who \
                 holds it, and rotate its credentials once it is over",
                r.name()
            )
        } else {
            return;
        };
        out.push(Finding::for_event(&META, ev, vec![arn.to_owned()], summary));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn run(json: &str, cfg: &Config) -> Vec<Finding> {
        let r: Record = serde_json::from_str(json).unwrap();
        let ev = Event::new(&r, 0);
        let mut out = Vec::new();
        Rule.evaluate(&ev, cfg, &mut out);
        out
    }

    #[test]
    fn only_listed_principals_and_not_services_acting_for_them() {
        let cfg = Config::parse(
            "[principals]\nbreak_glass = [\"arn:aws:iam::111122223333:role/BreakGlass*\"]",
        )
        .unwrap();
        let by = |extra: &str| {
            format!(
                r#"{{"eventVersion":"1.09","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/BreakGlassAdmin/jo","accountId":"111122223333","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::111122223333:role/BreakGlassAdmin"}}}}{extra}}},"eventTime":"2026-11-17T22:40:00Z","eventSource":"iam.amazonaws.com","eventName":"DeleteUser","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.8","requestParameters":{{"userName":"x"}},"eventID":"e1","readOnly":false,"recipientAccountId":"111122223333"}}"#
            )
        };
        let f = run(&by(""), &cfg);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].resources,
            vec!["arn:aws:iam::111122223333:role/BreakGlassAdmin"]
        );
        assert!(run(&by(r#","invokedBy":"cloudformation.amazonaws.com""#), &cfg).is_empty());
        assert!(run(&by(""), &Config::default()).is_empty());
    }
}
