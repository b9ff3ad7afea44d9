//! Configuration (`--config FILE`, TOML): change windows, principals, thresholds,
//! per-rule overrides. Parsed strictly (unknown keys are errors) and validated
//! into [`Config`], whose queries the rules use.

use crate::finding::{Response, Severity};
use crate::record::time::parse_duration;
use crate::record::Timestamp;
use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A configuration problem, with the key it is about.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    change_window: Vec<RawWindow>,
    #[serde(default)]
    principals: Principals,
    #[serde(default)]
    thresholds: BTreeMap<String, RawThreshold>,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    guard: RawGuard,
}

/// `[guard]`: the guard's own deployment.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGuard {
    /// Names or ARNs of the guard's own function, role, EventBridge rules,
    /// queue, table, topic and key (`guard-self-tampered` watches them).
    #[serde(default, rename = "self")]
    self_names: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    days: Vec<String>,
    start: String,
    end: String,
    #[serde(default = "utc")]
    timezone: String,
}

fn utc() -> String {
    "UTC".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    count: Option<u32>,
    window: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    #[serde(default)]
    response: BTreeMap<String, Response>,
}

/// `[principals]`: ARN lists accept `*` wildcards (`arn:aws:iam::*:role/ci-*`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principals {
    #[serde(default)]
    pub break_glass: Vec<String>,
    #[serde(default)]
    pub trusted_automation: Vec<String>,
    #[serde(default)]
    pub trusted_accounts: Vec<String>,
    #[serde(default)]
    pub protected: Vec<String>,
    /// SAML and OIDC identity providers the account is meant to have (ARNs,
    /// globs allowed, or OIDC issuer hosts such as `token.actions.githubusercontent.com`);
    /// `scan` lists any other provider for review.
    #[serde(default)]
    pub identity_providers: Vec<String>,
}

/// A weekly change window, possibly wrapping past midnight.
#[derive(Debug, Clone)]
pub struct ChangeWindow {
    pub days: Vec<Weekday>,
    /// Minutes after local midnight.
    pub start: u32,
    pub end: u32,
    pub tz: Tz,
}

impl ChangeWindow {
    /// True when `t` falls inside the window.
    pub fn contains(&self, t: Timestamp) -> bool {
        let Some(utc) = DateTime::<Utc>::from_timestamp(t, 0) else {
            return false;
        };
        let local = utc.with_timezone(&self.tz);
        let minute = local.hour() * 60 + local.minute();
        let today = local.weekday();
        let yesterday = today.pred();
        if self.start < self.end {
            self.days.contains(&today) && minute >= self.start && minute < self.end
        } else if self.start == self.end {
            self.days.contains(&today)
        } else {
            (self.days.contains(&today) && minute >= self.start)
                || (self.days.contains(&yesterday) && minute < self.end)
        }
    }
}

/// A count within a time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    pub count: u32,
    /// Seconds.
    pub window: i64,
}

impl Threshold {
    /// `count` as a length to compare collections against.
    pub fn min_len(&self) -> usize {
        usize::try_from(self.count).unwrap_or(usize::MAX)
    }
}

/// Known thresholds, their defaults and what they mean.
pub const THRESHOLDS: &[(&str, u32, &str, &str)] = &[
    (
        "mass_termination",
        10,
        "10m",
        "instances terminated by one actor within the window",
    ),
    (
        "mass_deletion",
        10,
        "10m",
        "data and backup resources deleted by one actor within the window",
    ),
    (
        "terminate_call",
        5,
        "1m",
        "instances in a single TerminateInstances call",
    ),
    (
        "access_denied_burst",
        5,
        "10m",
        "denied IAM write calls by one actor within the window",
    ),
    (
        "backdoor_admin",
        1,
        "1h",
        "window between creating a principal and arming it",
    ),
    (
        "login_then_takeover",
        1,
        "1h",
        "window between a risky console login and IAM writes",
    ),
    (
        "secrets_harvesting",
        15,
        "10m",
        "distinct secrets, parameters or passwords read by one actor within the window",
    ),
    (
        "ssh_key_pushed",
        3,
        "10m",
        "instances one SSH key is pushed to by one actor within the window",
    ),
];

