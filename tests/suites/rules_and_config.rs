//! `rules list|show`, the README's rule table, `config check`, strict
//! configuration parsing, and configuration overrides seen in findings.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use trailguard_e2e::records::mixed;
use trailguard_e2e::*;

const TAG: u32 = 0xc0;

fn mixed_records() -> Vec<Value> {
    mixed(TAG)
}

fn mixed_file(dir: &Path) -> PathBuf {
    write_file(dir, "mixed.jsonl", &jsonl(&mixed_records()))
}

// ---- rules list / show ----

fn check_meta(m: &Value) {
    for key in ["id", "title", "description", "remediation"] {
        assert!(!s(m, key).is_empty(), "rule metadata {key} is empty: {m:#}");
    }
    assert!(SEVERITIES.contains(&s(m, "severity")), "{m:#}");
    assert!(["alert", "quarantine"].contains(&s(m, "response")), "{m:#}");
    let mitre = string_array(m.get("mitre")).unwrap_or_default();
    assert!(
        !mitre.is_empty() && mitre.iter().all(|t| is_technique(t)),
        "{m:#}"
    );
}

#[test]
fn rules_list_text_and_json() {
    let out = run(&["rules", "--format", "json"], None);
    assert_exit(&out, 0, "rules --format json");
    let metas = json_lines(&out);
    assert!(metas.len() >= 2);
    metas.iter().for_each(check_meta);
    let ids: Vec<&str> = metas.iter().map(|m| s(m, "id")).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "ids are unique and sorted");
    let text = run(&["rules", "list"], None);
    assert_exit(&text, 0, "rules list");
    let text = stdout_text(&text);
    for m in &metas {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(s(m, "id")));
        let line =
            line.unwrap_or_else(|| panic!("{} missing from `rules list`:\n{text}", s(m, "id")));
        assert!(
            line.contains(s(m, "severity")) && line.contains(s(m, "title")),
            "{line}"
        );
    }
    assert_eq!(
        stdout_text(&run(&["rules"], None)),
        text,
        "`rules` alone lists"
    );
}

/// The contract puts common options after the subcommand name; `rules list
/// --format json` and `rules show ID --format json` are how users write it.
#[test]
fn common_options_are_accepted_after_rules_actions() {
    let out = run(&["rules", "list", "--format", "json"], None);
    assert_exit(&out, 0, "rules list --format json");
    json_lines(&out).iter().for_each(check_meta);
    let out = run(
        &["rules", "show", "root-activity", "--format", "json"],
        None,
    );
    assert_exit(&out, 0, "rules show root-activity --format json");
    assert_eq!(s(&json_lines(&out)[0], "id"), "root-activity");
}

