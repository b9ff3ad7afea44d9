//! The function's configuration from its environment (the Terraform module's
//! contract): `TRAILGUARD_MODE` (detect|guard, default detect),
//! `TRAILGUARD_CONFIG` (inline TOML) or `TRAILGUARD_CONFIG_SSM` (an SSM
//! parameter holding it), `TRAILGUARD_TABLE`, `TRAILGUARD_TOPIC_ARN`,
//! `TRAILGUARD_SELF` (the guard's own resources: a JSON array of names or
//! ARNs with `*` globs, as the module writes it, or a comma-separated list),
//! `TRAILGUARD_DLQ_URL` and `TRAILGUARD_MAX_RECEIVE` (an SQS message that
//! fails on its last delivery is sent there with the reason).

use thiserror::Error;

/// Every variable the function reads (besides `RUST_LOG` and the SDK's
/// `AWS_*`); the Terraform module sets exactly these (tested).
pub const ENV_VARS: [&str; 8] = [
    "TRAILGUARD_MODE",
    "TRAILGUARD_CONFIG",
    "TRAILGUARD_CONFIG_SSM",
    "TRAILGUARD_TABLE",
    "TRAILGUARD_TOPIC_ARN",
    "TRAILGUARD_SELF",
    "TRAILGUARD_DLQ_URL",
    "TRAILGUARD_MAX_RECEIVE",
];

/// What the function does with a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Alerts only.
    Detect,
    /// Alerts, and carries out each finding's `quarantine` response.
    Guard,
}

impl Mode {
    pub fn parse(s: &str) -> Result<Mode, SettingsError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "detect" => Ok(Mode::Detect),
            "guard" => Ok(Mode::Guard),
            other => Err(SettingsError::Invalid(format!(
                "TRAILGUARD_MODE must be detect or guard, not {other:?}"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Detect => "detect",
            Mode::Guard => "guard",
        }
    }
}

/// Where the contracts' TOML comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// No configuration: the defaults.
    Default,
    Inline(String),
    /// An SSM parameter name (read once per cold start, decrypted).
    Ssm(String),
}

/// The environment, read once per cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub mode: Mode,
    pub config: ConfigSource,
    pub table: String,
    pub topic_arn: String,
    /// Names or ARNs of the guard's own resources.
    pub self_names: Vec<String>,
    /// Where a message failing on its last delivery goes, with its reason.
    pub dead_letters: Option<DeadLetters>,
}

/// The dead-letter queue and the source queue's `maxReceiveCount`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetters {
    pub queue_url: String,
    /// A message delivered this many times is on its last delivery.
    pub max_receive: u32,
}

/// A missing or invalid setting: the function cannot start.
#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{0}")]
    Invalid(String),
}

impl Settings {
    /// Reads the settings through `get` (the process environment in `main`).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let nonempty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let mode = Mode::parse(&nonempty("TRAILGUARD_MODE").unwrap_or_default())?;
        let config = match (
            nonempty("TRAILGUARD_CONFIG"),
            nonempty("TRAILGUARD_CONFIG_SSM"),
        ) {
            (Some(_), Some(_)) => {
                return Err(SettingsError::Invalid(
                    "set TRAILGUARD_CONFIG or TRAILGUARD_CONFIG_SSM, not both".into(),
                ))
            }
            (Some(t), None) => ConfigSource::Inline(t),
            (None, Some(p)) => ConfigSource::Ssm(p.trim().to_owned()),
            (None, None) => ConfigSource::Default,
        };
        let table =
            nonempty("TRAILGUARD_TABLE").ok_or(SettingsError::Missing("TRAILGUARD_TABLE"))?;
        let topic_arn = nonempty("TRAILGUARD_TOPIC_ARN")
            .ok_or(SettingsError::Missing("TRAILGUARD_TOPIC_ARN"))?;
        let self_names = match nonempty("TRAILGUARD_SELF") {
            Some(s) => self_list(&s)?,
            None => Vec::new(),
        };
        let dead_letters = dead_letters(
            nonempty("TRAILGUARD_DLQ_URL"),
            nonempty("TRAILGUARD_MAX_RECEIVE"),
        )?;
        Ok(Settings {
            mode,
            config,
            table: table.trim().to_owned(),
            topic_arn: topic_arn.trim().to_owned(),
            self_names,
            dead_letters,
        })
    }
}

/// `TRAILGUARD_SELF`: a JSON array of strings, or a comma-separated list.
fn self_list(s: &str) -> Result<Vec<String>, SettingsError> {
    if !s.trim_start().starts_with('[') {
        return Ok(split_list(s));
    }
    let items: Vec<String> = serde_json::from_str(s).map_err(|e| {
        SettingsError::Invalid(format!(
            "TRAILGUARD_SELF is not a JSON array of strings: {e}"
        ))
    })?;
    Ok(items
        .iter()
        .map(|x| x.trim())
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Both or neither: a queue without a count (or the reverse) is a mistake.
fn dead_letters(
    url: Option<String>,
    max: Option<String>,
) -> Result<Option<DeadLetters>, SettingsError> {
    match (url, max) {
        (None, None) => Ok(None),
        (Some(u), Some(m)) => {
            let max_receive = m
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    SettingsError::Invalid(format!(
                        "TRAILGUARD_MAX_RECEIVE must be a whole number of at least 1, not {m:?}"
                    ))
                })?;
            Ok(Some(DeadLetters {
                queue_url: u.trim().to_owned(),
                max_receive,
            }))
        }
        (Some(_), None) => Err(SettingsError::Invalid(
            "TRAILGUARD_DLQ_URL needs TRAILGUARD_MAX_RECEIVE (the queue's maxReceiveCount)".into(),
        )),
        (None, Some(_)) => Err(SettingsError::Invalid(
            "TRAILGUARD_MAX_RECEIVE needs TRAILGUARD_DLQ_URL".into(),
        )),
    }
}

