//! A console password set for somebody else: `CreateLoginProfile` gives a user
//! (often a key-only service user) a console password the caller knows;
//! `UpdateLoginProfile` resets another user's password, taking over their
//! console access and locking them out (Stratus `iam-create-user-login-profile`,
//! `iam-update-user-login-profile`).
//!
//! Catches both calls when `requestParameters.userName` names a user other than
//! the caller ([`super::common::other_user`]). A user changing its own password
//! (`UpdateLoginProfile` for itself, or `ChangePassword`) is not caught.
//!
//! Two deliberate differences from Panther's login-profile rules:
//! - a role session whose session name equals the user name still counts as
//!   "other": the session name is picked by whoever assumed the role;
//! - `passwordResetRequired: true` does not suppress the finding: whoever set
//!   the temporary password can perform the reset themselves. It is named in the
//!   summary, since a help-desk reset looks like this.
//!
//! Fixtures: `fixtures/rules/iam-login-profile-for-other-user/` (positives: a
//! password created for a service user, a password reset by a role session;
//! negatives: a user updating its own login profile, `ChangePassword`).

use super::common::{other_user, who, IAM};
use crate::config::Config;
use crate::finding::{Finding, Response, Severity};
use crate::record::{Event, Flag, Text};
use crate::rules::util::{contain, user_arn};
use crate::rules::{EventRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

static META: RuleMeta = RuleMeta {
    id: "iam-login-profile-for-other-user",
    title: "Console password created or reset for another IAM user",
    severity: Severity::High,
    mitre: &["T1098.001"],
    description: "A principal created or reset the console password of an IAM user other than \
                  itself. The caller knows the new password and can sign in as that user; on a \
                  reset, the real owner is locked out.",
    remediation:
        "Ask the target user's owner whether they asked for it. If not: delete or reset the \
                  login profile, quarantine the caller, and review the target user's console \
                  sign-ins and actions since.",
    response: Response::Alert,
    kind: RuleKind::Event,
    events: &["CreateLoginProfile", "UpdateLoginProfile"],
    about_failures: false,
};

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Req<'a> {
    #[serde(borrow, default)]
    user_name: Option<Text<'a>>,
    #[serde(default)]
    password_reset_required: Flag,
}

impl EventRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, ev: &Event, cfg: &Config, out: &mut Vec<Finding>) {
        if ev.record.source() != IAM {
            return;
        }
        let req: Req = ev.record.request().unwrap_or_default();
        let Some(target) = other_user(ev, &req.user_name) else {
            return;
        };
        let did = if ev.name() == "CreateLoginProfile" {
            "created a console password"
        } else {
            "reset the console password"
        };
        let reset = if req.password_reset_required.0 == Some(true) {
            " (reset required at next sign-in, which whoever set it can do)"
        } else {
            ""
        };
        let summary = format!(
            "{} {did} for IAM user {target}{reset}; unless the user's owner asked for it, delete or reset its login \
             profile, {} and review the user's console sign-ins since",
            who(ev),
            contain(cfg, ev.actor(), "the caller")
        );
        let arn = user_arn(ev.record.account(), target);
        out.push(Finding::for_event(&META, ev, vec![arn], summary));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testing::*;
    use super::*;

    #[test]
    fn session_named_like_the_user_still_counts() {
        let json = by(
            ROLE_SESSION,
            IAM,
            "UpdateLoginProfile",
            r#""requestParameters":{"userName":"alice","passwordResetRequired":true}"#,
        );
        let f = run(&Rule, &json, &Config::default());
        assert_eq!(f.len(), 1);
        assert!(f[0].summary.contains("reset required"), "{}", f[0].summary);
        assert!(f[0]
            .summary
            .starts_with("arn:aws:sts::111122223333:assumed-role/ops/alice reset"));
    }

    #[test]
    fn own_profile_without_user_name_is_self() {
        let json = by_alice(
            IAM,
            "CreateLoginProfile",
            r#""requestParameters":{"passwordResetRequired":false}"#,
        );
        assert!(run(&Rule, &json, &Config::default()).is_empty());
    }
}
