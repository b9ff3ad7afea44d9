//! Stratus Red Team report: the real detonation logs of
//! `fixtures/corpus/stratus_detonation_logs.jsonl` (DataDog/stratus-red-team
//! @7c9a7a5a, Apache-2.0; see fixtures/THIRD_PARTY.md), split per technique and
//! hunted one technique at a time. The table technique -> rules fired is written
//! to `<target>/stratus-report.md` and printed (`cargo test --test stratus --
//! --nocapture` shows it); the expected minimum mapping below is asserted.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;
use trailguard_e2e::*;

/// Technique (last part of its id) -> rules that must fire on its detonation.
const EXPECTED: &[(&str, &[&str])] = &[
    ("secretsmanager-retrieve-secrets", &["secrets-harvesting"]),
    (
        "secretsmanager-batch-retrieve-secrets",
        &["secrets-harvesting"],
    ),
    (
        "ssm-retrieve-securestring-parameters",
        &["secrets-harvesting"],
    ),
    ("ec2-get-password-data", &["secrets-harvesting"]),
    (
        "ec2-serial-console-send-ssh-public-key",
        &["ec2-instance-remote-access-pushed"],
    ),
    ("ec2-instance-connect", &["ec2-ssh-key-pushed-to-many"]),
    ("lambda-layer-extension", &["lambda-layer-attached"]),
    ("ec2-user-data", &["ec2-user-data-modified"]),
    ("cloudtrail-delete", &["logging-cloudtrail-tampered"]),
    (
        "cloudtrail-event-selectors",
        &["logging-cloudtrail-tampered"],
    ),
    ("cloudtrail-stop", &["logging-cloudtrail-tampered"]),
    ("dns-delete-logs", &["logging-network-logs-deleted"]),
    ("vpc-remove-flow-logs", &["logging-network-logs-deleted"]),
    ("organizations-leave", &["logging-organization-left"]),
    (
        "ec2-security-group-open-port-22-ingress",
        &["ec2-security-group-open-world"],
    ),
    ("ec2-share-ami", &["ec2-resource-shared-outside"]),
    ("ec2-share-ebs-snapshot", &["ec2-resource-shared-outside"]),
    ("rds-share-snapshot", &["ec2-resource-shared-outside"]),
    (
        "console-login-without-mfa",
        &["signin-console-login-without-mfa"],
    ),
    ("iam-backdoor-role", &["iam-trust-opened"]),
    ("iam-backdoor-user", &["iam-access-key-for-other-user"]),
    (
        "iam-create-admin-user",
        &[
            "iam-admin-granted",
            "iam-access-key-for-other-user",
            "corr-backdoor-admin",
        ],
    ),
    (
        "iam-create-backdoor-role",
        &[
            "iam-trust-opened",
            "iam-admin-granted",
            "corr-backdoor-admin",
        ],
    ),
    (
        "iam-create-user-login-profile",
        &["iam-login-profile-for-other-user"],
    ),
    (
        "iam-update-user-login-profile",
        &["iam-login-profile-for-other-user"],
    ),
    (
        "rolesanywhere-create-trust-anchor",
        &["iam-identity-provider-changed"],
    ),
    ("lambda-backdoor-function", &["lambda-function-exposed"]),
    ("sts-federation-token", &["signin-federation-token-issued"]),
];

/// What hunting one technique's records gave.
struct Outcome {
    technique: String,
    records: usize,
    fired: BTreeSet<String>,
    exit: i32,
    stderr: String,
}

fn corpus() -> PathBuf {
    fixtures().join("corpus")
}

fn short(technique: &str) -> &str {
    technique.rsplit('.').next().unwrap_or(technique)
}

/// Records per technique, in file order.
fn by_technique() -> BTreeMap<String, Vec<Value>> {
    let text = std::fs::read_to_string(corpus().join("stratus_detonation_logs.jsonl"))
        .expect("stratus corpus");
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("corpus line {}: {e}", i + 1));
        let technique = s(&v, "technique_id").to_owned();
        let record = v
            .get("record")
            .cloned()
            .unwrap_or_else(|| panic!("corpus line {}: no record", i + 1));
        out.entry(technique).or_default().push(record);
    }
    out
}

