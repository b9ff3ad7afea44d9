//! Correlation rules: patterns over several records of one actor or target.

use super::CorrelationRule;

/// The correlation rules.
pub fn rules() -> Vec<Box<dyn CorrelationRule>> {
    vec![]
}
