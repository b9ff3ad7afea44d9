//! An account taken out of its AWS Organization: it escapes the
//! organization's SCPs, organization trail and delegated security services.
//!
//! Catches `LeaveOrganization` (critical, quarantine) and, as an attempt,
//! a denied `LeaveOrganization` (high, alert: the Stratus
//! `organizations-leave` detonation is denied by SCP, and the attempt alone
//! shows intent); `RemoveAccountFromOrganization` from the management account
//! (high): a member released from the SCPs and organization trail.
//!
//! Fixtures: `fixtures/rules/logging-organization-left/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Text};
use crate::rules::util::contain;
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "logging-organization-left",
    title: "Account left or was removed from its AWS Organization",
    severity: Severity::Critical,
    mitre: &["T1666"],
    description:
        "An account left its AWS Organization, tried to, or was removed from it. Outside the \
                  organization its SCPs, organization CloudTrail trail and delegated GuardDuty and \
                  Security Hub no longer apply, so an intruder can act unrestricted and unseen.",
    remediation: "Quarantine the actor, re-invite the account into the organization from the \
                  management account, and review everything done in the account since. Deny \
                  organizations:LeaveOrganization in an SCP on every member account.",
    response: Response::Quarantine,
    kind: RuleKind::Event,
    events: &["LeaveOrganization", "RemoveAccountFromOrganization"],
    about_failures: true,
};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    account_id: Option<Text<'a>>,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        if r.source() != "organizations.amazonaws.com" {
            return;
        }
        let who = ev.actor().key();
        let contain = contain(cfg, ev.actor(), "the actor");
        let (acct, region) = (r.account(), r.region());
        let finding = match (r.name(), r.failed()) {
            ("LeaveOrganization", false) => {
                let s = format!(
                    "{who} took account {acct} out of its AWS Organization ({region}): SCPs and the organization trail no longer apply; {contain} and re-invite the account from the management account"
                );
                Finding::for_event(&META, ev, vec![acct.to_owned()], s)
            }
            ("LeaveOrganization", true) => {
                let s = format!(
                    "{who} tried to take account {acct} out of its AWS Organization ({region}) and was refused ({}); find out why this principal attempts it, and quarantine it if nobody can explain",
                    r.error_code()
                );
                let mut f = Finding::for_event(&META, ev, vec![acct.to_owned()], s)
                    .with_severity(Severity::High);
                f.response = Response::Alert;
                f
            }
            ("RemoveAccountFromOrganization", false) => {
                let req: Req = r.request().unwrap_or_default();
                let member = req
                    .account_id
                    .filter(|t| !t.is_empty())
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_else(|| "(unknown)".to_owned());
                let s = format!(
                    "{who} removed member account {member} from the AWS Organization managed by {acct}: it is no longer under the SCPs or the organization trail; confirm the removal with the account's owner and re-invite it if unplanned"
                );
                let mut f =
                    Finding::for_event(&META, ev, vec![member], s).with_severity(Severity::High);
                f.response = Response::Alert;
                f
            }
            _ => return,
        };
        out.push(finding);
    }
}
