//! Helpers shared by the correlation rules: facts from events, findings from
//! facts, bursts of facts within a sliding window, and claim keys.
//!
//! Two invariants make every rule fire exactly once per pattern, whatever the
//! order in which records arrive:
//! - a pattern only involves facts that lie within the rule's window of each
//!   other, so whichever of its facts arrives last sees all the others in its
//!   group (the engine loads ±window around a new fact);
//! - its claim lives until the newest involved fact plus the window: any later
//!   arrival that could see the same pattern again (it must lie within the
//!   window of every involved fact) falls inside the claim, and so does a burst
//!   that simply goes on (one finding per actor per window, not one per record).

use crate::engine::Fact;
use crate::finding::{short_name, Finding, TimelineEntry};
use crate::record::{format_time, Event, Timestamp};
use crate::rules::{Correlated, RuleMeta};
use std::collections::HashMap;

/// Most events listed in one finding (a burst of thousands of calls stays readable).
pub const MAX_EVENTS: usize = 200;

/// A fact about `ev` for the rule `meta`.
pub fn fact(
    meta: &RuleMeta,
    group: String,
    kind: &str,
    ev: &Event,
    target: String,
    resources: Vec<String>,
) -> Fact {
    let r = ev.record;
    Fact {
        rule: meta.id.to_owned(),
        group,
        kind: kind.to_owned(),
        time: ev.time,
        event_id: r.id().to_owned(),
        event_name: r.name().to_owned(),
        target,
        count: 1,
        actor: ev.actor().clone(),
        account: r.account().to_owned(),
        region: r.region().to_owned(),
        resources,
    }
}

/// The acting principal's ARN (user, role or root), if the record names one.
pub fn principal(ev: &Event) -> Option<String> {
    ev.actor().arn.clone().filter(|a| !a.is_empty())
}

/// Facts oldest first (ties by event id, then kind), without repeats.
pub fn in_order<'a>(facts: &[&'a Fact]) -> Vec<&'a Fact> {
    let mut v: Vec<&Fact> = facts.to_vec();
    v.sort_by(|a, b| {
        (a.time, &a.event_id, &a.kind, &a.target).cmp(&(b.time, &b.event_id, &b.kind, &b.target))
    });
    v.dedup_by(|a, b| std::ptr::eq(*a, *b) || a.identity() == b.identity());
    v
}

fn timeline_target(f: &Fact) -> String {
    let short = |s: &str| {
        if s.starts_with("arn:") {
            short_name(s).to_owned()
        } else {
            s.to_owned()
        }
    };
    if f.resources.len() > 1 && f.count > 1 {
        let mut names: Vec<String> = f.resources.iter().take(3).map(|r| short(r)).collect();
        if f.resources.len() > 3 {
            names.push(format!("+{} more", f.resources.len() - 3));
        }
        return names.join(", ");
    }
    short(&f.target)
}

/// Unique values, first occurrence kept.
pub fn unique(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in items {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// A finding about `involved` (any order; at most [`MAX_EVENTS`] kept, oldest
/// first): actor, account and region of `lead`, time of the newest fact.
pub fn finding(
    meta: &RuleMeta,
    lead: &Fact,
    involved: &[&Fact],
    resources: Vec<String>,
    summary: String,
) -> Finding {
    let mut facts = in_order(involved);
    facts.truncate(MAX_EVENTS);
    let time = facts.iter().map(|f| f.time).max().unwrap_or(lead.time);
    Finding {
        rule_id: meta.id.to_owned(),
        title: meta.title.to_owned(),
        severity: meta.severity,
        time,
        account: lead.account.clone(),
        region: lead.region.clone(),
        actor: lead.actor.clone(),
        resources: unique(resources),
        event_ids: unique(facts.iter().map(|f| f.event_id.clone())),
        mitre: meta.mitre.iter().map(|s| s.to_string()).collect(),
        summary,
        response: meta.response,
        timeline: facts
            .iter()
            .map(|f| TimelineEntry {
                time: f.time,
                event_name: f.event_name.clone(),
                event_id: f.event_id.clone(),
                target: timeline_target(f),
            })
            .collect(),
    }
}

/// The claim key of one pattern instance: the rule id and the parts naming it.
pub fn claim_key(meta: &RuleMeta, parts: &[&str]) -> String {
    let mut k = meta.id.to_owned();
    for p in parts {
        k.push('\u{1f}');
        k.push_str(p);
    }
    k
}

/// Wraps a finding with its claim, which lives until the newest involved fact
/// plus the rule's window (see the module docs).
pub fn correlated(finding: Finding, involved: &[&Fact], claim: String, window: i64) -> Correlated {
    let newest = involved
        .iter()
        .map(|f| f.time)
        .max()
        .unwrap_or(finding.time);
    Correlated {
        finding,
        claim,
        until: newest.saturating_add(window),
    }
}

/// The facts of `kind` in the first interval of `window` seconds that contains
/// `new` and holds at least `count` distinct keys (`keys` of each fact), oldest
/// first. Linear in the group size (two pointers).
pub fn burst<'g>(
    new: &Fact,
    group: &'g [Fact],
    kind: &str,
    window: i64,
    count: usize,
    keys: fn(&Fact) -> &[String],
) -> Option<Vec<&'g Fact>> {
    let mut v: Vec<&Fact> = group.iter().filter(|f| f.kind == kind).collect();
    v.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
    let mut counts: HashMap<&str, u32> = HashMap::new();
    let mut j = 0;
    for i in 0..v.len() {
        let end = v[i].time.saturating_add(window);
        while j < v.len() && v[j].time <= end {
            for k in keys(v[j]) {
                *counts.entry(k.as_str()).or_default() += 1;
            }
            j += 1;
        }
        if v[i].time <= new.time && new.time <= end && counts.len() >= count.max(1) {
            return Some(v[i..j].to_vec());
        }
        for k in keys(v[i]) {
            if let Some(c) = counts.get_mut(k.as_str()) {
                *c -= 1;
                if *c == 0 {
                    counts.remove(k.as_str());
                }
            }
        }
    }
    None
}

