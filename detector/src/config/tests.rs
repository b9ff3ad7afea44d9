use super::*;
use crate::record::parse_time;

const SAMPLE: &str = r#"
[[change_window]]
days = ["Tue", "Thu"]
start = "22:00"
end = "02:00"
timezone = "UTC"

[principals]
break_glass = ["arn:aws:iam::111122223333:user/breakglass"]
trusted_automation = ["arn:aws:iam::111122223333:role/terraform-deploy"]
trusted_accounts = ["444455556666"]
protected = []

[thresholds]
mass_termination = { count = 10, window = "10m" }
"#;

fn t(s: &str) -> Timestamp {
    parse_time(s).unwrap()
}

#[test]
fn parses_the_contract_sample() {
    let c = Config::parse(SAMPLE).unwrap();
    assert_eq!(c.windows.len(), 1);
    assert_eq!(
        c.threshold("mass_termination"),
        Threshold {
            count: 10,
            window: 600
        }
    );
    assert_eq!(c.threshold("terminate_call").count, 5);
    assert!(c.is_trusted_automation("arn:aws:iam::111122223333:role/terraform-deploy"));
    assert!(c.is_break_glass("arn:aws:iam::111122223333:user/breakglass"));
    assert!(c.is_trusted_account("444455556666", "111122223333"));
    assert!(!c.is_trusted_account("999999999999", "111122223333"));
}

#[test]
fn wrapping_window() {
    let c = Config::parse(SAMPLE).unwrap();
    // 2026-11-10 is a Tuesday.
    assert!(c.in_change_window(t("2026-11-10T22:30:00Z")));
    assert!(c.in_change_window(t("2026-11-11T01:59:00Z"))); // Wed early morning, window began Tue
    assert!(!c.in_change_window(t("2026-11-11T02:00:00Z")));
    assert!(!c.in_change_window(t("2026-11-10T21:59:00Z")));
    assert!(!c.in_change_window(t("2026-11-10T01:00:00Z"))); // Tue early: window began Mon? no
    assert!(c.in_change_window(t("2026-11-13T00:30:00Z"))); // Fri early, window began Thu
}

#[test]
fn timezone_window() {
    let c = Config::parse(
        "[[change_window]]\ndays=[\"Mon\"]\nstart=\"09:00\"\nend=\"17:00\"\ntimezone=\"Europe/Paris\"\n",
    )
    .unwrap();
    // 2026-11-09 is a Monday; Paris is UTC+1 in November.
    assert!(c.in_change_window(t("2026-11-09T08:00:00Z")));
    assert!(!c.in_change_window(t("2026-11-09T16:30:00Z")));
}

#[test]
fn clear_errors() {
    let cases = [
        ("[[change_window]]\ndays=[\"Tus\"]\nstart=\"1:00\"\nend=\"2:00\"", "change_window[0]: days: unknown day \"Tus\""),
        ("[[change_window]]\ndays=[\"Tue\"]\nstart=\"25:00\"\nend=\"2:00\"", "change_window[0]: start"),
        ("[[change_window]]\ndays=[\"Tue\"]\nstart=\"1:00\"\nend=\"2:00\"\ntimezone=\"Mars/Base\"", "timezone"),
        ("[principals]\ntrusted_accounts=[\"12\"]", "trusted_accounts"),
        ("[principals]\nbreak_glass=[\"bob\"]", "principals.break_glass"),
        ("[thresholds]\nmass_termination={count=0}", "thresholds.mass_termination.count"),
        ("[thresholds]\nmass_termination={window=\"10y\"}", "thresholds.mass_termination.window"),
        ("[thresholds]\nfoo={count=1}", "unknown threshold"),
        ("[rules]\ndisable=[\"nope\"]", "unknown rule"),
        ("[bogus]\nx=1", "unknown field"),
        ("not toml [", ""),
    ];
    for (text, want) in cases {
        let err = Config::parse(text).unwrap_err();
        assert!(err.contains(want), "{text:?}: {err}");
    }
}

#[test]
fn globs() {
    assert!(glob_match(
        "arn:aws:iam::*:role/ci-*",
        "arn:aws:iam::1:role/ci-deploy"
    ));
    assert!(!glob_match(
        "arn:aws:iam::*:role/ci-*",
        "arn:aws:iam::1:role/cd-deploy"
    ));
    assert!(glob_match("*", "anything"));
    assert!(glob_match("a*b*c", "aXbYc"));
    assert!(!glob_match("a*b*c", "aXc"));
}

#[test]
fn posture_rule_ids_are_known_too() {
    let c = Config::parse("[rules]\ndisable=[\"posture-access-key-hygiene\"]").unwrap();
    assert_eq!(c.disabled, vec!["posture-access-key-hygiene"]);
}