/// A comma-separated list, trimmed, without empty items.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn defaults_to_detect_and_requires_table_and_topic() {
        let s = Settings::from_env(env(&[
            ("TRAILGUARD_TABLE", "t"),
            ("TRAILGUARD_TOPIC_ARN", "arn:aws:sns:us-east-1:1:t"),
            ("TRAILGUARD_SELF", " fn-a, ,role-b "),
        ]))
        .unwrap();
        assert_eq!(s.mode, Mode::Detect);
        assert_eq!(s.config, ConfigSource::Default);
        assert_eq!(s.self_names, vec!["fn-a", "role-b"]);
        assert!(Settings::from_env(env(&[("TRAILGUARD_TABLE", "t")])).is_err());
    }

    #[test]
    fn mode_and_config_sources() {
        let base = [("TRAILGUARD_TABLE", "t"), ("TRAILGUARD_TOPIC_ARN", "a")];
        let mut v = base.to_vec();
        v.push(("TRAILGUARD_MODE", "GUARD"));
        v.push(("TRAILGUARD_CONFIG_SSM", "/tg/config"));
        let s = Settings::from_env(env(&v)).unwrap();
        assert_eq!(s.mode, Mode::Guard);
        assert_eq!(s.config, ConfigSource::Ssm("/tg/config".into()));
        v.push(("TRAILGUARD_CONFIG", "x = 1"));
        assert!(Settings::from_env(env(&v)).is_err());
        let mut w = base.to_vec();
        w.push(("TRAILGUARD_MODE", "block"));
        assert!(Settings::from_env(env(&w)).is_err());
    }

    #[test]
    fn self_list_as_json_array_or_commas() {
        let mut v = vec![("TRAILGUARD_TABLE", "t"), ("TRAILGUARD_TOPIC_ARN", "a")];
        v.push((
            "TRAILGUARD_SELF",
            r#"["arn:aws:lambda:us-east-1:1:function:tg", " arn:aws:events:*:1:rule/tg-*", ""]"#,
        ));
        let s = Settings::from_env(env(&v)).unwrap();
        assert_eq!(
            s.self_names,
            vec![
                "arn:aws:lambda:us-east-1:1:function:tg",
                "arn:aws:events:*:1:rule/tg-*"
            ]
        );
        v.pop();
        v.push(("TRAILGUARD_SELF", "[\"unterminated"));
        let e = Settings::from_env(env(&v)).unwrap_err().to_string();
        assert!(e.contains("TRAILGUARD_SELF"), "{e}");
    }

    #[test]
    fn dead_letters_need_queue_and_count() {
        let base = [("TRAILGUARD_TABLE", "t"), ("TRAILGUARD_TOPIC_ARN", "a")];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut v = base.to_vec();
            v.extend_from_slice(extra);
            Settings::from_env(env(&v))
        };
        assert_eq!(with(&[]).unwrap().dead_letters, None);
        let s = with(&[
            ("TRAILGUARD_DLQ_URL", "http://q/dlq"),
            ("TRAILGUARD_MAX_RECEIVE", "5"),
        ])
        .unwrap();
        assert_eq!(
            s.dead_letters,
            Some(DeadLetters {
                queue_url: "http://q/dlq".into(),
                max_receive: 5
            })
        );
        for bad in [
            vec![("TRAILGUARD_DLQ_URL", "http://q/dlq")],
            vec![("TRAILGUARD_MAX_RECEIVE", "5")],
            vec![
                ("TRAILGUARD_DLQ_URL", "http://q/dlq"),
                ("TRAILGUARD_MAX_RECEIVE", "0"),
            ],
            vec![
                ("TRAILGUARD_DLQ_URL", "http://q/dlq"),
                ("TRAILGUARD_MAX_RECEIVE", "five"),
            ],
        ] {
            let e = with(&bad).unwrap_err().to_string();
            assert!(e.contains("TRAILGUARD_"), "{e}");
        }
    }

    /// The Terraform module's environment block sets exactly the variables
    /// read here (both config sources appear, one per branch).
    #[test]
    fn terraform_sets_exactly_these_variables() {
        let tf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../terraform/lambda.tf");
        let text = std::fs::read_to_string(&tf).unwrap();
        let mut set: Vec<String> = Vec::new();
        for (i, _) in text.match_indices("TRAILGUARD_") {
            let name: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            let assigned = text[i + name.len()..].trim_start().starts_with('=');
            if assigned && !set.contains(&name) {
                set.push(name);
            }
        }
        set.sort();
        let mut want: Vec<String> = ENV_VARS.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(set, want, "{}", tf.display());
    }
}
