//! The function's configuration from its environment (the Terraform module's
//! contract): `TRAILGUARD_MODE` (detect|guard, default detect),
//! `TRAILGUARD_CONFIG` (inline TOML) or `TRAILGUARD_CONFIG_SSM` (an SSM
//! parameter holding it), `TRAILGUARD_TABLE`, `TRAILGUARD_TOPIC_ARN`,
//! `TRAILGUARD_SELF` (the guard's own resources, comma-separated).

use thiserror::Error;

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
        let self_names = nonempty("TRAILGUARD_SELF")
            .map(|s| split_list(&s))
            .unwrap_or_default();
        Ok(Settings {
            mode,
            config,
            table: table.trim().to_owned(),
            topic_arn: topic_arn.trim().to_owned(),
            self_names,
        })
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
}
