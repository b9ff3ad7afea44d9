//! Privilege escalation through managed policy versions: `CreatePolicyVersion`
//! with an admin document, not set as default, then `SetDefaultPolicyVersion` of
//! that version (in either arrival order). Every principal the policy is attached
//! to becomes an administrator; splitting the two calls dodges rules that only
//! look at `setAsDefault`.
//!
//! Facts are grouped by policy ARN and target the version id (from
//! `responseElements.policyVersion.versionId` and `requestParameters.versionId`).
//! Version ids are never reused within a policy, so the pair is looked for within
//! [`WINDOW`]. One finding per (policy, version).
//!
//! Fixtures: `fixtures/rules/corr-policy-version-escalation/` (positive: an admin
//! version made default ten minutes later; negative: a scoped version made default,
//! and an admin version never made default).

use super::common;
use crate::config::Config;
use crate::engine::Fact;
use crate::finding::{short_name, Response, Severity};
use crate::record::{Event, Flag, Text};
use crate::rules::policy::is_admin_text;
use crate::rules::util::contain;
use crate::rules::{Correlated, CorrelationRule, RuleKind, RuleMeta};
use serde::Deserialize;

pub struct Rule;

pub(crate) static META: RuleMeta = RuleMeta {
    id: "corr-policy-version-escalation",
    title: "Admin policy version created, then made default",
    severity: Severity::High,
    mitre: &["T1098.003", "T1548"],
    description: "A new version of a customer managed policy with an administrator document was \
                  created without being made default, and that version was then made the default \
                  version. Every principal the policy is attached to is now an administrator.",
    remediation:
        "Set the previous version back as default and delete the admin version; quarantine \
                  the principal that made the change if it was not planned, and review what the \
                  policy's principals did since.",
    response: Response::Alert,
    kind: RuleKind::Correlation,
    events: &["CreatePolicyVersion", "SetDefaultPolicyVersion"],
    about_failures: false,
};

/// How far apart the two calls may be (seven days; no threshold name yet).
pub const WINDOW: i64 = 7 * 24 * 3600;

const CREATE: &str = "create";
const DEFAULT: &str = "default";

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    #[serde(borrow, default)]
    policy_arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    policy_document: Option<Text<'a>>,
    #[serde(default)]
    set_as_default: Flag,
    #[serde(borrow, default)]
    version_id: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct VersionResponse<'a> {
    #[serde(borrow, default)]
    policy_version: Option<Version<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Version<'a> {
    #[serde(borrow, default)]
    version_id: Option<Text<'a>>,
}

fn text(t: Option<Text>) -> Option<String> {
    t.filter(|t| !t.is_empty()).map(|t| t.as_str().to_owned())
}

/// (kind, policy ARN, version id) of a record.
fn classify(ev: &Event) -> Option<(&'static str, String, String)> {
    let req: Request = ev.record.request()?;
    let policy = text(req.policy_arn)?;
    match ev.name() {
        "CreatePolicyVersion" => {
            let admin = req
                .policy_document
                .as_ref()
                .is_some_and(|d| is_admin_text(d.as_str()));
            if !admin || req.set_as_default.0 == Some(true) {
                return None;
            }
            let resp: VersionResponse = ev.record.response()?;
            let version = text(resp.policy_version.and_then(|v| v.version_id))?;
            Some((CREATE, policy, version))
        }
        "SetDefaultPolicyVersion" => Some((DEFAULT, policy, text(req.version_id)?)),
        _ => None,
    }
}

fn report(create: &Fact, default: &Fact, cfg: &Config) -> Correlated {
    let involved = common::in_order(&[create, default]);
    let (who, creator) = (default.actor.key(), create.actor.key());
    let by = if who == creator {
        String::new()
    } else {
        format!(" (created by {creator})")
    };
    let summary = format!(
        "{who} made version {} of policy {} its default; that version, created at {}{by}, grants admin, so \
         everything the policy is attached to is now admin; restore the previous default version and \
         {} if the change was not planned",
        default.target,
        short_name(&default.group),
        common::at(create.time),
        contain(cfg, &default.actor, &who),
    );
    let finding = common::finding(
        &META,
        default,
        &involved,
        vec![default.group.clone()],
        summary,
    );
    let claim = common::claim_key(&META, &[&default.group, &default.target]);
    common::correlated(finding, &involved, claim, WINDOW)
}

impl CorrelationRule for Rule {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn facts(&self, ev: &Event, _cfg: &Config, out: &mut Vec<Fact>) {
        if ev.record.source() != "iam.amazonaws.com" {
            return;
        }
        if let Some((kind, policy, version)) = classify(ev) {
            out.push(common::fact(
                &META,
                policy.clone(),
                kind,
                ev,
                version,
                vec![policy],
            ));
        }
    }

    fn window(&self, _cfg: &Config) -> i64 {
        WINDOW
    }

    fn check(&self, new: &Fact, group: &[Fact], cfg: &Config) -> Option<Correlated> {
        let of = |kind: &str| {
            group
                .iter()
                .find(|f| f.kind == kind && f.target == new.target)
        };
        Some(report(of(CREATE)?, of(DEFAULT)?, cfg))
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::correlation::tests::{findings, iam_user, record};
    use serde_json::json;

    const ID: &str = "corr-policy-version-escalation";
    const ADMIN: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

    fn create(n: u32, policy: &str, version: &str, default: bool) -> String {
        record(
            n,
            "2026-11-20T15:30:00Z",
            "iam.amazonaws.com",
            "CreatePolicyVersion",
            &iam_user("dev"),
            json!({
            "requestParameters": {"policyArn": format!("arn:aws:iam::111122223333:policy/{policy}"), "policyDocument": ADMIN, "setAsDefault": default},
            "responseElements": {"policyVersion": {"versionId": version, "isDefaultVersion": default}}}),
        )
    }

    fn set_default(n: u32, policy: &str, version: &str) -> String {
        record(
            n,
            "2026-11-21T08:00:00Z",
            "iam.amazonaws.com",
            "SetDefaultPolicyVersion",
            &iam_user("dev"),
            json!({
            "requestParameters": {"policyArn": format!("arn:aws:iam::111122223333:policy/{policy}"), "versionId": version}}),
        )
    }

    #[test]
    fn pairs_only_within_one_policy_and_never_the_one_call_form() {
        assert_eq!(
            findings(
                ID,
                &[create(1, "a", "v4", false), set_default(2, "a", "v4")]
            )
            .len(),
            1
        );
        assert!(findings(
            ID,
            &[create(1, "a", "v4", false), set_default(2, "b", "v4")]
        )
        .is_empty());
        assert!(findings(ID, &[create(1, "a", "v4", true), set_default(2, "a", "v4")]).is_empty());
        let again = [
            create(1, "a", "v4", false),
            set_default(2, "a", "v4"),
            set_default(3, "a", "v3"),
            set_default(4, "a", "v4"),
        ];
        assert_eq!(
            findings(ID, &again).len(),
            1,
            "rolling back and forth is one escalation"
        );
    }
}
