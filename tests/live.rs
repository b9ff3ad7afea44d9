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

/// (rule id, principal ARN, extra condition, what it means).
type Expectation<'a> = (&'a str, &'a str, &'a dyn Fn(&Value) -> bool, &'a str);

/// The planted backdoors no finding reports (empty: all found), each as
/// "what was expected". Every backdoor must be at least medium.
pub fn backdoor_misses(findings: &[Value], p: &Planted) -> Vec<String> {
    let alice = seed::user_arn("alice");
    let any = |_: &Value| true;
    let two_keys = |f: &Value| {
        let r = resources(f);
        r.contains(&p.alice_second_key.as_str()) && r.len() >= 3
    };
    let outside = |f: &Value| s(f, "summary").contains(crate::OUTSIDE_ACCOUNT);
    let oidc = |f: &Value| s(f, "summary").contains(&p.oidc_provider);
    let listed = |f: &Value| resources(f).contains(&p.oidc_provider.as_str());
    let checks: [Expectation; 7] = [
        (
            "posture-unexpected-admin",
            &p.admin_user,
            &any,
            "backup-admin is an unexpected admin",
        ),
        (
            "posture-console-user-without-mfa",
            &p.admin_user,
            &any,
            "backup-admin has a console password and no MFA",
        ),
        (
            "posture-access-key-hygiene",
            &alice,
            &two_keys,
            "alice has two active access keys (one finding lists both)",
        ),
        (
            "posture-role-trusts-outside",
            &p.outside_role,
            &outside,
            "ops-audit trusts 999988887777",
        ),
        (
            "posture-role-trusts-outside",
            &p.oidc_role,
            &oidc,
            "github-deploy trusts the planted OIDC provider with no :sub condition",
        ),
        (
            "posture-unexpected-admin",
            &p.oidc_role,
            &any,
            "github-deploy is an unexpected admin",
        ),
        (
            "posture-identity-provider-unlisted",
            &p.oidc_provider,
            &listed,
            "the planted OIDC provider is listed nowhere in the config",
        ),
    ];
    checks
        .into_iter()
        .filter(|(rule, who, pred, _)| {
            !findings.iter().any(|f| {
                s(f, "rule_id") == *rule
                    && actor_arn(f) == *who
                    && severity_at_least(f, "medium")
                    && pred(f)
            })
        })
        .map(|(rule, who, _, what)| format!("{what}: no {rule} finding (>= medium) on {who}"))
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