/// `"in 4 minutes"`, `"within the same minute"`, for a span of seconds.
pub fn span_text(from: Timestamp, to: Timestamp) -> String {
    let s = (to - from).abs();
    match s {
        0..=59 => "within the same minute".to_owned(),
        60 => "within a minute".to_owned(),
        _ if s <= 2 * 3600 => format!("within {} minutes", (s + 59) / 60),
        _ => format!("within {} hours", (s + 3599) / 3600),
    }
}

/// `2026-11-12T03:12:44Z`.
pub fn at(t: Timestamp) -> String {
    format_time(t)
}

/// Names joined for a summary: `a, b and 3 more`.
pub fn list(items: &[String], max: usize) -> String {
    match items.len() {
        0 => String::new(),
        n if n <= max => items.join(", "),
        n => format!("{} and {} more", items[..max].join(", "), n - max),
    }
}

/// Read-style call names, for records whose `readOnly` flag is missing.
pub fn reads_by_name(name: &str) -> bool {
    ["Get", "List", "Describe", "Simulate", "Generate", "Search"]
        .iter()
        .any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Actor, ActorKind};

    fn f(kind: &str, time: i64, id: &str, keys: &[&str]) -> Fact {
        Fact {
            rule: "r".into(),
            group: "g".into(),
            kind: kind.into(),
            time,
            event_id: id.into(),
            event_name: "E".into(),
            target: keys.first().map(|s| s.to_string()).unwrap_or_default(),
            count: keys.len() as u32,
            actor: crate::finding::principal_actor(
                "arn:aws:iam::111122223333:user/a",
                ActorKind::IAMUser,
            ),
            account: "111122223333".into(),
            region: "us-east-1".into(),
            resources: keys.iter().map(|s| s.to_string()).collect(),
        }
    }

    static META: RuleMeta = RuleMeta {
        id: "corr-test",
        title: "t",
        severity: crate::finding::Severity::Low,
        mitre: &["T1000"],
        description: "d",
        remediation: "r",
        response: crate::finding::Response::Alert,
        kind: crate::rules::RuleKind::Correlation,
        events: &[],
        about_failures: false,
    };

    #[test]
    fn burst_counts_distinct_keys_in_a_window_containing_new() {
        let g = vec![
            f("t", 0, "a", &["i-1", "i-2"]),
            f("t", 100, "b", &["i-2", "i-3"]),
            f("t", 700, "c", &["i-4"]),
        ];
        let keys: fn(&Fact) -> &[String] = |f| &f.resources;
        assert_eq!(
            burst(&g[1], &g, "t", 600, 3, keys).map(|v| v.len()),
            Some(2)
        );
        assert!(burst(&g[1], &g, "t", 600, 4, keys).is_none());
        // i-2..i-4 within [100, 700]
        assert_eq!(
            burst(&g[2], &g, "t", 600, 3, keys).map(|v| v[0].event_id.clone()),
            Some("b".into())
        );
        assert!(burst(&g[2], &g, "x", 600, 1, keys).is_none());
    }

    #[test]
    fn findings_are_ordered_and_unique() {
        let (a, b) = (f("t", 50, "b", &["i-9"]), f("t", 10, "a", &["i-1", "i-2"]));
        let x = finding(
            &META,
            &b,
            &[&a, &b, &a],
            vec!["i-1".into(), "i-1".into(), String::new()],
            "s".into(),
        );
        assert_eq!(x.event_ids, vec!["a", "b"]);
        assert_eq!(x.timeline.len(), 2);
        assert_eq!(x.timeline[0].target, "i-1, i-2");
        assert_eq!(x.time, 50);
        assert_eq!(x.resources, vec!["i-1"]);
        let _: &Actor = &x.actor;
    }

    #[test]
    fn texts() {
        assert_eq!(span_text(0, 30), "within the same minute");
        assert_eq!(span_text(0, 601), "within 11 minutes");
        assert_eq!(
            list(&["a".into(), "b".into(), "c".into()], 2),
            "a, b and 1 more"
        );
        assert!(reads_by_name("GetUser") && !reads_by_name("CreateUser"));
    }
}