/// Validated configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub windows: Vec<ChangeWindow>,
    pub principals: Principals,
    thresholds: BTreeMap<String, Threshold>,
    pub disabled: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    pub response: BTreeMap<String, Response>,
    /// `[guard] self`: names or ARNs of the guard's own resources.
    pub guard_self: Vec<String>,
}

/// `*`-glob match (the only wildcard), case-sensitive like ARNs.
pub fn glob_match(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn any_match(list: &[String], arn: &str) -> bool {
    list.iter().any(|p| glob_match(p, arn))
}

impl Config {
    /// Reads and validates a TOML file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: name.clone(),
            source,
        })?;
        Config::parse(&text).map_err(|message| ConfigError::Invalid {
            path: name,
            message,
        })
    }

    /// Parses and validates TOML text; the error names the offending key.
    pub fn parse(text: &str) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string().trim().to_owned())?;
        let mut cfg = Config::default();
        for (i, w) in raw.change_window.iter().enumerate() {
            cfg.windows
                .push(parse_window(w).map_err(|m| format!("change_window[{i}]: {m}"))?);
        }
        validate_principals(&raw.principals)?;
        cfg.principals = raw.principals;
        for (name, t) in &raw.thresholds {
            let Some(&(_, count, window, _)) = THRESHOLDS.iter().find(|k| k.0 == name) else {
                let known: Vec<&str> = THRESHOLDS.iter().map(|k| k.0).collect();
                return Err(format!(
                    "thresholds.{name}: unknown threshold (known: {})",
                    known.join(", ")
                ));
            };
            let w = t.window.as_deref().unwrap_or(window);
            let window = parse_duration(w).ok_or_else(|| {
                format!("thresholds.{name}.window: {w:?} is not a duration like 30s, 10m, 2h, 1d")
            })?;
            let count = t.count.unwrap_or(count);
            if count == 0 {
                return Err(format!("thresholds.{name}.count: must be at least 1"));
            }
            cfg.thresholds
                .insert(name.clone(), Threshold { count, window });
        }
        let known = crate::rules::library();
        let check = |id: &String, key: &str| -> Result<(), String> {
            if known.iter().any(|m| m.id == id) {
                Ok(())
            } else {
                Err(format!(
                    "rules.{key}: unknown rule {id:?} (see `trailguard rules list`)"
                ))
            }
        };
        for id in &raw.rules.disable {
            check(id, "disable")?;
        }
        for id in raw.rules.severity.keys() {
            check(id, "severity")?;
        }
        for id in raw.rules.response.keys() {
            check(id, "response")?;
        }
        cfg.disabled = raw.rules.disable;
        cfg.severity = raw.rules.severity;
        cfg.response = raw.rules.response;
        for (i, n) in raw.guard.self_names.iter().enumerate() {
            if n.trim().is_empty() || n.trim() != n {
                return Err(format!(
                    "guard.self[{i}]: {n:?} must be a non-empty name or ARN without surrounding spaces"
                ));
            }
        }
        cfg.guard_self = raw.guard.self_names;
        Ok(cfg)
    }

    /// Adds names or ARNs of the guard's own resources (the Lambda's
    /// `TRAILGUARD_SELF`), skipping empty ones and duplicates.
    pub fn extend_self(&mut self, names: &[String]) {
        for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            if !self.guard_self.iter().any(|x| x == n) {
                self.guard_self.push(n.to_owned());
            }
        }
    }

    /// The guard's own resource named by `name_or_arn`, if it is one. An ARN
    /// entry (`*` globs allowed) matches an ARN whole; a bare name (globs
    /// allowed) matches the last part (after `:` or `/`) of a name or ARN;
    /// a bare name given is matched against the last part of plain ARN entries.
    pub fn guard_self_match(&self, name_or_arn: &str) -> Option<&str> {
        if name_or_arn.is_empty() {
            return None;
        }
        let short = |s: &str| -> String {
            let tail = s.rsplit_once(':').map_or(s, |x| x.1);
            tail.rsplit('/').next().unwrap_or(tail).to_owned()
        };
        let given = short(name_or_arn);
        let given_is_arn = name_or_arn.starts_with("arn:");
        self.guard_self
            .iter()
            .find(|n| match (n.starts_with("arn:"), given_is_arn) {
                (true, true) => glob_match(n, name_or_arn),
                (true, false) => !n.contains('*') && short(n) == given,
                (false, _) => *n == name_or_arn || glob_match(n, &given),
            })
            .map(String::as_str)
    }

    /// The named threshold (configured or default).
    pub fn threshold(&self, name: &str) -> Threshold {
        if let Some(t) = self.thresholds.get(name) {
            return *t;
        }
        let (_, count, window, _) = THRESHOLDS
            .iter()
            .find(|k| k.0 == name)
            .copied()
            .unwrap_or(("", 1, "1h", ""));
        Threshold {
            count,
            window: parse_duration(window).unwrap_or(3600),
        }
    }

    /// Inside any change window.
    pub fn in_change_window(&self, t: Timestamp) -> bool {
        self.windows.iter().any(|w| w.contains(t))
    }
    pub fn is_trusted_automation(&self, arn: &str) -> bool {
        any_match(&self.principals.trusted_automation, arn)
    }
    pub fn is_break_glass(&self, arn: &str) -> bool {
        any_match(&self.principals.break_glass, arn)
    }
    pub fn is_protected(&self, arn: &str) -> bool {
        any_match(&self.principals.protected, arn)
    }
    /// An identity provider listed under `principals.identity_providers`, by
    /// ARN (globs allowed) or by OIDC issuer host (`url` with or without scheme).
    pub fn is_listed_provider(&self, arn: &str, url: &str) -> bool {
        let host = url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        self.principals.identity_providers.iter().any(|p| {
            glob_match(p, arn)
                || (!host.is_empty()
                    && p.trim_start_matches("https://").trim_end_matches('/') == host)
        })
    }
    /// An account roles may trust: `own` (the event's account) or a listed one.
    pub fn is_trusted_account(&self, account: &str, own: &str) -> bool {
        account == own
            || self
                .principals
                .trusted_accounts
                .iter()
                .any(|a| a == account)
    }
}

