//! Correlation rules: patterns over several records of one actor or target.
//!
//! Each rule turns records into [`crate::engine::Fact`]s (pure) and, given a new
//! fact and its group within the rule's window, decides whether a pattern is
//! complete. Rules fire whatever the arrival order and once per pattern; the
//! shared machinery (findings from facts, bursts, claims) is in [`common`].

pub mod access_denied_probing;
pub mod backdoor_admin;
pub mod common;
pub mod login_then_takeover;
pub mod mass_deletion;
pub mod mass_termination;
pub mod policy_version_escalation;

use super::CorrelationRule;

/// The correlation rules.
pub fn rules() -> Vec<Box<dyn CorrelationRule>> {
    vec![
        Box::new(backdoor_admin::Rule),
        Box::new(mass_termination::Rule),
        Box::new(mass_deletion::Rule),
        Box::new(login_then_takeover::Rule),
        Box::new(access_denied_probing::Rule),
        Box::new(policy_version_escalation::Rule),
    ]
}

#[cfg(test)]
mod tests;
