//! Logging and detection tampering: CloudTrail, GuardDuty, Config, Security Hub, Organizations.

use super::EventRule;

/// The logging and detection event rules.
pub fn rules() -> Vec<Box<dyn EventRule>> {
    vec![]
}
