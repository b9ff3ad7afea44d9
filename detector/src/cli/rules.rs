//! `trailguard rules list|show` and `trailguard config check`.

use super::{Common, Format, EXIT_CLEAN, EXIT_ERROR};
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;
use trailguard::rules::{find, library, RuleMeta};
use trailguard::Config;

/// `rules` actions.
#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// List every rule (the default).
    List,
    /// Show one rule's full metadata.
    Show {
        /// Rule id, as printed by `rules list`.
        id: String,
    },
}

/// `config` actions.
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Validate a configuration file and summarise it.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
}

fn meta_json(m: &RuleMeta) -> String {
    serde_json::to_string(m).unwrap_or_default()
}

/// Runs `rules`.
pub fn run_rules(action: Option<RulesAction>, common: &Common) -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    match action.unwrap_or(RulesAction::List) {
        RulesAction::List => {
            let cfg = common.load_config()?;
            let all = library();
            if common.format != Format::Text {
                for m in all {
                    writeln!(out, "{}", meta_json(m))?;
                }
                return Ok(EXIT_CLEAN);
            }
            let w = all.iter().map(|m| m.id.len()).max().unwrap_or(10);
            writeln!(
                out,
                "{:<w$}  {:<8}  {:<11}  {:<10}  TITLE",
                "ID", "SEVERITY", "KIND", "RESPONSE"
            )?;
            for m in all {
                let off = if cfg.disabled.iter().any(|d| d == m.id) {
                    " (disabled)"
                } else {
                    ""
                };
                let sev = cfg.severity.get(m.id).copied().unwrap_or(m.severity);
                let resp = cfg.response.get(m.id).copied().unwrap_or(m.response);
                writeln!(
                    out,
                    "{:<w$}  {:<8}  {:<11}  {:<10}  {}{off}",
                    m.id,
                    sev.as_str(),
                    serde_json::to_value(m.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    resp.as_str(),
                    m.title
                )?;
            }
            Ok(EXIT_CLEAN)
        }
        RulesAction::Show { id } => {
            let Some(m) = find(&id) else {
                eprintln!(
                    "trailguard: error: no rule {id:?}; `trailguard rules list` shows them all"
                );
                return Ok(EXIT_ERROR);
            };
            if common.format != Format::Text {
                writeln!(out, "{}", meta_json(m))?;
                return Ok(EXIT_CLEAN);
            }
            writeln!(out, "{}: {}", m.id, m.title)?;
            writeln!(out, "  severity:    {}", m.severity)?;
            writeln!(out, "  response:    {}", m.response.as_str())?;
            writeln!(out, "  MITRE:       {}", m.mitre.join(", "))?;
            let events = if m.events.is_empty() {
                "every record".to_owned()
            } else {
                m.events.join(", ")
            };
            writeln!(out, "  events:      {events}")?;
            writeln!(out, "\n{}\n\nRemediation: {}", m.description, m.remediation)?;
            Ok(EXIT_CLEAN)
        }
    }
}

/// Runs `config`.
pub fn run_config(action: ConfigAction) -> anyhow::Result<i32> {
    let ConfigAction::Check { file } = action;
    let mut out = std::io::stdout().lock();
    match Config::load(&file) {
        Ok(c) => {
            writeln!(
                out,
                "{}: ok: {} change window(s), {} break-glass, {} trusted automation, {} trusted account(s), {} protected, {} rule(s) disabled",
                file.display(),
                c.windows.len(),
                c.principals.break_glass.len(),
                c.principals.trusted_automation.len(),
                c.principals.trusted_accounts.len(),
                c.principals.protected.len(),
                c.disabled.len()
            )?;
            Ok(EXIT_CLEAN)
        }
        Err(e) => {
            eprintln!("trailguard: error: {e}");
            Ok(EXIT_ERROR)
        }
    }
}