/// Hunts every technique once per test process; writes and returns the report.
fn outcomes() -> &'static (Vec<Outcome>, String) {
    static CELL: OnceLock<(Vec<Outcome>, String)> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = tempdir();
        let mut all = Vec::new();
        for (technique, records) in by_technique() {
            let file = write_file(dir.path(), &format!("{technique}.jsonl"), &jsonl(&records));
            let (out, findings) = hunt_json(&[], &[&file]);
            all.push(Outcome {
                technique,
                records: records.len(),
                fired: rule_ids(&findings),
                exit: exit_code(&out),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
        let report = report(&all);
        let path = target_dir().join("stratus-report.md");
        if let Err(e) = std::fs::write(&path, &report) {
            eprintln!("cannot write {}: {e}", path.display());
        }
        (all, report)
    })
}

fn expected_for(technique: &str) -> &'static [&'static str] {
    EXPECTED
        .iter()
        .find(|(t, _)| *t == short(technique))
        .map(|(_, r)| *r)
        .unwrap_or(&[])
}

fn report(all: &[Outcome]) -> String {
    let mut md = String::from("# Stratus Red Team detonations: rules fired\n\n");
    md.push_str(
        "Records: `fixtures/corpus/stratus_detonation_logs.jsonl` (DataDog/stratus-red-team @7c9a7a5a, \
         Apache-2.0), hunted one technique at a time with the default configuration.\n\n",
    );
    md.push_str("| technique | records | rules fired | expected at least | status |\n|---|---|---|---|---|\n");
    let mut covered = 0;
    for o in all {
        let want = expected_for(&o.technique);
        let missing: Vec<String> = want
            .iter()
            .filter(|r| !o.fired.contains(**r))
            .map(|r| format!("{r}{}", missing_note(r)))
            .collect();
        let status = if missing.is_empty() {
            "ok".to_owned()
        } else {
            format!("missing: {}", missing.join(", "))
        };
        covered += usize::from(!o.fired.is_empty());
        let fired = if o.fired.is_empty() {
            "-".to_owned()
        } else {
            o.fired.iter().cloned().collect::<Vec<_>>().join(", ")
        };
        let want = if want.is_empty() {
            "-".to_owned()
        } else {
            want.join(", ")
        };
        md.push_str(&format!(
            "| {} | {} | {fired} | {want} | {status} |\n",
            o.technique, o.records
        ));
    }
    md.push_str(&format!(
        "\n{covered} of {} detonated techniques raise at least one finding.\n",
        all.len()
    ));
    let tsv = std::fs::read_to_string(corpus().join("stratus_techniques.tsv")).unwrap_or_default();
    let logged: BTreeSet<&str> = all.iter().map(|o| o.technique.as_str()).collect();
    let without: Vec<&str> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|t| !t.is_empty() && !logged.contains(t))
        .collect();
    if !without.is_empty() {
        md.push_str(&format!(
            "\nTechniques without a detonation log in the corpus: {}.\n",
            without.join(", ")
        ));
    }
    md
}

/// The real records parse cleanly: no stderr, exit 0 or 1, for every technique.
#[test]
fn every_technique_reads_cleanly() {
    let (all, _) = outcomes();
    assert_eq!(all.len(), 35, "the corpus holds 35 detonated techniques");
    assert_eq!(all.iter().map(|o| o.records).sum::<usize>(), 310);
    for o in all {
        assert!(
            o.stderr.is_empty(),
            "{}: stderr:\n{}",
            o.technique,
            o.stderr
        );
        assert!(
            o.exit == 0 || o.exit == 1,
            "{}: exit {}",
            o.technique,
            o.exit
        );
        assert_eq!(
            o.exit == 1,
            !o.fired.is_empty(),
            "{}: exit status and findings disagree",
            o.technique
        );
    }
}

#[test]
fn expected_mapping_holds() {
    let (all, report) = outcomes();
    println!("{report}");
    println!(
        "(written to {})",
        target_dir().join("stratus-report.md").display()
    );
    let mut problems = Vec::new();
    for (technique, rules) in EXPECTED {
        let Some(o) = all.iter().find(|o| short(&o.technique) == *technique) else {
            problems.push(format!("{technique}: no detonation log in the corpus"));
            continue;
        };
        for r in *rules {
            if !o.fired.contains(*r) {
                problems.push(format!(
                    "{}: {r} did not fire{}",
                    o.technique,
                    missing_note(r)
                ));
            }
        }
    }
    let only_missing = problems
        .iter()
        .all(|p| p.ends_with("(rule not in this build yet)"));
    assert!(
        problems.is_empty(),
        "{} expectation(s) unmet{}:\n{}",
        problems.len(),
        if only_missing {
            " (all for rules not in this build yet)"
        } else {
            ""
        },
        problems.join("\n")
    );
}
