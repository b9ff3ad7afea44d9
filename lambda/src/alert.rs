//! The SNS alert for a finding: a subject a person reads on a phone (at most
//! 100 characters, SNS's limit), and a body with the summary, the actor, the
//! resources, the actor's recent events and the action taken, then the
//! Finding JSON.

use trailguard::finding::{short_name, TimelineEntry};
use trailguard::record::format_time;
use trailguard::Finding;

/// SNS rejects longer subjects.
pub const MAX_SUBJECT: usize = 100;

/// What the function did about a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Detect mode, or the rule's response is `alert`.
    AlertOnly,
    /// Guard mode: the quarantine ran; what it did.
    Quarantined(String),
    /// Guard mode: the quarantine was refused or failed; why.
    QuarantineFailed(String),
}

impl Action {
    fn line(&self) -> String {
        match self {
            Action::AlertOnly => "none (alert only)".to_owned(),
            Action::Quarantined(s) => format!("quarantined: {s}"),
            Action::QuarantineFailed(s) => format!("QUARANTINE FAILED: {s}"),
        }
    }
}

/// `[CRITICAL] Backdoor admin user: alice (111122223333)`, cut to fit.
pub fn subject(f: &Finding) -> String {
    let who = f
        .actor
        .arn
        .as_deref()
        .or(f.actor.principal_id.as_deref())
        .map(short_name)
        .unwrap_or("unknown actor");
    let s = format!(
        "[{}] {}: {} ({})",
        f.severity.as_str().to_ascii_uppercase(),
        f.title,
        who,
        f.account
    );
    // SNS subjects: ASCII printable, no line breaks, <= 100 characters.
    let clean: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if clean.len() <= MAX_SUBJECT {
        clean
    } else {
        format!("{}...", &clean[..MAX_SUBJECT - 3])
    }
}

/// `2026-11-20T10:00:00Z CreateUser backdoor (e1)`.
fn line(e: &TimelineEntry) -> String {
    let target = if e.target.is_empty() {
        String::new()
    } else {
        format!(" {}", e.target)
    };
    format!(
        "{} {}{} ({})",
        format_time(e.time),
        e.event_name,
        target,
        e.event_id
    )
}

/// The message body; `recent` is the actor's activity around the finding
/// (write calls and sign-ins, from every invocation).
pub fn body(f: &Finding, action: &Action, recent: &[TimelineEntry]) -> String {
    let mut b = String::new();
    let a = &f.actor;
    b.push_str(&format!("{}\n\n", f.summary));
    b.push_str(&format!(
        "Rule:      {} ({}, response {})\n",
        f.rule_id,
        f.severity.as_str(),
        f.response.as_str()
    ));
    b.push_str(&format!("When:      {}\n", format_time(f.time)));
    b.push_str(&format!("Account:   {} ({})\n", f.account, f.region));
    b.push_str(&format!(
        "Actor:     {} [{}]\n",
        a.arn
            .as_deref()
            .or(a.principal_id.as_deref())
            .unwrap_or("unknown"),
        a.kind.as_str()
    ));
    for (label, v) in [
        ("Session", &a.session_arn),
        ("Key", &a.access_key_id),
        ("From IP", &a.source_ip),
        ("Agent", &a.user_agent),
    ] {
        if let Some(v) = v {
            b.push_str(&format!("{:<11}{v}\n", format!("{label}:")));
        }
    }
    b.push_str(&format!("Action:    {}\n", action.line()));
    b.push_str("\nResources:\n");
    for r in &f.resources {
        b.push_str(&format!("  - {r}\n"));
    }
    if !f.timeline.is_empty() {
        b.push_str("\nTimeline (the actor's events):\n");
        for e in &f.timeline {
            b.push_str(&format!("  {}\n", line(e)));
        }
    } else if !f.event_ids.is_empty() {
        b.push_str(&format!("\nEvents: {}\n", f.event_ids.join(", ")));
    }
    if !recent.is_empty() {
        b.push_str(
            "\nThe actor's recent write calls and sign-ins (a day before, * = this finding):\n",
        );
        for e in recent {
            let mark = if f.event_ids.contains(&e.event_id) {
                "*"
            } else {
                " "
            };
            b.push_str(&format!("{mark} {}\n", line(e)));
        }
    }
    b.push_str("\nFinding JSON:\n");
    b.push_str(&serde_json::to_string_pretty(f).unwrap_or_default());
    b.push('\n');
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailguard::finding::{Response, Severity};

    fn finding(title: &str) -> Finding {
        let mut f: Finding = serde_json::from_value(serde_json::json!({
            "rule_id": "backdoor-admin-user", "title": title, "severity": "critical",
            "time": "2026-11-20T10:00:00Z", "account": "111122223333", "region": "us-east-1",
            "actor": {"arn": "arn:aws:iam::111122223333:user/mallory", "type": "IAMUser",
                      "session_arn": null, "access_key_id": "AKIAEXAMPLE", "source_ip": "203.0.113.9",
                      "user_agent": "aws-cli/2"},
            "resources": ["arn:aws:iam::111122223333:user/backdoor"], "event_ids": ["e1", "e2"],
            "mitre": [], "summary": "mallory created backdoor and made it admin.", "response": "quarantine"
        }))
        .unwrap();
        f.timeline = vec![TimelineEntry {
            time: f.time,
            event_name: "CreateUser".into(),
            event_id: "e1".into(),
            target: "backdoor".into(),
        }];
        f
    }

    #[test]
    fn subject_is_short_and_readable() {
        let f = finding("Backdoor admin user");
        assert_eq!(
            subject(&f),
            "[CRITICAL] Backdoor admin user: mallory (111122223333)"
        );
        let long = finding(&"x\u{e9}".repeat(80));
        let s = subject(&long);
        assert!(s.len() <= MAX_SUBJECT && s.ends_with("...") && s.is_ascii());
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.response, Response::Quarantine);
    }

    #[test]
    fn body_has_every_part() {
        let f = finding("Backdoor admin user");
        let earlier = TimelineEntry {
            time: f.time - 600,
            event_name: "ConsoleLogin".into(),
            event_id: "e0".into(),
            target: String::new(),
        };
        let recent = vec![earlier, f.timeline[0].clone()];
        let b = body(&f, &Action::Quarantined("3 step(s) done".into()), &recent);
        for part in [
            "mallory created backdoor",
            "Actor:     arn:aws:iam::111122223333:user/mallory [IAMUser]",
            "From IP:   203.0.113.9",
            "Action:    quarantined: 3 step(s) done",
            "  - arn:aws:iam::111122223333:user/backdoor",
            "  2026-11-20T10:00:00Z CreateUser backdoor (e1)",
            "  2026-11-20T09:50:00Z ConsoleLogin (e0)\n* 2026-11-20T10:00:00Z CreateUser backdoor (e1)",
            "\"rule_id\": \"backdoor-admin-user\"",
        ] {
            assert!(b.contains(part), "{part} missing from\n{b}");
        }
    }
}
