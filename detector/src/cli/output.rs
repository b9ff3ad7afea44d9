//! Printers: text (grouped by actor, with a timeline), JSON Lines, OCSF.

use super::Format;
use std::collections::BTreeMap;
use std::io::{self, Write};
use trailguard::finding::ocsf::to_ocsf;
use trailguard::hunt::Stats;

/// The text heading of a hunt.
pub fn hunt_heading(stats: &Stats) -> String {
    let mb = stats.bytes as f64 / 1e6;
    format!(
        "trailguard hunt: {} records from {} source(s), {mb:.1} MB of JSON",
        stats.records, stats.sources
    )
}
use trailguard::record::format_time;
use trailguard::rules::find;
use trailguard::{Finding, Severity};

/// Prints findings in the chosen format.
pub fn print(
    w: &mut dyn Write,
    format: Format,
    findings: &[&Finding],
    heading: &str,
) -> io::Result<()> {
    match format {
        Format::Json => {
            for f in findings {
                serde_json::to_writer(&mut *w, f)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Ocsf => {
            for f in findings {
                serde_json::to_writer(&mut *w, &to_ocsf(f, find(&f.rule_id)))?;
                w.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Text => print_text(w, findings, heading),
    }
}

fn counts(findings: &[&Finding]) -> String {
    let mut parts = Vec::new();
    for s in Severity::ALL.iter().rev() {
        let n = findings.iter().filter(|f| f.severity == *s).count();
        if n > 0 {
            parts.push(format!("{n} {s}"));
        }
    }
    parts.join(", ")
}

fn short_time(t: i64) -> String {
    format_time(t)
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

fn print_text(w: &mut dyn Write, findings: &[&Finding], heading: &str) -> io::Result<()> {
    writeln!(w, "{heading}")?;
    if findings.is_empty() {
        return writeln!(w, "no findings");
    }
    let mut by_actor: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_actor.entry(f.actor_key()).or_default().push(f);
    }
    writeln!(
        w,
        "{} finding(s) from {} actor(s): {}",
        findings.len(),
        by_actor.len(),
        counts(findings)
    )?;
    let mut groups: Vec<(String, Vec<&Finding>)> = by_actor.into_iter().collect();
    groups.sort_by_key(|(k, v)| {
        let worst = v.iter().map(|f| f.severity).max().unwrap_or(Severity::Info);
        let first = v.iter().map(|f| f.time).min().unwrap_or(0);
        (std::cmp::Reverse(worst), first, k.clone())
    });
    let rule_w = findings
        .iter()
        .map(|f| f.rule_id.len())
        .max()
        .unwrap_or(4)
        .max(4);
    for (actor, list) in &groups {
        print_actor(w, actor, list, rule_w)?;
    }
    Ok(())
}

fn print_actor(w: &mut dyn Write, actor: &str, list: &[&Finding], rule_w: usize) -> io::Result<()> {
    let a = &list[0].actor;
    let mut about = vec![a.kind.as_str().to_owned()];
    if let Some(k) = &a.access_key_id {
        about.push(format!("key {k}"));
    }
    let mut ips: Vec<&str> = list
        .iter()
        .filter_map(|f| f.actor.source_ip.as_deref())
        .collect();
    ips.sort_unstable();
    ips.dedup();
    if !ips.is_empty() {
        about.push(format!("from {}", ips.join(", ")));
    }
    writeln!(w, "\n== {actor}  ({})", about.join(", "))?;
    writeln!(
        w,
        "   {:<8}  {:<19}  {:<rule_w$}  SUMMARY",
        "SEVERITY", "TIME (UTC)", "RULE"
    )?;
    for f in list {
        writeln!(
            w,
            "   {:<8}  {:<19}  {:<rule_w$}  {}",
            f.severity.as_str(),
            short_time(f.time),
            f.rule_id,
            f.summary
        )?;
        if !f.resources.is_empty() {
            writeln!(
                w,
                "   {:<8}  {:<19}  {:<rule_w$}  resources: {}",
                "",
                "",
                "",
                f.resources.join(", ")
            )?;
        }
    }
    let mut steps: Vec<(i64, &str, &str, &str)> = list
        .iter()
        .flat_map(|f| {
            f.timeline.iter().map(|t| {
                (
                    t.time,
                    t.event_name.as_str(),
                    t.event_id.as_str(),
                    t.target.as_str(),
                )
            })
        })
        .collect();
    steps.sort_unstable();
    steps.dedup_by(|a, b| a.2 == b.2 && !a.2.is_empty() && a.1 == b.1);
    if !steps.is_empty() {
        writeln!(w, "   timeline:")?;
        for (t, name, _, target) in steps {
            writeln!(w, "     {}  {name} {target}", short_time(t))?;
        }
    }
    Ok(())
}
