//! Remote access pushed into an EC2 instance through its serial console
//! (Stratus `ec2-serial-console-send-ssh-public-key`):
//! - `SendSerialConsoleSSHPublicKey`: a key that opens the instance's serial
//!   console, a login that works even when security groups, network ACLs, SSH
//!   and SSM are all closed (high);
//! - `EnableSerialConsoleAccess`: the account-wide switch that makes it
//!   possible, off by default in every region (medium).
//!
//! Both are rare outside break-glass recovery of an instance that no longer
//! boots or answers on the network. Disabling the access is not reported.
//! Ordinary EC2 Instance Connect pushes (`SendSSHPublicKey`) are routine and
//! only matter when one key fans out (`ec2-ssh-key-pushed-to-many`).
//!
//! Fixtures: `fixtures/rules/ec2-instance-remote-access-pushed/`.

use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::Event;
use crate::rules::ec2::ssh_key_pushed_to_many::pushed_key;
use crate::rules::json::{field, text};
use crate::rules::util::contain;
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde_json::Value;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "ec2-instance-remote-access-pushed",
    title: "EC2 serial console access opened or used",
    severity: Severity::High,
    mitre: &["T1021.008", "T1098.004"],
    description: "An SSH key was pushed to an EC2 instance's serial console, or serial console \
                  access was enabled for the account and region. The serial console reaches the \
                  instance below its network: security groups, network ACLs and a closed SSH port \
                  do not stop it.",
    remediation:
        "Ask the actor's owner whether an instance was being recovered. If not, quarantine \
                  the actor, check the instance for new users, keys and processes, and turn the \
                  access off again (aws ec2 disable-serial-console-access).",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["SendSerialConsoleSSHPublicKey", "EnableSerialConsoleAccess"],
    about_failures: false,
};

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        let r = ev.record;
        let who = ev.actor().key();
        let contain = contain(cfg, ev.actor(), &who);
        match (r.source(), r.name()) {
            ("ec2-instance-connect.amazonaws.com", "SendSerialConsoleSSHPublicKey") => {
                let Some((id, label)) = pushed_key(ev) else {
                    return;
                };
                let req: Value = r.request().unwrap_or(Value::Null);
                let port = text(field(&req, "serialPort")).unwrap_or_else(|| "0".to_owned());
                let key = label.map(|l| format!(" ({l})")).unwrap_or_default();
                let summary = format!(
                    "{who} pushed an SSH key{key} to the serial console of EC2 instance {id} (port {port}) in account {}, {}: that login bypasses security groups and the network; unless the instance is being recovered, {contain}, check {id} for new users, keys and processes, and run aws ec2 disable-serial-console-access",
                    r.account(),
                    r.region()
                );
                out.push(Finding::for_event(&META, ev, vec![id], summary));
            }
            ("ec2.amazonaws.com", "EnableSerialConsoleAccess") => {
                let resp: Value = r.response().unwrap_or(Value::Null);
                let state = field(&resp, "EnableSerialConsoleAccessResponse").unwrap_or(&resp);
                if text(field(state, "serialConsoleAccessEnabled")).is_some_and(|s| s == "false") {
                    return;
                }
                let summary = format!(
                    "{who} enabled EC2 serial console access for every instance in account {}, {}: anyone allowed to push a serial console key can now log in below the network; unless an instance is being recovered, run aws ec2 disable-serial-console-access and ask {who}'s owner why",
                    r.account(),
                    r.region()
                );
                let f = Finding::for_event(&META, ev, vec![r.account().to_owned()], summary);
                out.push(f.with_severity(Severity::Medium));
            }
            _ => {}
        }
    }
}
