//! Logging and detection tampering: CloudTrail, GuardDuty, Config, Security Hub,
//! Organizations, network logs, and trailguard's own deployment.

mod cloudtrail_tampered;
mod config_stopped;
mod guard_self_tampered;
mod guardduty_disabled;
mod network_logs_deleted;
mod organization_left;
mod securityhub_disabled;

#[cfg(test)]
mod corpus_tests;

use super::EventRule;

/// The logging and detection event rules.
pub fn rules() -> Vec<Box<dyn EventRule>> {
    vec![
        Box::new(cloudtrail_tampered::Rule),
        Box::new(guardduty_disabled::Rule),
        Box::new(config_stopped::Rule),
        Box::new(securityhub_disabled::Rule),
        Box::new(organization_left::Rule),
        Box::new(network_logs_deleted::Rule),
        Box::new(guard_self_tampered::Rule),
    ]
}
