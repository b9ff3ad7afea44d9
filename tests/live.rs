//! What the live suites (`tests/suites/live_*.rs`) share: a seeded moto
//! ([`account`]), running `scan` / `snapshot` / `sweep` against an endpoint
//! (moto itself or a [`crate::fault_proxy`] in front of it), and what a scan
//! of the seeded account must and must not report ([`backdoor_misses`],
//! [`clean_violations`]).
//!
//! Emulator artefacts: moto cannot reproduce three facts of a real account,
//! so three findings are expected on clean principals and allowed, each for
//! a stated reason ([`ARTEFACTS`]). Everything else naming a clean principal
//! is a false positive.

use crate::moto::{runtime, trailguard_at, Moto, MOTO_ACCOUNT};
use crate::seed::{self, Clean, Planted};
use crate::{actor_arn, json_lines, s, stderr_lines};
use serde_json::Value;
use std::process::Output;

/// Findings moto makes unavoidable on clean principals: (rule id, who, why).
/// `who` is `"*"` for any clean principal, else the one ARN it may name.
pub const ARTEFACTS: &[(&str, &str, &str)] = &[
    (
        "posture-user-created-outside-window",
        "*",
        "moto creates every user minutes before the scan and no change window is configured",
    ),
    (
        "posture-console-password-never-used",
        "*",
        "moto never records a console sign-in (PasswordLastUsed stays empty)",
    ),
    (
        "posture-root-without-mfa",
        "root",
        "moto hard-wires AccountMFAEnabled to 0 (no API enables root MFA)",
    ),
];

/// Operations moto 5.2 does not implement: a partial result naming them is
/// the emulator's limit, not a fault of the scan.
pub const MOTO_UNIMPLEMENTED: &[&str] = &["ListServiceSpecificCredentials"];

/// A fresh moto holding the clean account, plus the backdoors when `plant`.
pub fn account(plant: bool) -> (Moto, Clean, Option<Planted>) {
    let moto = Moto::start();
    let rt = runtime();
    let clean = rt.block_on(seed::clean_account(&moto));
    let planted = plant.then(|| rt.block_on(seed::plant_backdoors(&moto)));
    (moto, clean, planted)
}

/// `scan --format json --config <suite config> --lookback 0 <extra>` against
/// `endpoint`; returns the output and its findings.
pub fn scan(endpoint: &str, extra: &[&str]) -> (Output, Vec<Value>) {
    let cfg = seed::config_path().display().to_string();
    let mut args = vec![
        "scan",
        "--format",
        "json",
        "--config",
        &cfg,
        "--lookback",
        "0",
    ];
    args.extend_from_slice(extra);
    let out = trailguard_at(endpoint, &args);
    let findings = json_lines(&out);
    (out, findings)
}

/// The root ARN of moto's account.
pub fn root_arn() -> String {
    format!("arn:aws:iam::{MOTO_ACCOUNT}:root")
}

/// The resources of a finding.
pub fn resources(f: &Value) -> Vec<&str> {
    crate::string_array(f.get("resources")).unwrap_or_default()
}

fn severity_at_least(f: &Value, min: &str) -> bool {
    let rank = |s: &str| crate::SEVERITIES.iter().position(|x| *x == s);
    rank(s(f, "severity")) >= rank(min)
}

/// One-line description of a finding for failure messages.
pub fn describe(f: &Value) -> String {
    format!(
        "[{} {}] actor {} resources {:?}: {}",
        s(f, "rule_id"),
        s(f, "severity"),
        actor_arn(f),
        resources(f),
        s(f, "summary")
    )
}

/// What else a finding must show, beyond its rule and principal.
enum Extra {
    Nothing,
    /// `resources` list the key and at least two more ids (user + both keys).
    BothKeys(String),
    /// The summary mentions it.
    Says(String),
}

/// One planted backdoor as a scan must report it.
struct Expectation {
    rule: &'static str,
    who: String,
    extra: Extra,
    what: &'static str,
}