fn parse_window(w: &RawWindow) -> Result<ChangeWindow, String> {
    if w.days.is_empty() {
        return Err("days: list at least one day (Mon..Sun)".into());
    }
    let mut days = Vec::new();
    for d in &w.days {
        days.push(parse_day(d).ok_or_else(|| {
            format!("days: unknown day {d:?} (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
        })?);
    }
    let start = parse_hhmm(&w.start)
        .ok_or_else(|| format!("start: {:?} is not a time like 22:00", w.start))?;
    let end =
        parse_hhmm(&w.end).ok_or_else(|| format!("end: {:?} is not a time like 02:00", w.end))?;
    let tz: Tz = w.timezone.parse().map_err(|_| {
        format!(
            "timezone: {:?} is not an IANA time zone name (e.g. UTC, Europe/Paris)",
            w.timezone
        )
    })?;
    Ok(ChangeWindow {
        days,
        start,
        end,
        tz,
    })
}

fn parse_day(s: &str) -> Option<Weekday> {
    let l = s.trim().to_ascii_lowercase();
    let days = [
        ("mon", Weekday::Mon),
        ("tue", Weekday::Tue),
        ("wed", Weekday::Wed),
        ("thu", Weekday::Thu),
        ("fri", Weekday::Fri),
        ("sat", Weekday::Sat),
        ("sun", Weekday::Sun),
    ];
    days.iter()
        .find(|(p, _)| l == *p || (l.len() > 3 && l.starts_with(p)))
        .map(|x| x.1)
}

fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (h, m) if h < 24 && m < 60 => Some(h * 60 + m),
        _ => None,
    }
}

fn validate_principals(p: &Principals) -> Result<(), String> {
    for (key, list) in [
        ("break_glass", &p.break_glass),
        ("trusted_automation", &p.trusted_automation),
        ("protected", &p.protected),
    ] {
        for arn in list {
            if !arn.starts_with("arn:") || arn.split(':').count() < 6 {
                return Err(format!(
                    "principals.{key}: {arn:?} is not an ARN (arn:aws:iam::ACCOUNT:user/NAME)"
                ));
            }
        }
    }
    for a in &p.trusted_accounts {
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "principals.trusted_accounts: {a:?} is not a 12-digit account id"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