#[test]
fn rules_show_one_rule_and_unknown_ids() {
    let out = run(&["rules", "show", "root-activity"], None);
    assert_exit(&out, 0, "rules show");
    let text = stdout_text(&out);
    for want in [
        "root-activity",
        "Root user activity",
        "critical",
        "T1078.004",
        "Remediation",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    let out = run(
        &[
            "rules",
            "--format",
            "json",
            "show",
            "iam-user-created-outside-window",
        ],
        None,
    );
    assert_exit(&out, 0, "rules --format json show");
    let metas = json_lines(&out);
    assert_eq!(metas.len(), 1);
    check_meta(&metas[0]);
    assert_eq!(s(&metas[0], "id"), "iam-user-created-outside-window");
    let out = run(&["rules", "show", "no-such-rule"], None);
    assert_exit(&out, 2, "rules show <unknown>");
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-rule"));
}

/// Fails, naming them, while planned rules are not merged into this build.
#[test]
fn the_catalogue_has_every_planned_rule() {
    let missing: Vec<&str> = PLANNED_RULES
        .iter()
        .copied()
        .filter(|r| !known_rules().contains(*r))
        .collect();
    assert!(
        missing.is_empty(),
        "rules not in this build yet: {missing:?}"
    );
}

/// README.md's rule table lists every rule of the build with its severity.
#[test]
fn readme_rule_table_matches_the_catalogue() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let out = run(&["rules", "--format", "json"], None);
    let mut problems = Vec::new();
    for m in json_lines(&out) {
        let id = s(&m, "id");
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{id}` |")));
        match row {
            None => problems.push(format!(
                "{id}: no row `| `{id}` | ...` in README.md's rule table"
            )),
            Some(r)
                if r.split('|')
                    .nth(2)
                    .is_none_or(|c| c.trim() != s(&m, "severity")) =>
            {
                problems.push(format!(
                    "{id}: README says {:?}, the rule says {}",
                    r.split('|').nth(2).unwrap_or("").trim(),
                    s(&m, "severity")
                ))
            }
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "update README.md:\n{}",
        problems.join("\n")
    );
}

// ---- configuration ----

const FULL_CONFIG: &str = r#"
[[change_window]]
days = ["Tue", "Thu"]
start = "22:00"
end = "02:00"
timezone = "UTC"

[[change_window]]
days = ["Sat"]
start = "09:00"
end = "12:00"
timezone = "Europe/Paris"

[principals]
break_glass = ["arn:aws:iam::111122223333:user/breakglass"]
trusted_automation = ["arn:aws:iam::111122223333:role/terraform-deploy"]
trusted_accounts = ["444455556666"]
protected = ["arn:aws:iam::111122223333:role/ci-*"]

[thresholds.mass_termination]
count = 20
window = "15m"

[rules]
disable = []

[rules.severity]
"iam-user-created-outside-window" = "high"

[rules.response]
"iam-user-created-outside-window" = "quarantine"
"#;

fn config_check(text: &str) -> std::process::Output {
    let dir = tempdir();
    let p = write_file(dir.path(), "trailguard.toml", text.as_bytes());
    run(&["config", "check", &p.display().to_string()], None)
}

#[test]
fn config_check_accepts_a_valid_file() {
    let out = config_check(FULL_CONFIG);
    assert_exit(&out, 0, "config check (valid)");
    assert!(stdout_text(&out).contains("ok"), "{}", stdout_text(&out));
    assert_exit(&config_check(""), 0, "config check (empty file: defaults)");
    let contract = r#"
[[change_window]]          # repeatable; a window may wrap past midnight
days = ["Tue", "Thu"]      # Mon..Sun
start = "22:00"
end = "02:00"
timezone = "UTC"           # IANA name

[principals]
break_glass = ["arn:aws:iam::111122223333:user/breakglass"]   # never quarantined
trusted_automation = ["arn:aws:iam::111122223333:role/terraform-deploy"]
trusted_accounts = ["444455556666"]                           # outside accounts roles may trust
protected = []                                                # never quarantined either
"#;
    assert_exit(
        &config_check(contract),
        0,
        "config check (the contract's example)",
    );
}

#[test]
fn config_check_rejects_invalid_values_naming_the_key() {
    let cases = [
        ("[[change_window]]\ndays = [\"Funday\"]\nstart = \"22:00\"\nend = \"02:00\"\n", "days"),
        ("[[change_window]]\ndays = [\"Tue\"]\nstart = \"25:00\"\nend = \"02:00\"\n", "start"),
        ("[[change_window]]\ndays = [\"Tue\"]\nstart = \"22:00\"\nend = \"02:00\"\ntimezone = \"Mars/Olympus\"\n", "timezone"),
        ("[principals]\ntrusted_accounts = [\"12345\"]\n", "trusted_accounts"),
        ("[principals]\nbreak_glass = [\"breakglass\"]\n", "break_glass"),
        ("[thresholds.mass_termination]\nwindow = \"forever\"\n", "mass_termination"),
        ("[thresholds.no_such_threshold]\ncount = 3\n", "no_such_threshold"),
        ("[rules]\ndisable = [\"no-such-rule\"]\n", "disable"),
        ("[rules.severity]\n\"root-activity\" = \"apocalyptic\"\n", "root-activity"),
        ("this is = not toml [", ""),
    ];
    for (text, key) in cases {
        let out = config_check(text);
        assert_exit(&out, 2, &format!("config check of {text:?}"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(key) && err.contains("trailguard.toml"),
            "message should name {key:?} and the file: {err}"
        );
    }
}

#[test]
fn config_with_unknown_keys_fails() {
    let cases = [
        ("colour = \"blue\"\n", "colour"),
        ("[principals]\nadmins = [\"arn:aws:iam::111122223333:user/a\"]\n", "admins"),
        ("[[change_window]]\ndays = [\"Tue\"]\nstart = \"22:00\"\nend = \"02:00\"\ntz = \"UTC\"\n", "tz"),
        ("[rules]\nenable = [\"root-activity\"]\n", "enable"),
        ("[thresholds.mass_termination]\nlimit = 3\n", "limit"),
    ];
    for (text, key) in cases {
        let out = config_check(text);
        assert_exit(&out, 2, &format!("config check of {text:?}"));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(key),
            "should name {key}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = tempdir();
        let cfg = write_file(dir.path(), "c.toml", text.as_bytes());
        let data = write_file(dir.path(), "d.jsonl", &jsonl(&mixed_records()));
        let out = run(
            &[
                "hunt",
                "--config",
                &cfg.display().to_string(),
                &data.display().to_string(),
            ],
            None,
        );
        assert_exit(&out, 2, "hunt with an invalid config");
        assert!(
            out.stdout.is_empty(),
            "no findings printed with an invalid config"
        );
    }
    let out = run(
        &["hunt", "--config", "/nonexistent/trailguard.toml", "-"],
        Some(b""),
    );
    assert_exit(&out, 2, "hunt with a missing config file");
}

#[test]
fn config_overrides_change_findings() {
    let dir = tempdir();
    let cfg = write_file(dir.path(), "c.toml", FULL_CONFIG.as_bytes());
    let data = mixed_file(dir.path());
    let (out, findings) = hunt_json(&["--config", &cfg.display().to_string()], &[&data]);
    assert_exit(&out, 1, "hunt with overrides");
    let created = of_rule(&findings, "iam-user-created-outside-window");
    assert!(!created.is_empty());
    for f in &created {
        assert_eq!(s(f, "severity"), "high", "severity override");
        let protected = actor_arn(f).starts_with("arn:aws:iam::111122223333:role/ci-");
        assert_eq!(
            s(f, "response"),
            if protected { "alert" } else { "quarantine" },
            "response override: {f:#}"
        );
    }
    let off = write_file(dir.path(), "off.toml", b"[rules]\ndisable = [\"root-activity\"]\n[rules.response]\n\"root-activity\" = \"quarantine\"\n");
    let (_, findings) = hunt_json(&["--config", &off.display().to_string()], &[&data]);
    assert!(
        of_rule(&findings, "root-activity").is_empty(),
        "disabled rule still fired"
    );
    let quarantine_root = write_file(
        dir.path(),
        "qr.toml",
        b"[rules.response]\n\"root-activity\" = \"quarantine\"\n",
    );
    let (_, findings) = hunt_json(
        &["--config", &quarantine_root.display().to_string()],
        &[&data],
    );
    let root = of_rule(&findings, "root-activity");
    assert!(
        !root.is_empty() && root.iter().all(|f| s(f, "response") == "alert"),
        "root is never quarantined"
    );
}

// ---- the Terraform module's event list ----

/// `terraform/events.json` (what the EventBridge rules deliver to the
/// Lambda) names exactly the events each rule of the catalogue reads: a rule
/// with `events` gets those names, one reading every record gets classes,
/// and the self-protection list is `guard-self-tampered`'s.
#[test]
fn terraform_event_list_matches_the_rule_catalogue() {
    let out = run(&["rules", "list", "--format", "json"], None);
    assert_exit(&out, 0, "rules list --format json");
    let text = std::fs::read_to_string(root().join("terraform/events.json")).unwrap();
    let events: Value = serde_json::from_str(&text).unwrap();
    let names = |v: &Value| -> BTreeSet<String> {
        let by_source = v.as_object().cloned().unwrap_or_default();
        by_source
            .values()
            .flat_map(|ns| string_array(Some(ns)).unwrap_or_default())
            .map(str::to_owned)
            .collect()
    };
    let listed = events["rules"].as_object().unwrap();
    let mut seen = BTreeSet::new();
    for m in json_lines(&out) {
        let (id, kind) = (s(&m, "id"), s(&m, "kind"));
        let reads: BTreeSet<String> = string_array(m.get("events"))
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect();
        if kind == "posture" {
            assert!(
                !listed.contains_key(id),
                "{id}: posture rules read no events"
            );
            continue;
        }
        seen.insert(id.to_owned());
        if id == "guard-self-tampered" {
            let own = names(&events["self_protection"]["events"]);
            assert_eq!(reads, own, "{id} vs events.json self_protection");
            continue;
        }
        let spec = listed
            .get(id)
            .unwrap_or_else(|| panic!("{id} missing from terraform/events.json"));
        if reads.is_empty() {
            let classes = string_array(spec.get("every_record")).unwrap_or_default();
            assert!(
                !classes.is_empty(),
                "{id} reads every record: needs classes"
            );
        } else {
            assert_eq!(
                names(&spec["events"]),
                reads,
                "{id}: events.json vs the rule"
            );
        }
    }
    let extra: Vec<&String> = listed.keys().filter(|k| !seen.contains(*k)).collect();
    assert!(
        extra.is_empty(),
        "events.json lists unknown rules: {extra:?}"
    );
}
