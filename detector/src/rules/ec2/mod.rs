//! EC2 and data rules: termination, sharing with outside accounts, exposure.

use super::EventRule;

/// The EC2 event rules.
pub fn rules() -> Vec<Box<dyn EventRule>> {
    vec![]
}