fn expectations(p: &Planted) -> Vec<Expectation> {
    let e = |rule, who: &str, extra, what| Expectation {
        rule,
        who: who.to_owned(),
        extra,
        what,
    };
    let alice = seed::user_arn("alice");
    vec![
        e(
            "posture-unexpected-admin",
            &p.admin_user,
            Extra::Nothing,
            "backup-admin is an unexpected admin",
        ),
        e(
            "posture-console-user-without-mfa",
            &p.admin_user,
            Extra::Nothing,
            "backup-admin has a console password and no MFA",
        ),
        e(
            "posture-access-key-hygiene",
            &alice,
            Extra::BothKeys(p.alice_second_key.clone()),
            "alice has two active access keys (one finding lists both)",
        ),
        e(
            "posture-role-trusts-outside",
            &p.outside_role,
            Extra::Says(crate::OUTSIDE_ACCOUNT.into()),
            "ops-audit trusts 999988887777",
        ),
        e(
            "posture-role-trusts-outside",
            &p.oidc_role,
            Extra::Says(p.oidc_provider.clone()),
            "github-deploy trusts the planted OIDC provider with no :sub condition",
        ),
        e(
            "posture-unexpected-admin",
            &p.oidc_role,
            Extra::Nothing,
            "github-deploy is an unexpected admin",
        ),
        e(
            "posture-identity-provider-unlisted",
            &p.oidc_provider,
            Extra::Nothing,
            "the planted OIDC provider is listed nowhere in the config",
        ),
    ]
}

impl Expectation {
    fn met_by(&self, f: &Value) -> bool {
        let extra = match &self.extra {
            Extra::Nothing => true,
            Extra::BothKeys(k) => resources(f).contains(&k.as_str()) && resources(f).len() >= 3,
            Extra::Says(t) => s(f, "summary").contains(t.as_str()),
        };
        s(f, "rule_id") == self.rule
            && actor_arn(f) == self.who
            && severity_at_least(f, "medium")
            && extra
    }
}

/// The planted backdoors no finding reports (empty: all found), each as
/// "what was expected". Every backdoor must be at least medium.
pub fn backdoor_misses(findings: &[Value], p: &Planted) -> Vec<String> {
    expectations(p)
        .into_iter()
        .filter(|x| !findings.iter().any(|f| x.met_by(f)))
        .map(|x| format!("{}: no {} finding (>= medium) on {}", x.what, x.rule, x.who))
        .collect()
}

/// True when an artefact allows `rule` naming `who`.
fn is_artefact(rule: &str, who: &str) -> bool {
    ARTEFACTS
        .iter()
        .any(|(r, w, _)| *r == rule && (*w == "*" || (*w == "root" && who == root_arn())))
}

/// Findings that name a clean principal (as actor or resource) or the root
/// user, other than the [`ARTEFACTS`] and findings about a planted
/// credential (alice's second key names alice).
pub fn clean_violations(findings: &[Value], planted: Option<&Planted>) -> Vec<String> {
    let mut clean: Vec<String> = Clean::principals().into_iter().map(|(a, _)| a).collect();
    clean.push(root_arn());
    let planted_ids: Vec<String> = planted
        .map(|p| p.changes().into_iter().map(|(_, id)| id).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for f in findings {
        let rule = s(f, "rule_id");
        let mut named: Vec<&str> = resources(f);
        named.push(actor_arn(f));
        let about_plant = named.iter().any(|n| planted_ids.iter().any(|p| p == n));
        for who in clean.iter().filter(|c| named.contains(&c.as_str())) {
            if !about_plant && !is_artefact(rule, who) {
                out.push(format!("names clean {who}: {}", describe(f)));
            }
        }
    }
    out
}

/// Asserts the first stderr line names the caller (`trailguard: running as <arn> (account <id>)`).
pub fn assert_running_as(out: &Output) {
    let lines = stderr_lines(out);
    let first = lines.first().map(String::as_str).unwrap_or("");
    assert!(
        first.starts_with("trailguard: running as arn:aws:")
            // `(account <id>)` in the contract; the build adds `, region <r>`.
            && (first.contains(&format!("(account {MOTO_ACCOUNT})"))
                || first.contains(&format!("(account {MOTO_ACCOUNT}, "))),
        "first stderr line should name the caller, got {first:?}; stderr:\n{}",
        lines.join("\n")
    );
}

/// Partial-result lines that are not explained by [`MOTO_UNIMPLEMENTED`].
pub fn unexplained_partials(out: &Output) -> Vec<String> {
    crate::partial_lines(out)
        .into_iter()
        .filter(|l| !MOTO_UNIMPLEMENTED.iter().any(|op| l.contains(op)))
        .collect()
}

/// `(rule_id, actor, resources)` of each finding: what a scan reported,
/// independent of times and wording.
pub fn finding_keys(findings: &[Value]) -> std::collections::BTreeSet<String> {
    findings
        .iter()
        .map(|f| format!("{} {} {:?}", s(f, "rule_id"), actor_arn(f), resources(f)))
        .collect()
}
